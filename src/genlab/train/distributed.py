"""Data parallelism under torchrun: one process per device, the global batch split across ranks.

`torchrun --nproc_per_node=N -m genlab train ...` sets RANK / WORLD_SIZE / LOCAL_RANK; genlab then
joins the process group (NCCL on CUDA, gloo on CPU), and after every backward averages each net's
gradients over the ranks with one coalesced all-reduce — the arithmetic of DDP, done in the update
callable so that any family (several forward passes per step, a frozen discriminator) works
unchanged. Buffers (BatchNorm statistics) are broadcast from rank 0 after every step, as DDP's
broadcast_buffers does, so every rank holds identical weights and buffers.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

from genlab.errors import ConfigError


@dataclass
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_from_env(device_type: str) -> Dist:
    """Join the torchrun process group when WORLD_SIZE > 1; a single process otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        backend = "nccl" if device_type == "cuda" else "gloo"
        if device_type == "cuda":
            torch.cuda.set_device(local_rank)
        dist.init_process_group(backend=backend, store=_attempt_store(rank, world), rank=rank, world_size=world)
    return Dist(rank=rank, world=world, local_rank=local_rank)


def _attempt_store(rank: int, world: int) -> dist.Store:
    """The rendezvous store, with keys private to this torchrun attempt. After a restart, the group
    would otherwise read the addresses the crashed attempt's processes published, and hang connecting."""
    host, port = os.environ.get("MASTER_ADDR", "localhost"), int(os.environ.get("MASTER_PORT", "29500"))
    agent_hosts = os.environ.get("TORCHELASTIC_USE_AGENT_STORE", "").lower() == "true"
    base = dist.TCPStore(host, port, world_size=None if agent_hosts else world,
                         is_master=not agent_hosts and rank == 0, timeout=timedelta(minutes=10))
    attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
    return dist.PrefixStore(f"genlab/attempt{attempt}/", base)


def check_batch(batch_size: int, d: Dist) -> int:
    """The per-rank batch: the global batch must split evenly."""
    if batch_size % d.world:
        raise ConfigError(f"train.batch_size {batch_size} must be divisible by the number of processes ({d.world})")
    return batch_size // d.world


@torch.no_grad()
def average_gradients(params: list[torch.Tensor], d: Dist) -> None:
    """Average .grad over ranks in one coalesced all-reduce (a missing grad counts as zero)."""
    if not d.enabled or not params:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= d.world
    offset = 0
    for p, g in zip(params, grads):
        n = g.numel()
        p.grad = flat[offset:offset + n].view_as(p).clone() if p.grad is None else p.grad.copy_(flat[offset:offset + n].view_as(p))
        offset += n


@torch.no_grad()
def broadcast_module(module: torch.nn.Module, d: Dist, buffers_only: bool = False) -> None:
    """Copy rank 0's buffers (and parameters, unless buffers_only) to every rank."""
    if not d.enabled:
        return
    tensors = list(module.buffers()) + ([] if buffers_only else list(module.parameters()))
    for t in tensors:
        if t.is_floating_point() or t.dtype in (torch.int64, torch.int32):
            dist.broadcast(t.data, src=0)


def any_flag(flags: list[bool], d: Dist, device) -> list[bool]:
    """Element-wise OR of boolean flags over ranks (stop requested, NaN seen, time up ...)."""
    if not d.enabled:
        return flags
    t = torch.tensor([float(f) for f in flags], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return [bool(v) for v in t.tolist()]


def mean_over_ranks(values: dict[str, float], d: Dist, device) -> dict[str, float]:
    if not d.enabled or not values:
        return values
    keys = sorted(values)
    t = torch.tensor([values[k] for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return {k: v / d.world for k, v in zip(keys, t.tolist())}


def broadcast_object(obj, d: Dist):
    if not d.enabled:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather_tensors(t: torch.Tensor, d: Dist) -> list[torch.Tensor]:
    """Every rank's copy of a CPU tensor of one shape (e.g. its RNG state), on every rank."""
    if not d.enabled:
        return [t]
    out = [None] * d.world
    dist.all_gather_object(out, t.cpu())
    return out


def barrier(d: Dist) -> None:
    if d.enabled:
        dist.barrier()


def shutdown(d: Dist) -> None:
    if d.enabled and dist.is_initialized():
        dist.destroy_process_group()

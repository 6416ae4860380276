"""The one training loop. It drives any family through the surface of models/family.py (`Family`):
`trainable()`, `configure_optimizers()`, `train_step(batch, nets, update)`, `preview(fixed)` and the hooks,
and takes its batches from a data source (data/sources.py); it knows nothing else of either.
"""
from __future__ import annotations

import contextlib
import logging
import math
import platform
import signal
import threading
import time
from pathlib import Path
from typing import Callable

import torch
from tqdm import tqdm

import genlab
from genlab.config import Config, config_to_yaml
from genlab.data.sources import build_source, concat_batches
from genlab.errors import CheckpointError, ConfigError, TrainingError
from genlab.io import check_output_dir, write_json, write_text
from genlab.train import checkpoint as ckpt
from genlab.train.distributed import (any_flag, average_gradients, barrier, broadcast_module, broadcast_object,
                                      check_batch, gather_tensors, init_from_env, mean_over_ranks)
from genlab.train.logging import MetricsLogger
from genlab.train.run import Run, build_model, load_run, read_summary
from genlab.viz import plot_curves, save_image

log = logging.getLogger("genlab")

Evaluator = Callable[[torch.nn.Module, int], dict]
ProgressCallback = Callable[[dict], None]  # gets {"step", "total_steps", "images", "time"} (+ losses when logged)


def resolve_device(name: str, what: str = "train.device") -> torch.device:
    """The torch.device `name` asks for (auto: CUDA when there is one); ConfigError naming `what` otherwise."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if str(name).startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"{what} '{name}' was asked for, but no CUDA device is available; use cpu or auto")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ConfigError(f"{what} '{name}' is not a device; expected auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ConfigError(f"{what} '{name}' does not exist; this machine has {torch.cuda.device_count()} CUDA device(s)")
    if device.type not in ("cpu", "cuda"):
        raise ConfigError(f"{what} '{name}' is not supported; expected auto, cpu, cuda or cuda:N")
    return device


def check_precision(precision: str, device: torch.device) -> None:
    """fp16 needs CUDA (its grad scaler); checked before a run folder is created."""
    if precision == "fp16" and device.type != "cuda":
        raise ConfigError("train.precision 'fp16' needs a CUDA device; use bf16 or fp32 on the CPU")


def resume_run_dir(resume: str | Path) -> tuple[Path, Path]:
    """(run folder, checkpoint folder) to continue from `resume`, a run folder or one of its checkpoints:
    a run resumed from RUN/checkpoints/step_N continues RUN, never a new run inside the checkpoint."""
    path = ckpt.resolve_checkpoint(resume)
    return ckpt.run_dir_of(path), path


def check_compile_layout(device_type: str, t) -> None:
    """train.compile with train.channels_last fails in PyTorch's inductor on CUDA: its stride prediction for
    convolution_backward expects NCHW gradients where cuDNN returns channels_last ones (pytorch/pytorch#171622;
    seen with torch 2.11 on an H200). Refuse the pair up front rather than fail inside the first backward."""
    if device_type == "cuda" and t.compile and t.channels_last:
        raise ConfigError("train.compile=true with train.channels_last=true fails on CUDA in PyTorch's inductor "
                          "(pytorch/pytorch#171622); use one or the other")


def new_run_dir(out: str | Path, name: str) -> Path:
    """runs/00007-NAME: one more than the highest number already there."""
    out = check_output_dir(out, "train.out")
    out.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[:5]) for p in out.iterdir() if p.name[:5].isdigit()]
    for i in range(max(numbers, default=-1) + 1, 100000):
        path = out / f"{i:05d}-{name}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise TrainingError(f"no free run number left in '{out}'")


def versions() -> dict:
    return {"genlab": genlab.__version__, "torch": torch.__version__, "python": platform.python_version()}


class _StopFlag:
    """Ctrl-C (or SIGTERM) asks the loop to stop at the end of the current step and save a checkpoint;
    a second Ctrl-C aborts at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.requested = False
        self._previous: dict = {}

    def __enter__(self):
        try:
            self._previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        except ValueError:  # not the main thread: leave the signals alone
            self._previous = {}
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        log.warning("stopping after this step and saving a checkpoint (Ctrl-C again to abort now)")

    def __exit__(self, *exc):
        for s, handler in self._previous.items():
            signal.signal(s, handler)


class Trainer:
    """State of one training run; `fit()` runs it. Use `genlab.train(config)` rather than this class."""

    def __init__(self, config: Config, *, resume: str | Path | None = None, run_dir: str | Path | None = None,
                 evaluator: Evaluator | None = None, progress: bool = True,
                 stop: threading.Event | None = None, on_progress: ProgressCallback | None = None):
        self.config, self.evaluator, self.progress = config, evaluator, progress
        # `stop` may be set from any thread (a web server's); the loop ends after the current step with a
        # checkpoint saved, as on Ctrl-C. `on_progress` is called after every step.
        self.stop_event, self.on_progress = stop, on_progress
        t = config.train
        self.device = resolve_device(t.device)
        check_precision(t.precision, self.device)
        self.dist = init_from_env(self.device.type)
        if self.dist.enabled and self.device.type == "cuda":
            self.device = torch.device("cuda", self.dist.local_rank)
        self.local_batch = check_batch(t.batch_size, self.dist)
        d = config.data
        # batches are made on the data side, on the CPU, and moved to the device one step at a time
        self.source = build_source(d, batch_size=t.batch_size, seed=t.seed, rank=self.dist.rank, world=self.dist.world)
        self.shape = self.source.shape
        torch.manual_seed(t.seed)
        self.model = build_model(config, **self.source.interface).to(self.device)
        self.model.fit_data(self.source)  # training-set statistics some families normalize by (resume reloads them)
        broadcast_module(self.model, self.dist)  # identical initial weights on every rank
        if self.dist.enabled:  # each rank draws its own noise and dropout masks
            torch.manual_seed(t.seed + 1_000_003 * self.dist.rank)
        self.optimizers = self.model.configure_optimizers()
        self.base_lrs = {name: [g["lr"] for g in opt.param_groups] for name, opt in self.optimizers.items()}
        self.step, self.images_seen, self.elapsed = 0, 0, 0.0
        if resume is None and run_dir is not None and ckpt.list_checkpoints(Path(run_dir) / "checkpoints"):
            resume = run_dir  # a fixed run folder that has checkpoints: continue it (torchrun restarts)
        if resume is not None:
            self.run_dir, path = resume_run_dir(resume)
            read_summary(self.run_dir)  # a damaged summary.json stops us now, not after the training
            if self.dist.is_main:
                _remove_stale_temps(self.run_dir)
            self._restore(path)
        else:
            name = config.preset or f"{config.family}-{config.model.net}-{d.name}"
            if self.dist.is_main:
                self.run_dir = Path(run_dir) if run_dir is not None else new_run_dir(t.out, name)
                self.run_dir.mkdir(parents=True, exist_ok=True)
                _remove_stale_temps(self.run_dir)
            self.run_dir = broadcast_object(getattr(self, "run_dir", None), self.dist)
        self.nets = self._wrap(self.model.trainable())
        self.scaler = torch.amp.GradScaler("cuda") if t.precision == "fp16" and self.device.type == "cuda" else None
        # what every sample grid of the run shows: fixed once (for generators, z from this seed)
        g = torch.Generator().manual_seed(t.seed + 12345)
        self.fixed = self.model.preview_inputs(self._to_device(self.source.preview_batch(t.n_samples)), g)

    # -- pieces ---------------------------------------------------------------------------------------
    def _wrap(self, nets: dict) -> dict:
        t = self.config.train
        if t.sync_batchnorm and self.dist.enabled:
            if self.device.type != "cuda":
                raise ConfigError("train.sync_batchnorm needs CUDA devices (PyTorch's SyncBatchNorm has no CPU kernel)")
            for net in nets.values():  # converts in place below the root; parameters are shared, not copied
                torch.nn.SyncBatchNorm.convert_sync_batchnorm(net)
        if t.channels_last:
            for net in nets.values():
                net.to(memory_format=torch.channels_last)
        if t.compile:
            check_compile_layout(self.device.type, t)
            if self.device.type == "cuda":
                # Inductor's layout optimisation would turn conv activations channels_last, and its stride
                # prediction for convolution_backward then disagrees with cuDNN on transposed convolutions
                # (pytorch/pytorch#171622: an assert_size_stride failure in G's backward). Keep the layout
                # the nets were given: NCHW, or channels_last with train.channels_last.
                import torch._inductor.config as inductor_config
                inductor_config.layout_optimization = False
            nets = {k: torch.compile(v) for k, v in nets.items()}
        return nets

    def _to_device(self, batch: dict) -> dict:
        non_blocking = self.device.type == "cuda"
        batch = {k: v.to(self.device, non_blocking=non_blocking) for k, v in batch.items()}
        if self.config.train.channels_last:
            batch = {k: v.contiguous(memory_format=torch.channels_last) if v.ndim == 4 else v for k, v in batch.items()}
        return batch

    def _batch(self) -> dict:
        # the family may take several real batches per step (a fresh one for each of n_critic D updates)
        return self._to_device(concat_batches([self.source.next() for _ in range(self.model.batches_per_step)]))

    def _update(self, loss: torch.Tensor, name: str) -> None:
        opt = self.optimizers[name]
        clip = self.config.train.grad_clip
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            average_gradients(self._params(opt), self.dist)
            if clip:
                self.scaler.unscale_(opt)
            self._clip(opt, clip)
            self.scaler.step(opt)
            self.scaler.update()
        else:
            loss.backward()
            average_gradients(self._params(opt), self.dist)
            self._clip(opt, clip)
            opt.step()
        opt.zero_grad(set_to_none=True)

    @staticmethod
    def _params(opt) -> list[torch.Tensor]:
        return [p for g in opt.param_groups for p in g["params"]]

    @classmethod
    def _clip(cls, opt, clip):
        if clip:
            torch.nn.utils.clip_grad_norm_(cls._params(opt), clip)

    def _autocast(self):
        if self.config.train.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.config.train.precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    def _tick(self) -> None:
        """Add the wall time since the last tick to self.elapsed (which checkpoints carry over)."""
        now = time.perf_counter()
        self.elapsed += now - self._clock
        self._clock = now

    def _limit_reached(self) -> bool:
        t = self.config.train
        if t.steps is not None and self.step >= t.steps:
            return True
        if t.epochs is not None and self.source.epochs_done >= t.epochs:
            return True
        return t.minutes is not None and self.elapsed + time.perf_counter() - self._clock >= t.minutes * 60

    def total_steps(self) -> int | None:
        t = self.config.train
        candidates = []
        if t.steps is not None:
            candidates.append(t.steps)
        if t.epochs is not None:
            candidates.append(math.ceil(t.epochs * self.steps_per_epoch))
        return min(candidates) if candidates else None

    @property
    def steps_per_epoch(self) -> float:
        return self.source.batches_per_epoch / self.model.batches_per_step

    def lr_scale(self, step: int) -> float:
        """The factor on every base learning rate for the update after `step` updates: 1, then linearly down
        to 1/N over the run's last N = lr_decay_epochs x steps-per-epoch updates (a function of the step
        alone, so a resumed run follows the same schedule)."""
        total, epochs = self.total_steps(), self.config.train.lr_decay_epochs
        if not epochs or total is None:
            return 1.0
        decay_steps = max(1, math.ceil(epochs * self.steps_per_epoch))
        return min(1.0, max(0.0, (total - step) / decay_steps))

    def _set_lr(self) -> float:
        scale = self.lr_scale(self.step) * self.model.lr_multiplier(self.step, self.total_steps())
        for name, opt in self.optimizers.items():
            for group, base in zip(opt.param_groups, self.base_lrs[name]):
                group["lr"] = base * scale
        return scale

    # -- checkpoints ----------------------------------------------------------------------------------
    def save(self) -> Path:
        state_tensors: dict[str, torch.Tensor] = {}
        for r, rng in enumerate(gather_tensors(torch.get_rng_state(), self.dist)):
            state_tensors[_rng_key("cpu", r, self.dist)] = rng
        if self.device.type == "cuda":
            for r, rng in enumerate(gather_tensors(torch.cuda.get_rng_state(self.device), self.dist)):
                state_tensors[_rng_key("cuda", r, self.dist)] = rng
        if not self.dist.is_main:
            return self.run_dir / "checkpoints" / f"step_{self.step:06d}"
        opt_meta = {}
        for name, opt in self.optimizers.items():
            opt_meta[name], tensors = ckpt.optimizer_to_flat(name, opt)
            state_tensors.update(tensors)
        if self.scaler is not None:
            opt_meta["_scaler"] = self.scaler.state_dict()
        state = {"step": self.step, "images_seen": self.images_seen, "elapsed_s": self.elapsed, "world_size": self.dist.world,
                 "data_position": self.source.state(), "optimizers": opt_meta, "versions": versions()}
        config = {"config": self.config.to_dict(), "data_shape": self.shape, "step": self.step,
                  "versions": versions()}
        path = ckpt.save_checkpoint(self.run_dir / "checkpoints", self.step, model_state=self.model.state_dict(),
                                    config=config, state_tensors=state_tensors, state=state)
        ckpt.prune_checkpoints(self.run_dir / "checkpoints", self.config.train.keep_checkpoints)
        return path

    def _restore(self, path: Path) -> None:
        meta, weights = ckpt.load_model_state(path)
        ckpt.check_resume_fits(path, meta, self.config.to_dict())
        ckpt.check_weights_fit(path, self.model, weights, allow_missing=())
        self.model.load_state_dict(weights)
        state, tensors = ckpt.load_train_state(path)
        for name, opt in self.optimizers.items():
            ckpt.optimizer_from_flat(name, opt, state["optimizers"][name], tensors)
        self.source.load_state(state["data_position"])
        self.step, self.images_seen, self.elapsed = state["step"], state["images_seen"], state["elapsed_s"]
        saved_world = state.get("world_size", 1)
        if saved_world != self.dist.world:
            raise CheckpointError(f"checkpoint '{path}' was written by {saved_world} process(es); resume it with "
                                  f"the same number (this run has {self.dist.world})")
        torch.set_rng_state(tensors[_rng_key("cpu", self.dist.rank, self.dist)])
        if self.device.type == "cuda" and _rng_key("cuda", self.dist.rank, self.dist) in tensors:
            torch.cuda.set_rng_state(tensors[_rng_key("cuda", self.dist.rank, self.dist)], self.device)
        self.resumed_from = path

    # -- the loop -------------------------------------------------------------------------------------
    def fit(self) -> Run:
        t = self.config.train
        main = self.dist.is_main
        resumed = getattr(self, "resumed_from", None)
        logger = None
        if main:
            if resumed is None:
                write_text(self.run_dir / "config.yaml", config_to_yaml(self.config))
            (self.run_dir / "samples").mkdir(exist_ok=True)
            logger = MetricsLogger(self.run_dir, t.tensorboard, resume_step=self.step if resumed else None)
        last_ckpt = resumed
        sums: dict[str, float] = {}
        count, interval_start, interval_images = 0, time.perf_counter(), 0
        status = "finished"
        self._clock = time.perf_counter()
        bar = tqdm(total=self.total_steps(), initial=self.step, disable=not (self.progress and main), unit="step",
                   dynamic_ncols=True, desc=self.run_dir.name)
        try:
            with _StopFlag() as stop:
                if self.step == 0 and main:
                    self._write_samples()
                done = self._limit_reached()
                if t.lr_decay_epochs and self.total_steps() is None:
                    log.warning("train.lr_decay_epochs=%s ignored: the run is limited by minutes only, so it has "
                                "no known end to decay towards; set train.steps or train.epochs", t.lr_decay_epochs)
                while not done:
                    lr_scale = self._set_lr()
                    self.model.set_epoch(self.source.epochs_done)  # schedules in epochs (GAN top-k)
                    batch = self._batch()
                    with self._autocast():
                        losses = self.model.train_step(batch, self.nets, self._update)
                    self.step += 1
                    step_images = t.batch_size * self.model.batches_per_step  # global, all ranks
                    self.images_seen += step_images
                    if self.dist.enabled:
                        for net in self.model.trainable().values():
                            broadcast_module(net, self.dist, buffers_only=True)
                    self.model.after_step(self.images_seen, step_images)  # e.g. the EMA of the generator
                    interval_images += step_images
                    bad = next(((k, v) for k, v in losses.items() if not math.isfinite(v)), None)
                    asked = stop.requested or (self.stop_event is not None and self.stop_event.is_set())
                    stop_now, nan_seen, done = any_flag([asked, bad is not None, self._limit_reached()],
                                                        self.dist, self.device)
                    if nan_seen:
                        where = f"'{last_ckpt}'" if last_ckpt else "none was written yet"
                        what = f"{bad[0]} is {bad[1]}" if bad else "a loss is not finite on another rank"
                        raise TrainingError(f"{what} at step {self.step}; training stopped. Last good checkpoint: {where}")
                    if t.lr_decay_epochs:
                        losses = {**losses, "lr_scale": lr_scale}
                    for k, v in losses.items():
                        sums[k] = sums.get(k, 0.0) + v
                    count += 1
                    record = None
                    if self.step % t.log_every == 0 or done:
                        now = time.perf_counter()
                        rate = interval_images / max(now - interval_start, 1e-9)
                        means = mean_over_ranks({k: v / count for k, v in sums.items()}, self.dist, self.device)
                        record = {"step": self.step, "images": self.images_seen, "epoch": round(self.source.epochs_done, 4),
                                  "time": round(self.elapsed + now - self._clock, 3), "img_per_s": round(rate, 2), **means}
                        if main:
                            logger.log(record)
                            postfix = {"img/s": f"{rate:.0f}", **{k: f"{v:.3f}" for k, v in means.items()}}
                            if t.minutes is not None:
                                postfix["left"] = f"{max(0.0, t.minutes * 60 - record['time']) / 60:.1f}min"
                            bar.set_postfix(postfix)
                        sums, count, interval_start, interval_images = {}, 0, now, 0
                    bar.update(1)
                    if main and self.on_progress is not None:
                        self.on_progress({"step": self.step, "total_steps": self.total_steps(),
                                          "images": self.images_seen, **(record or {})})
                    if main and self.step % t.sample_every == 0:
                        self._write_samples()
                    if main and self.evaluator and t.eval_every_steps and self.step % t.eval_every_steps == 0:
                        logger.log({"step": self.step, **self.evaluator(self.model, self.step)})
                    if self.step % t.checkpoint_every == 0:
                        self._tick()
                        last_ckpt = self.save()
                    if stop_now:
                        status = "interrupted"
                        break
        finally:
            bar.close()
            self.source.close()
            if logger is not None:
                logger.close()
        self._tick()
        final = self.save() if last_ckpt is None or last_ckpt.name != f"step_{self.step:06d}" else last_ckpt
        summary: dict = {}
        if main:
            if self.step % t.sample_every:
                self._write_samples()
            plot_curves(logger.records(), self.run_dir / "curves.png")
            summary = self._summary(status, final, logger.records())
            write_json(self.run_dir / "summary.json", summary)
        barrier(self.dist)
        return Run(path=self.run_dir, config=self.config, model=self.model, step=self.step, checkpoint=final,
                   summary=summary)

    def _write_samples(self) -> Path:
        images = self.model.preview(self.fixed)
        if isinstance(images, str):  # a language model's preview is text
            path = self.run_dir / "samples" / f"step_{self.step:06d}.txt"
            write_text(path, images)
            write_text(self.run_dir / "samples.txt", images)
            return path
        columns = self.model.preview_columns
        path = save_image(images, self.run_dir / "samples" / f"step_{self.step:06d}.png", nrow=columns)
        save_image(images, self.run_dir / "samples.png", nrow=columns)
        clips = self.model.preview_audio(self.fixed)
        if clips is not None:  # audio: the grid's clips in a row, beside the spectrogram grid
            from genlab.data.audio import write_wav_strip
            write_wav_strip(path.with_suffix(".wav"), clips, self.model.sample_rate)
            write_wav_strip(self.run_dir / "samples.wav", clips, self.model.sample_rate)
        return path

    def _summary(self, status: str, final: Path, records: list[dict]) -> dict:
        last = {k: v for r in records for k, v in r.items() if k.startswith(("loss", "d_", "elbo", "kl", "rec"))}
        previous = read_summary(self.run_dir)
        kept = {k: v for k, v in previous.items() if k.startswith("metrics")}  # what `genlab eval` stored
        return {"status": status, "preset": self.config.preset, "family": self.config.family,
                "step": self.step, "images_seen": self.images_seen,
                "epochs": round(self.source.epochs_done, 4), "train_seconds": round(self.elapsed, 2),
                "device": str(self.device), "precision": self.config.train.precision,
                "final_losses": last, "checkpoint": str(final.relative_to(self.run_dir)),
                "samples": "samples.txt" if (self.run_dir / "samples.txt").is_file() else "samples.png",
                "curves": "curves.png",
                "metrics": {}, **kept, "versions": versions()}


def _remove_stale_temps(run_dir: Path) -> None:
    for p in ckpt.remove_stale_temps(run_dir):
        log.info("removed %s, left by an interrupted write", p)


def _rng_key(kind: str, rank: int, d) -> str:
    return f"rng.{kind}" if not d.enabled else f"rng.{kind}.rank{rank}"


def train(config: Config, *, resume: str | Path | None = None, run_dir: str | Path | None = None,
          evaluator: Evaluator | None = None, progress: bool = True, stop: threading.Event | None = None,
          on_progress: ProgressCallback | None = None) -> Run:
    """Train a model from a config. `resume` continues a run folder exactly; `run_dir` names the run
    folder and continues it when it already has a checkpoint (what a torchrun restart needs). Setting
    `stop` (from any thread) ends the run after the current step with a checkpoint; `on_progress` gets
    a dict after every step."""
    return Trainer(config, resume=resume, run_dir=run_dir, evaluator=evaluator, progress=progress, stop=stop,
                   on_progress=on_progress).fit()


__all__ = ["train", "Trainer", "Run", "load_run", "resolve_device"]

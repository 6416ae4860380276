"""genlab's trainer vs a plain nanoGPT-style loop on the Shakespeare split, and KV-cache generation speed.

    .venv/bin/python benchmarks/text_baseline.py --minutes 6 --rounds 3        # ~15 min with the evaluation
    .venv/bin/python benchmarks/text_baseline.py --minutes 0.5 --rounds 1 --no-write   # a smoke run
    .venv/bin/python benchmarks/text_baseline.py --generation-only                      # KV cache vs none only

Both sides train the same net (genlab's GPT at the gpt-shakespeare-char preset's size: 4 layers x 4 heads x
128, 128-character windows, batches of 32) on the same split (the last 10% of each work held out), with
the same AdamW groups and settings, the same warm-up + cosine schedule over the preset's train.steps and
gradient clipping at 1.0, from the same initial weights (seed 0). They differ only in the loop:

  genlab  `genlab.train(...)`: the real Trainer (position-seeded batches, the family's train_step through
          `update`, metrics.jsonl, checkpoints; previews cut to one character: sample_every is huge);
  plain   nanoGPT's train.py reduced to its core: get_batch by torch.randint offsets, forward, loss,
          backward, clip, step, zero_grad(set_to_none=True).

The machine may be shared, so the two alternate in --rounds rounds of minutes/rounds each (genlab resumes
its run; the plain loop keeps its state), both on one thread. Loss at equal wall time is each model's
val_bpc-style loss (every character of the first --val-chars validation characters given its 128-char
window). Then generation: 500 new characters after a newline, with the KV cache and without it (the window
recomputed for every character), median of 3, for the genlab-trained model. Writes the "Text: genlab vs a
plain nanoGPT-style loop" section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

from genlab.config import load_config
from genlab.data.text import load_corpus
from genlab.metrics.text import val_loss
from genlab.train.loop import train
from genlab.train.run import build_model

from results_md import write_section

HEADING = "## Text: genlab vs a plain nanoGPT-style loop"
PRESET = "gpt-shakespeare-char"


def plain_loop(model, tokens: torch.Tensor, seconds: float, state: dict, cfg) -> dict:
    """nanoGPT's loop for `seconds` of wall time, continuing `state` (its step, optimizer and RNG)."""
    B, T = cfg.train.batch_size, cfg.data.block_size
    m = cfg.model
    if "opt" not in state:  # nanoGPT's configure_optimizers: decay matrices and embeddings only
        params = [p for p in model.net.parameters() if p.requires_grad]
        groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": m.weight_decay},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
        state.update(opt=torch.optim.AdamW(groups, lr=m.lr, betas=(m.beta1, m.beta2)), it=0, seconds=0.0,
                     gen=torch.Generator().manual_seed(1337))
    opt, net = state["opt"], model.net
    net.train()

    def get_lr(it: int) -> float:  # nanoGPT's get_lr
        lr, min_lr, warmup, decay_iters = m.lr, m.lr * m.min_lr_ratio, m.warmup_steps, cfg.train.steps
        if it < warmup:
            return lr * (it + 1) / (warmup + 1)
        if it > decay_iters:
            return min_lr
        ratio = (it - warmup) / (decay_iters - warmup)
        return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)

    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        ix = torch.randint(len(tokens) - T, (B,), generator=state["gen"])
        x = torch.stack([tokens[i:i + T] for i in ix])
        y = torch.stack([tokens[i + 1:i + 1 + T] for i in ix])
        for group in opt.param_groups:
            group["lr"] = get_lr(state["it"])
        logits = net(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.train.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        state["it"] += 1
        state["loss"] = loss.item()
    state["seconds"] += time.perf_counter() - start
    return state


def generation_speed(model, n: int = 500, repeats: int = 3) -> dict:
    """Characters per second for n new characters, with and without the KV cache (median of `repeats`)."""
    out = {}
    for cache in (True, False):
        times = []
        for r in range(repeats):
            start = time.perf_counter()
            text = "".join(model.stream("\n", n, temperature=1.0, seed=r, use_cache=cache))
            times.append(time.perf_counter() - start)
            assert len(text) == n
        out["cache" if cache else "no_cache"] = n / statistics.median(times)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=6.0, help="training wall time of each side (default 6)")
    p.add_argument("--rounds", type=int, default=3, help="alternations of the two sides (default 3)")
    p.add_argument("--val-chars", type=int, default=100_000, help="validation characters measured (default 100k)")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    p.add_argument("--generation-only", action="store_true",
                   help="only the KV-cache comparison, on the preset's net freshly initialised (prints only)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    if args.generation_only:  # the cost per character does not depend on what the weights are
        cfg = load_config(PRESET)
        torch.manual_seed(0)
        speed = generation_speed(build_model(cfg, vocab=load_corpus("shakespeare").vocab, seq_len=cfg.data.block_size))
        print(f"500 characters: KV cache {speed['cache']:.0f} chars/s, without {speed['no_cache']:.0f} chars/s: "
              f"{speed['cache'] / speed['no_cache']:.1f}x")
        return 0
    corpus = load_corpus("shakespeare")
    with tempfile.TemporaryDirectory(prefix="genlab-text-bench-") as out:
        overrides = [f"train.out={out}", "train.tensorboard=false", "train.sample_every=1000000",
                     "train.checkpoint_every=1000000", "train.log_every=10", "train.device=cpu",
                     "model.preview_chars=1"]
        cfg = load_config(PRESET, overrides)
        torch.manual_seed(cfg.train.seed)  # the Trainer's initial weights, for the plain side too
        plain_model = build_model(cfg, vocab=corpus.vocab, seq_len=cfg.data.block_size)
        tokens = plain_model.encode(corpus.train)
        plain: dict = {}
        run = None
        for r in range(1, args.rounds + 1):
            minutes = args.minutes * r / args.rounds
            run = train(load_config(PRESET, overrides + [f"train.minutes={minutes}"]),
                        resume=run.path if run else None, progress=False)
            plain_loop(plain_model, tokens, args.minutes * 60 / args.rounds, plain, cfg)
            print(f"round {r}: genlab step {run.step} loss {run.summary['final_losses'].get('loss', float('nan')):.3f}"
                  f" | plain step {plain['it']} loss {plain['loss']:.3f}", file=sys.stderr)
        val = plain_model.encode(corpus.val[:args.val_chars])
        window_tokens = cfg.train.batch_size * cfg.data.block_size
        rows = {
            "genlab": {"steps": run.step, "seconds": run.summary["train_seconds"],
                       "val": val_loss(run.model, val)["val_nats_per_char"]},
            "plain": {"steps": plain["it"], "seconds": plain["seconds"],
                      "val": val_loss(plain_model, val)["val_nats_per_char"]},
        }
        for row in rows.values():
            row["tokens_per_s"] = row["steps"] * window_tokens / row["seconds"]
        speed = generation_speed(run.model)
    ratio = rows["genlab"]["tokens_per_s"] / rows["plain"]["tokens_per_s"]
    params = sum(p.numel() for p in plain_model.net.parameters())
    lines = [HEADING, "",
             f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} CPU, 1 thread (torch {torch.__version__}), "
             f"on a machine shared with other jobs (load > 2 cores): absolute speeds are low and noisy; the two "
             f"loops alternated in {args.rounds} rounds so that both saw the same load.",
             "",
             f"Command: `.venv/bin/python benchmarks/text_baseline.py --minutes {args.minutes:g} --rounds {args.rounds}"
             f" --val-chars {args.val_chars}`", "",
             f"Model: GPT {cfg.model.net_args} ({params / 1e6:.2f}M parameters), 128-char windows, batch 32, "
             f"AdamW lr {cfg.model.lr:g}, warm-up {cfg.model.warmup_steps}, cosine over {cfg.train.steps} steps, "
             f"clip 1.0; Shakespeare split (last 10% of each work held out). Validation loss on the first "
             f"{len(val):,} validation characters.", "",
             "| loop | training time (s) | steps | tokens/s | val loss (nats/char) | val bits/char |",
             "|---|---|---|---|---|---|"]
    for name, row in rows.items():
        lines.append(f"| {name} | {row['seconds']:.0f} | {row['steps']} | {row['tokens_per_s']:.0f} | "
                     f"{row['val']:.3f} | {row['val'] / math.log(2):.3f} |")
    lines += ["", f"Throughput genlab / plain: {ratio:.2f}x.", "",
              f"Generation of 500 characters (genlab-trained model, temperature 1, median of 3): with the KV cache "
              f"{speed['cache']:.0f} chars/s, without it {speed['no_cache']:.0f} chars/s: "
              f"{speed['cache'] / speed['no_cache']:.1f}x faster with the cache.", ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(HEADING, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

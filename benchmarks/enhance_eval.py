"""Speech enhancement on the spoken-digit test voices (never trained on): SI-SDR, its improvement over the
noisy input, PESQ (wide-band) and STOI, for an enhance run against spectral subtraction and Wiener filtering,
at 0, 5 and 10 dB input SNR.

    python benchmarks/enhance_eval.py --run runs/00007-enhance-digits --n 200
    python benchmarks/enhance_eval.py --n 200                      # the classical baselines only

Each test clip gets one noise, drawn per clip (seeded) from white, pink and babble (4 other test clips,
so no training voice), at exactly the SNR of the column. SI-SDR is per clip; PESQ and STOI are designed for
longer utterances than a 1 s digit (STOI drops silent frames and needs 30 left), so they score 10 clips
joined into one 10 s signal at a time. PESQ/STOI need `pip install pesq pystoi`.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from genlab.data.audio_sets import load_audio_dataset
from genlab.data.noise import add_noise
from genlab.metrics.enhancement import pesq_stoi, si_sdr
from genlab.models.nets import NETS
from genlab.train.run import load_run


JOIN = 10  # clips per PESQ/STOI signal


def join(clips: torch.Tensor) -> torch.Tensor:
    """(n, 1, T) -> (n / JOIN, 1, JOIN * T): consecutive clips as one longer recording."""
    return clips.reshape(-1, 1, JOIN * clips.shape[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", help="an enhance run (omit for the baselines only)")
    ap.add_argument("--n", type=int, default=200, help="test clips per SNR (default 200 of 640)")
    ap.add_argument("--snrs", type=float, nargs="+", default=[0.0, 5.0, 10.0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    if args.n % JOIN:
        ap.error(f"--n must be a multiple of {JOIN}")
    torch.set_grad_enabled(False)
    test = load_audio_dataset("spoken-digits", "test")
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(args.seed))
    clean, pool = test.audio(order[:args.n]), test.audio(order[args.n:])
    methods = {"noisy": lambda x: x, "spectral-subtraction": NETS["spectral-subtraction"]["enhancer"](),
               "wiener": NETS["wiener"]["enhancer"]()}
    if args.run:
        run = load_run(args.run)
        methods[f"{run.path.name} (step {run.step})"] = run.model.enhance
    rows = []
    for snr in args.snrs:
        noisy = add_noise(clean, torch.Generator().manual_seed(args.seed * 1000 + int(snr * 10)), (snr, snr), pool)
        base = si_sdr(noisy, clean)
        for name, enhance in methods.items():
            start = time.perf_counter()
            out = torch.cat([enhance(noisy[i:i + 50]) for i in range(0, len(noisy), 50)])
            seconds = time.perf_counter() - start
            sdr = si_sdr(out, clean)
            rows.append({"snr_db": snr, "method": name, "si_sdr": float(sdr.mean()),
                         "si_sdr_improvement": float((sdr - base).mean()), **pesq_stoi(join(out), join(clean)),
                         "seconds": round(seconds, 2)})
            r = rows[-1]
            print(f"| {snr:g} dB | {name} | {r['si_sdr']:.2f} | {r['si_sdr_improvement']:+.2f} | "
                  f"{r.get('pesq', float('nan')):.2f} | {r.get('stoi', float('nan')):.3f} |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"n": args.n, "seed": args.seed, "run": args.run, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()

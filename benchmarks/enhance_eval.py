"""Speech enhancement on the spoken-digit test voices (never trained on): SI-SDR, its improvement over the
noisy input, PESQ (wide-band) and STOI, for an enhance run against spectral subtraction and Wiener filtering,
at 0, 5 and 10 dB input SNR.

    python benchmarks/enhance_eval.py --run runs/00007-enhance-digits --n 200
    python benchmarks/enhance_eval.py --n 200                      # the classical baselines only
    python benchmarks/enhance_eval.py --run RUN --long 300 --snrs 5   # a 300 s recording, streamed

Each test clip gets one noise, drawn per clip (seeded) from white, pink and babble (4 other test clips,
so no training voice), at exactly the SNR of the column. SI-SDR is per clip; PESQ and STOI are designed for
longer utterances than a 1 s digit (STOI drops silent frames and needs 30 left), so they score 10 clips
joined into one 10 s signal at a time. PESQ/STOI need `pip install pesq pystoi`.

`--long N` measures long recordings instead: N test clips, each noised as above at the SNR, joined into
one N-second FLAC (16-bit) and enhanced by `genlab enhance`'s path (apps.enhance.enhance_file: 4 s windows,
0.5 s cross-fades) into a WAV, then scored per 1 s clip against the clips enhanced one by one and against
plain 4 s windows without overlap. The other N test clips make the babble.

`--real` measures real recordings instead: the 14 utterances of `genlab data fetch real-speech` (real
voices and microphones, 1-7 s; docs/real-speech.md), each noised at each SNR with one noise drawn per
recording (babble from the spoken-digit test clips) and enhanced whole through `genlab enhance`'s chunked
path (apps.audio.enhance_clip); SI-SDR, PESQ and STOI per recording, averaged.

    python benchmarks/enhance_eval.py --real [--run RUN]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from genlab.apps.enhance import CHUNK_SECONDS, OVERLAP_SECONDS, enhance_file
from genlab.data.audio import SAMPLE_RATE, read_audio, soundfile_module
from genlab.data.audio_sets import load_audio_dataset
from genlab.data.noise import add_noise
from genlab.metrics.enhancement import pesq_stoi, si_sdr
from genlab.models.nets import NETS
from genlab.train.run import load_run


JOIN = 10  # clips per PESQ/STOI signal


def join(clips: torch.Tensor) -> torch.Tensor:
    """(n, 1, T) -> (n / JOIN, 1, JOIN * T): consecutive clips as one longer recording."""
    return clips.reshape(-1, 1, JOIN * clips.shape[-1])


def batched(enhance, clips: torch.Tensor) -> torch.Tensor:
    """Clips (n, 1, T) enhanced 50 at a time."""
    return torch.cat([enhance(clips[i:i + 50]) for i in range(0, len(clips), 50)])


def long_rows(methods: dict, clean: torch.Tensor, noisy: torch.Tensor, folder: Path) -> list[dict]:
    """The long-recording protocol: the noisy clips (n, 1, T) joined into one FLAC, each method streamed
    through enhance_file (with and without cross-fades) and one clip at a time; SI-SDR per clip."""
    sf = soundfile_module()
    n, length = len(clean), clean.shape[-1]
    recording = folder / "long.flac"
    sf.write(str(recording), noisy.reshape(-1).numpy(), SAMPLE_RATE, subtype="PCM_16")
    noisy = torch.from_numpy(read_audio(recording)).reshape(n, 1, length)  # as genlab enhance reads it (16-bit)
    base = si_sdr(noisy, clean)
    rows = []
    for name, enhance in methods.items():
        modes = {"one by one": None, f"streamed ({CHUNK_SECONDS:g} s, {OVERLAP_SECONDS:g} s fades)": OVERLAP_SECONDS,
                 f"{CHUNK_SECONDS:g} s windows, no overlap": 0.0}
        for mode, overlap in modes.items():
            start = time.perf_counter()
            if overlap is None:
                out = batched(enhance, noisy)
            else:
                wav = folder / f"out-{len(rows)}.wav"
                enhance_file(enhance, recording, wav, chunk_seconds=CHUNK_SECONDS, overlap_seconds=overlap)
                out = torch.from_numpy(read_audio(wav))
                if out.numel() != n * length:
                    raise SystemExit(f"{name} {mode}: {out.numel()} samples out, {n * length} in")
                out = out.reshape(n, 1, length)
            sdr = si_sdr(out, clean)
            rows.append({"method": name, "mode": mode, "si_sdr": float(sdr.mean()),
                         "si_sdr_improvement": float((sdr - base).mean()),
                         "seconds": round(time.perf_counter() - start, 2)})
    return rows


def real_rows(methods: dict, snrs: list[float], seed: int, pool: torch.Tensor) -> list[dict]:
    """The real-recording protocol: per SNR and method, mean SI-SDR (and its improvement), PESQ and STOI
    over the real-speech recordings, each noised once per SNR and enhanced whole."""
    from genlab.apps.audio import enhance_clip
    from genlab.data.real_speech import load_real_speech

    recordings = {k: torch.from_numpy(v).reshape(1, 1, -1) for k, v in load_real_speech().items()}
    rows = []
    for snr in snrs:
        g = torch.Generator().manual_seed(seed * 1000 + int(snr * 10))
        noisy = {k: add_noise(x, g, (snr, snr), pool) for k, x in recordings.items()}
        for name, enhance in methods.items():
            start, scores = time.perf_counter(), []
            for k, clean in recordings.items():
                out = enhance_clip(enhance, noisy[k][0, 0]).reshape(1, 1, -1)
                base = float(si_sdr(noisy[k], clean))
                scores.append({"si_sdr": float(si_sdr(out, clean)), "base": base, **pesq_stoi(out, clean)})
            keys = {key for r in scores for key in r}  # PESQ may skip a recording: mean over those it scored
            mean = {key: sum(r[key] for r in scores if key in r) / sum(key in r for r in scores) for key in keys}
            rows.append({"snr_db": snr, "method": name, "si_sdr": mean["si_sdr"],
                         "si_sdr_improvement": mean["si_sdr"] - mean["base"],
                         **{k: mean[k] for k in ("pesq", "stoi") if k in mean},
                         "recordings": len(scores), "seconds": round(time.perf_counter() - start, 2)})
            r = rows[-1]
            print(f"| {snr:g} dB | {name} | {r['si_sdr']:.2f} | {r['si_sdr_improvement']:+.2f} | "
                  f"{r.get('pesq', float('nan')):.2f} | {r.get('stoi', float('nan')):.3f} |", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", help="an enhance run (omit for the baselines only)")
    ap.add_argument("--n", type=int, default=200, help="test clips per SNR (default 200 of 640)")
    ap.add_argument("--snrs", type=float, nargs="+", default=[0.0, 5.0, 10.0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--long", type=int, metavar="N", default=0,
                    help="instead, the long-recording protocol: N test clips (of 640; 300 in RESULTS) joined into "
                         "one recording per SNR, streamed as `genlab enhance` does")
    ap.add_argument("--real", action="store_true", help="instead, the 14 real recordings of `genlab data fetch "
                                                         "real-speech`, each noised at each SNR and enhanced whole")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    if args.long and not 0 < args.long <= 320:
        ap.error(f"--long must be in 1-320 (the other test clips make the babble), got {args.long}")
    if not args.long and args.n % JOIN:
        ap.error(f"--n must be a multiple of {JOIN}")
    torch.set_grad_enabled(False)
    test = load_audio_dataset("spoken-digits", "test")
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(args.seed))
    n = args.long or args.n
    clean, pool = test.audio(order[:n]), test.audio(order[n:])
    methods = {"noisy": lambda x: x, "spectral-subtraction": NETS["spectral-subtraction"]["enhancer"](),
               "wiener": NETS["wiener"]["enhancer"]()}
    if args.run:
        run = load_run(args.run)
        methods[f"{run.path.name} (step {run.step})"] = run.model.enhance
    rows = []
    if args.real:
        rows = real_rows(methods, args.snrs, args.seed, test.audio(order[:256]))
    for snr in [] if args.real else args.snrs:
        noisy = add_noise(clean, torch.Generator().manual_seed(args.seed * 1000 + int(snr * 10)), (snr, snr), pool)
        if args.long:
            with tempfile.TemporaryDirectory() as folder:
                for r in long_rows(methods, clean, noisy, Path(folder)):
                    rows.append({"snr_db": snr, **r})
                    print(f"| {snr:g} dB | {r['method']} | {r['mode']} | {r['si_sdr']:.2f} | "
                          f"{r['si_sdr_improvement']:+.2f} | {r['seconds']:.1f} s |", flush=True)
            continue
        base = si_sdr(noisy, clean)
        for name, enhance in methods.items():
            start = time.perf_counter()
            out = batched(enhance, noisy)
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
            json.dump({"n": n, "long": bool(args.long), "real": args.real, "seed": args.seed, "run": args.run, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()

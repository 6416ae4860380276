"""How lossy the spectrogram models' way back to audio is: the first N test clips of spoken-digits through
SpecGAN's and the mel VAE's normalized log-magnitude representation and Griffin-Lim, scored by spectral
convergence against each clip's own STFT magnitude (statistics measured on the training clips).

    python benchmarks/spectral_roundtrip.py [--n 64] [--iterations 16 32 100]
"""
from __future__ import annotations

import argparse
import json
import time

from genlab.data.audio_sets import load_audio_dataset
from genlab.data.spectral import spectral_convergence, stft
from genlab.models.spec_repr import LogSpectrum

REPRESENTATIONS = {"specgan": dict(n_fft=256, hop=128), "mel64": dict(n_fft=512, hop=256, n_mels=64)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--iterations", type=int, nargs="+", default=[16, 32, 100])
    args = ap.parse_args()
    train = load_audio_dataset("spoken-digits", "train", length=16384)
    clips = load_audio_dataset("spoken-digits", "test", length=16384).audio(slice(0, args.n))
    for name, kw in REPRESENTATIONS.items():
        for iterations in args.iterations:
            spec = LogSpectrum(length=16384, sample_rate=16000, griffin_lim_iters=iterations, **kw)
            start = time.perf_counter()
            spec.fit(train.audio(slice(i, i + 256)) for i in range(0, len(train), 256))
            fit_s = time.perf_counter() - start
            images = spec(clips)
            start = time.perf_counter()
            back = spec.invert(images)
            invert_s = time.perf_counter() - start
            target = stft(clips[:, 0], spec.n_fft, spec.hop).abs()
            sc = spectral_convergence(back[:, 0], target, spec.n_fft, spec.hop)
            print(json.dumps({"representation": name, "griffin_lim_iters": iterations, "clips": args.n,
                              "spectral_convergence_mean": round(float(sc.mean()), 3),
                              "clipped_fraction": round(float((images.abs() >= 1).float().mean()), 4),
                              "fit_s": round(fit_s, 1), "invert_s": round(invert_s, 2)}))


if __name__ == "__main__":
    main()

"""Audio applications shared by the CLI and the studio: writing sampled clips as WAV files (with a
spectrogram grid beside them); for the studio's audio page, one clip's spectrogram image, a run's held-out
clips, white noise at a chosen SNR, uploaded audio decoded, one clip enhanced chunk by chunk, SI-SDR."""
from __future__ import annotations

from pathlib import Path

import torch

from genlab.data.audio import write_wav, write_wav_strip
from genlab.data.spectral import spectrogram_images
from genlab.io import check_output_dir
from genlab.viz import save_image


def write_audio_samples(clips: torch.Tensor, out: str | Path, *, seeds: list[int], sample_rate: int,
                        labels: list[int] | None = None) -> list[Path]:
    """Clips (n, 1, T) in [-1, 1] -> OUT/seed000007[-label3].wav each, OUT/all.wav (the clips in seed order,
    0.25 s of silence after each: one file to listen to) and OUT/spectrograms.png (one cell per clip, in
    seed order). Returns the paths written, the grid last."""
    folder = check_output_dir(out, "--out")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, (seed, clip) in enumerate(zip(seeds, clips)):
        tag = f"-label{labels[i % len(labels)]}" if labels else ""
        written.append(write_wav(folder / f"seed{seed:06d}{tag}.wav", clip[0], sample_rate))
    written.append(write_wav_strip(folder / "all.wav", clips[:, 0], sample_rate))
    written.append(save_image(spectrogram_images(clips[:, 0]), folder / "spectrograms.png",
                              nrow=min(len(clips), 8)))
    return written


MAX_SPECTROGRAM_FRAMES = 1024  # wider spectrograms (long clips) are averaged down to this many columns


def spectrogram_image(audio: torch.Tensor) -> torch.Tensor:
    """One clip (T,) in [-1, 1] -> its spectrogram image (1, 1, 128, frames) in [-1, 1] (as in sample
    grids), at most MAX_SPECTROGRAM_FRAMES columns wide."""
    import torch.nn.functional as F

    image = spectrogram_images(audio.reshape(1, -1).float())
    if image.shape[-1] > MAX_SPECTROGRAM_FRAMES:
        image = F.interpolate(image, size=(image.shape[2], MAX_SPECTROGRAM_FRAMES), mode="area")
    return image


def held_out_clips(config, n: int = 16) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The first `n` clips (n, 1, T) in [-1, 1] and labels of an audio run's test split (its own clips
    when the set has no test split: an audio folder)."""
    from genlab.data.audio_sets import load_audio_dataset

    d = config.data
    split = "test" if d.name in ("spoken-digits", "drums", "music") else "train"
    ds = load_audio_dataset(d.name, split, path=d.path, length=d.audio_length)
    return ds.audio(slice(0, n)), ds.labels[:n] if ds.labels is not None else None


def add_white_noise(clean: torch.Tensor, snr_db: float, seed: int = 0) -> torch.Tensor:
    """clean (T,) in [-1, 1] plus white noise at `snr_db` dB SNR (seeded), clipped to [-1, 1]."""
    from genlab.data.noise import mix_at_snr, white_noise

    clean = clean.reshape(1, 1, -1).float()
    noise = white_noise(1, clean.shape[-1], torch.Generator().manual_seed(seed))
    return mix_at_snr(clean, noise, torch.tensor([float(snr_db)])).clamp(-1, 1).reshape(-1)


def decode_audio(data: bytes, *, max_seconds: float, sample_rate: int = 16_000) -> torch.Tensor:
    """Audio file bytes (WAV/FLAC/OGG/AIFF, any rate and channels) -> mono (T,) in [-1, 1] at
    `sample_rate`; a one-line DataError for empty, non-audio, silent or longer than `max_seconds` clips."""
    import io

    from genlab.data.audio import read_audio
    from genlab.errors import DataError

    if not data:
        raise DataError("the upload is empty; expected a WAV or FLAC file")
    buf = io.BytesIO(data)
    limit = int(max_seconds * sample_rate)
    try:
        audio = read_audio(buf, sample_rate=sample_rate, max_samples=limit + 1)
    except DataError as exc:  # name the upload, not the in-memory buffer
        raise DataError(str(exc).replace(f"audio file '{buf}'", "the upload").replace("the audio bytes", "the upload")) from None
    if len(audio) > limit:
        raise DataError(f"the upload is longer than {max_seconds:g} s; enhance longer recordings with "
                        "`genlab enhance RUN noisy.wav --out clean.wav`")
    return torch.from_numpy(audio)


def enhance_clip(enhance, noisy: torch.Tensor, *, chunk_seconds: float | None = None,
                 overlap_seconds: float | None = None, sample_rate: int = 16_000, cancel=None) -> torch.Tensor:
    """Enhance one clip (T,) of any length through the chunked overlap-add path of `genlab enhance`
    (apps.enhance.enhance_stream); `enhance` maps (1, 1, t) -> (1, 1, t). cancel() -> True stops the
    work before the next chunk with apps.progress.Cancelled."""
    import numpy as np

    from genlab.apps.enhance import CHUNK_SECONDS, OVERLAP_SECONDS, enhance_stream
    from genlab.apps.progress import step

    chunk = int((chunk_seconds or CHUNK_SECONDS) * sample_rate)
    overlap = int((OVERLAP_SECONDS if overlap_seconds is None else overlap_seconds) * sample_rate)
    total = max(1, -(-(len(noisy) - overlap) // (chunk - overlap)))
    done = [0]

    def checked(x: torch.Tensor) -> torch.Tensor:
        step(done[0], total, cancel=cancel)
        done[0] += 1
        return enhance(x)
    audio = noisy.reshape(-1).float().numpy()
    pieces = list(enhance_stream(checked, iter([audio]), chunk=chunk, overlap=overlap))
    return torch.from_numpy(np.clip(np.concatenate(pieces), -1.0, 1.0))


def si_sdr_report(noisy: torch.Tensor, enhanced: torch.Tensor, clean: torch.Tensor) -> dict[str, float]:
    """SI-SDR (dB) of the noisy and the enhanced clip (T,) against the clean one, and the improvement."""
    from genlab.metrics.enhancement import si_sdr

    before = float(si_sdr(noisy.reshape(1, -1), clean.reshape(1, -1))[0])
    after = float(si_sdr(enhanced.reshape(1, -1), clean.reshape(1, -1))[0])
    return {"noisy": before, "enhanced": after, "improvement": after - before}

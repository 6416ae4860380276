"""A spoken-digit classifier trained by genlab, and the generation protocols built on it.

DigitNet: log-mel features (64 bands, torch.stft) -> six 3x3 conv + BN + ReLU layers -> a 128-d embedding ->
10 logits. It is trained once on the spoken-digits training voices (random shifts and gains), checked on the
unseen test voices, and cached in cache_dir()/classifiers/ as safetensors + json, keyed by RECIPE_VERSION.

For generated clips it reports, like cls10k for images: the predicted digit histogram, the digits covered,
the KL divergence to the data's digit distribution and, for conditional models, the accuracy on the digits
asked for; and a Fréchet distance between the classifier's embeddings of generated and test clips. That
distance is NOT the Fréchet Audio Distance (FAD, Kilgour et al. 2019), whose VGGish weights are not
available offline: it is only comparable with itself, for the same classifier version.
"""
from __future__ import annotations

import logging
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data.audio import SAMPLE_RATE
from ..data.spectral import log_mel
from ..errors import GenlabError
from ..io import atomic_path, cache_dir, read_json, write_json
from .classifier import class_report, fit_one_cycle
from .fid import feature_stats, frechet_distance

log = logging.getLogger(__name__)

RECIPE_VERSION = "digitnet-v1"
CLIP_SAMPLES = 16384  # clips are centre-cut or padded to this (WaveGAN's length)
EPOCHS, BATCH_SIZE, MAX_LR = 8, 64, 3e-3
MAX_SHIFT = 2000  # training augmentation: random shifts of up to 1/8 s


def fit_clips(audio: torch.Tensor, length: int = CLIP_SAMPLES) -> torch.Tensor:
    """(B, 1, T) -> (B, 1, length), centre-cut or zero-padded on both sides."""
    t = audio.shape[-1]
    if t >= length:
        start = (t - length) // 2
        return audio[..., start:start + length]
    extra = length - t
    return F.pad(audio, (extra // 2, extra - extra // 2))


class DigitNet(nn.Module):
    """Clips (B, 1, T) in [-1, 1] at 16 kHz -> logits (B, num_classes); `embed` gives the 128-d features."""

    def __init__(self, *, num_classes: int = 10, width: int = 24, embed_dim: int = 128):
        super().__init__()
        layers, c_in = [], 1
        for c_out, stride in ((width, 1), (width, 2), (2 * width, 1), (2 * width, 2), (4 * width, 1), (4 * width, 2)):
            layers += [nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]
            c_in = c_out
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d((4, 4)))
        self.embedding = nn.Sequential(nn.Linear(c_in * 16, embed_dim), nn.ReLU(True))
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(embed_dim, num_classes)

    def embed(self, audio: torch.Tensor) -> torch.Tensor:
        mel = log_mel(fit_clips(audio), SAMPLE_RATE, n_mels=64, n_fft=512, hop=256)  # (B, 64, 65)
        return self.embedding(self.features(((mel + 6) / 3)[:, None]).flatten(1))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(audio)))


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random shifts (zero-filled) of up to MAX_SHIFT samples and gains of 0.3-1, per clip."""
    n, _, t = x.shape
    shifts = torch.randint(-MAX_SHIFT, MAX_SHIFT + 1, (n,), generator=generator)
    padded = F.pad(x, (MAX_SHIFT, MAX_SHIFT))
    index = (MAX_SHIFT - shifts)[:, None] + torch.arange(t)
    gains = 0.3 + 0.7 * torch.rand(n, 1, 1, generator=generator)
    return padded.gather(2, index[:, None, :]) * gains


@torch.inference_mode()
def embed_and_predict(model: DigitNet, audio: torch.Tensor, batch_size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """(embeddings (N, 128), predicted digits (N,)) of clips (N, 1, T)."""
    model.eval()
    feats, preds = [], []
    for i in range(0, len(audio), batch_size):
        e = model.embed(audio[i:i + batch_size].float())
        feats.append(e)
        preds.append(model.head(e).argmax(1))
    return torch.cat(feats), torch.cat(preds)


def train_digit_classifier(train_audio, train_labels, test_audio, test_labels, num_classes: int = 10, *,
                           epochs: int = EPOCHS, seed: int = 0, width: int = 24) -> tuple[DigitNet, float]:
    """Train a DigitNet (AdamW, one-cycle schedule, label smoothing, shifts and gains); returns it and its
    accuracy on the test clips."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = DigitNet(num_classes=num_classes, width=width)

    def batch_loss(idx: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(model(_augment(train_audio[idx].float(), generator)), train_labels[idx],
                               label_smoothing=0.05)

    fit_one_cycle(model, len(train_audio), batch_loss, epochs=epochs, batch_size=BATCH_SIZE, max_lr=MAX_LR,
                  generator=generator, desc="training digit classifier")
    _, predicted = embed_and_predict(model, test_audio)
    return model.eval(), float((predicted == test_labels).double().mean())


def load_digit_classifier() -> tuple[DigitNet, dict]:
    """The cached spoken-digit classifier (trained on first use, a few minutes) and its json metadata,
    which holds the test accuracy, the training digit distribution and the test clips' embedding statistics."""
    from safetensors.torch import load_file, save_file

    from ..data.audio_sets import load_audio_dataset

    stem = cache_dir() / "classifiers" / f"spoken-digits-{RECIPE_VERSION}"
    weights, meta_path, stats_path = (stem.with_suffix(".safetensors"), stem.with_suffix(".json"),
                                      stem.parent / f"{stem.name}-test-stats.safetensors")
    if weights.exists() and meta_path.exists() and stats_path.exists():
        model = DigitNet()
        model.load_state_dict(load_file(str(weights)))
        return model.eval(), {**read_json(meta_path), **{k: v.numpy() for k, v in load_file(str(stats_path)).items()}}
    train = load_audio_dataset("spoken-digits", "train")
    test = load_audio_dataset("spoken-digits", "test")
    start = time.time()
    model, accuracy = train_digit_classifier(train.audio(), train.labels, test.audio(), test.labels)
    test_features, _ = embed_and_predict(model, test.audio())
    mu, sigma = feature_stats(test_features)
    counts = torch.bincount(train.labels, minlength=10)
    meta = {"dataset": "spoken-digits", "version": RECIPE_VERSION, "test_accuracy": accuracy,
            "test_clips": len(test), "train_class_fractions": (counts / counts.sum()).tolist(),
            "train_seconds": round(time.time() - start, 1), "torch": torch.__version__}
    log.info("spoken-digit classifier: accuracy %.4f on %d clips of unseen voices", accuracy, len(test))
    with atomic_path(weights) as part:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(part))
    with atomic_path(stats_path) as part:
        save_file({"mu": torch.from_numpy(mu), "sigma": torch.from_numpy(sigma)}, str(part))
    write_json(meta_path, meta)
    return model, {**meta, "mu": mu, "sigma": sigma}


def sample_clips(model, n: int, *, seed: int, batch_size: int, balanced: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """n clips (n, 1, T) from an audio model's sample(), one seeded generator; labels 0..C-1 cycled when
    the model is conditional."""
    if not getattr(model, "sample_rate", 0):
        raise GenlabError(f"the spoken-digit protocols measure audio generators, not a {type(model).__name__}")
    labels = torch.arange(n) % model.num_classes if model.num_classes and balanced else None
    generator = torch.Generator().manual_seed(seed)
    clips = []
    for i in range(0, n, batch_size):
        lab = labels[i:i + batch_size] if labels is not None else None
        clips.append(model.sample(min(batch_size, n - i), labels=lab, generator=generator).cpu())
    return torch.cat(clips), labels


def digit_metrics(model, n: int, *, seed: int = 0, batch_size: int = 100) -> dict[str, float]:
    """The classifier report (hist_<d>, classes_covered, kl, acc when conditional) and `fd`, the Fréchet
    distance of the generated clips' embeddings to the test clips' (not FAD), for n generated clips."""
    classifier, meta = load_digit_classifier()
    clips, labels = sample_clips(model, n, seed=seed, batch_size=batch_size, balanced=True)
    features, predicted = embed_and_predict(classifier, clips)
    report = class_report(predicted, meta["train_class_fractions"], labels)
    mu, sigma = feature_stats(features)
    report["fd"] = float(frechet_distance(mu, sigma, np.asarray(meta["mu"]), np.asarray(meta["sigma"])))
    report["classifier_test_accuracy"] = meta["test_accuracy"]
    return report

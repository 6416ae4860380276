"""GAN objectives by name, as small functions of logits, and feature losses. Each returns a scalar to minimise.

`LOSSES[name] = (discriminator_loss(real_logits, fake_logits), generator_loss(fake_logits))`.
`perceptual_loss`, `gram_matrix` and the style-transfer losses (`content_loss`, `style_loss`,
`moment_style_loss`, `total_variation`) work on the features of a VGG19
(`genlab.models.pretrained.load_vgg19`); Gatys' optimisation and the trained style nets share them.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def bce_real(logits: torch.Tensor) -> torch.Tensor:
    """-log D(x): binary cross-entropy against label 1 (= softplus(-logit))."""
    return F.softplus(-logits).mean()


def bce_fake(logits: torch.Tensor) -> torch.Tensor:
    """-log(1 - D(x)): binary cross-entropy against label 0 (= softplus(logit))."""
    return F.softplus(logits).mean()


def d_bce(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The discriminator's side of Goodfellow et al. 2014: -E[log D(x)] - E[log(1 - D(G(z)))]."""
    return bce_real(real_logits) + bce_fake(fake_logits)


def g_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """Goodfellow et al. 2014, eq. 1, the generator minimises E[log(1 - D(G(z)))] (saturates early)."""
    return -F.softplus(fake_logits).mean()


def g_nonsaturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """Goodfellow et al. 2014, sec. 3: maximise log D(G(z)) instead, i.e. BCE against label 1."""
    return bce_real(fake_logits)


def d_hinge(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Lim & Ye 2017; Miyato et al. 2018: E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def g_hinge(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


def d_wasserstein(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Arjovsky et al. 2017: the critic maximises E[D(x)] - E[D(G(z))]."""
    return fake_logits.mean() - real_logits.mean()


def g_wasserstein(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


def d_least_squares(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Mao et al. 2017, eq. 2 with a=0, b=c=1."""
    return 0.5 * ((real_logits - 1) ** 2).mean() + 0.5 * (fake_logits ** 2).mean()


def g_least_squares(fake_logits: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((fake_logits - 1) ** 2).mean()


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, labels=None,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """Gulrajani et al. 2017, eq. 3: E[(||grad D(x_hat)||_2 - 1)^2] on random interpolates."""
    alpha = torch.rand(real.shape[0], *[1] * (real.ndim - 1), device=real.device, dtype=real.dtype, generator=generator)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = critic(x_hat, labels)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mescheder et al. 2018, eq. 9 without gamma/2: E[||grad D(x)||^2] on real data (real.requires_grad)."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grad.flatten(1).pow(2).sum(dim=1).mean()


def consistency_penalty(logits: torch.Tensor, augmented_logits: torch.Tensor) -> torch.Tensor:
    """Zhang et al. 2020 (CR-GAN), eq. 2: E[(D(x) - D(T(x)))^2], the gradient through both terms.
    Applied to real and generated images alike it is the balanced form, bCR (Zhao et al. 2021)."""
    return (logits - augmented_logits).pow(2).mean()


FEATURE_DISTANCES = {"l1": F.l1_loss, "mse": F.mse_loss}


def perceptual_loss(vgg: nn.Module, output: torch.Tensor, target: torch.Tensor,
                    layers: Sequence[str] = ("conv5_4",), weights: Sequence[float] | None = None,
                    criterion: str = "l1") -> torch.Tensor:
    """Feature reconstruction loss (Johnson et al. 2016): sum of weight * distance(VGG(output), VGG(target)).

    The default is ESRGAN's (Wang et al. 2018): conv5_4 before its ReLU, L1. SRGAN (Ledig et al. 2017)
    used "mse" on relu5_4. output, target: (B, 3, H, W) in [-1, 1]; the target gets no gradient.
    weights: one per layer (default 1 each); criterion: "l1" or "mse", each a mean over elements.
    """
    layers = (layers,) if isinstance(layers, str) else tuple(layers)
    weights = (1.0,) * len(layers) if weights is None else tuple(weights)
    if len(weights) != len(layers):
        raise ValueError(f"perceptual_loss needs one weight per layer: {len(layers)} layers, {len(weights)} weights")
    if criterion not in FEATURE_DISTANCES:
        raise ValueError(f"perceptual_loss criterion must be one of {', '.join(FEATURE_DISTANCES)}, got {criterion!r}")
    if output.shape != target.shape:
        raise ValueError(f"perceptual_loss needs output and target of one shape, got {tuple(output.shape)} "
                         f"and {tuple(target.shape)}")
    distance = FEATURE_DISTANCES[criterion]
    fake_features = vgg(output, layers)
    with torch.no_grad():
        real_features = vgg(target, layers)
    return sum(w * distance(fake_features[name], real_features[name]) for name, w in zip(layers, weights))


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Gram matrices of (B, C, H, W) features -> (B, C, C): F F^T / (C H W) (Johnson et al. 2016, eq. 3).

    Gatys et al. 2016 use the unnormalised F F^T with 1 / (4 C^2 (HW)^2) in the style loss; dividing here
    keeps style losses comparable across layers and image sizes.
    """
    if features.ndim != 4:
        raise ValueError(f"gram_matrix takes features (B, C, H, W), got shape {tuple(features.shape)}")
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


def content_loss(features: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> torch.Tensor:
    """Sum over layers of mean((F - F_target)^2) / mean(F_target^2): about 1 when nothing of the target is kept.

    The normalisation makes one weight work for any image size and layer (genlab's choice; Gatys et al.
    2016 and Johnson et al. 2016 use plain squared errors with hand-tuned weights)."""
    return sum((features[n] - t).pow(2).mean() / t.pow(2).mean().clamp_min(1e-8) for n, t in targets.items())


def style_loss(features: dict[str, torch.Tensor], target_grams: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mean over layers of mean((G - G_target)^2) / mean(G_target^2), G = gram_matrix(F) (Gatys et al.
    2016, eq. 5, normalised). target_grams: (1 or B, C, C) per layer; one style broadcasts over a batch."""
    total = sum((gram_matrix(features[n]) - g).pow(2).mean() / g.pow(2).mean().clamp_min(1e-8)
                for n, g in target_grams.items())
    return total / len(target_grams)


def mean_std(features: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation over space: (B, C, H, W) -> two (B, C, 1, 1)."""
    flat = features.flatten(2)
    return flat.mean(2)[..., None, None], (flat.var(2, unbiased=False) + eps).sqrt()[..., None, None]


def moment_style_loss(features: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> torch.Tensor:
    """Huang & Belongie 2017, eq. 12: sum over layers of ||mu(F) - mu(F_s)||^2 + ||sigma(F) - sigma(F_s)||^2,
    as means over channels and the batch (the matching of statistics AdaIN itself transfers)."""
    total = 0.0
    for name, target in targets.items():
        (mu, sigma), (mu_s, sigma_s) = mean_std(features[name]), mean_std(target)
        total = total + (mu - mu_s).pow(2).mean() + (sigma - sigma_s).pow(2).mean()
    return total


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of neighbouring pixels, down and across: (B, C, H, W) -> scalar."""
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()


LOSSES = {
    "minimax": (d_bce, g_minimax),
    "nonsaturating": (d_bce, g_nonsaturating),
    "hinge": (d_hinge, g_hinge),
    "wasserstein": (d_wasserstein, g_wasserstein),
    "least-squares": (d_least_squares, g_least_squares),
}


def si_sdr(estimate: torch.Tensor, reference: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Scale-invariant SDR in dB per clip, (B,), of (B, ..., T) signals (Le Roux et al. 2019, eq. 1-2):
    both made zero-mean; target = <s^, s> s / ||s||^2; 10 log10(||target||^2 / ||s^ - target||^2)."""
    est = estimate.reshape(estimate.shape[0], -1).double()
    ref = reference.reshape(reference.shape[0], -1).double()
    est = est - est.mean(1, keepdim=True)
    ref = ref - ref.mean(1, keepdim=True)
    alpha = (est * ref).sum(1, keepdim=True) / (ref.pow(2).sum(1, keepdim=True) + eps)
    target = alpha * ref
    return 10 * torch.log10(target.pow(2).sum(1) / ((est - target).pow(2).sum(1) + eps) + eps)

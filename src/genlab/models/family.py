"""The contract every model family fulfils: what the one training loop and the apps may call.

A family is built as `Family(cfg, img_channels=..., img_resolution=..., num_classes=...)`, the
interface arguments coming from the data source. It must provide `trainable`, `configure_optimizers`,
`train_step` and `preview`; the other hooks have defaults. The loop calls nothing else, so a new family
(paired image-to-image models, later other modalities) plugs in without touching the loop.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from genlab.errors import ConfigError

Update = Callable[[Tensor, str], None]


class Family(nn.Module):
    """The surface the one training loop and the apps use; every family subclasses it."""

    Config: type                     # the family's config dataclass (its fields are the YAML keys)
    batches_per_step: int = 1        # data batches one train_step consumes (a GAN with n_critic: several)
    num_classes: int = 0             # 0 unless conditional
    preview_columns: int | None = None  # columns of the sample grid (None: square); 3 for input | output | target
    modality: str = "images"         # what the family models: images, or text (built from vocab, seq_len)
    sample_rate: int = 0             # audio families: samples per second of their clips (0: an image family)

    # -- required -----------------------------------------------------------------------------------
    def trainable(self) -> dict[str, nn.Module]:
        """The nets that train (the loop may wrap them in DDP or torch.compile)."""
        raise NotImplementedError(f"{type(self).__name__} must define trainable()")

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """One optimizer per name that train_step passes to `update`."""
        raise NotImplementedError(f"{type(self).__name__} must define configure_optimizers()")

    def train_step(self, batch: dict[str, Tensor], nets: dict[str, nn.Module],
                   update: Update) -> dict[str, float]:
        """One optimisation step on `batch` (batches_per_step data batches, concatenated); returns the logs.
        `nets` are trainable() as the loop wrapped them; `update(loss, name)` backpropagates and steps."""
        raise NotImplementedError(f"{type(self).__name__} must define train_step()")

    def preview(self, fixed: dict[str, Tensor]) -> Tensor | str:
        """The run's sample grid, (N, C, H, W) in [-1, 1], from preview_inputs()' fixed tensors; a language
        model returns text instead (the loop writes it to samples/step_N.txt)."""
        raise NotImplementedError(f"{type(self).__name__} must define preview()")

    # -- hooks with defaults ------------------------------------------------------------------------
    def preview_inputs(self, batch: dict[str, Tensor], generator: torch.Generator) -> dict[str, Tensor]:
        """What preview() is called with, fixed for the whole run; `batch` is the source's preview batch.

        Paired batches ({"inputs", "targets"}) are used as they are; otherwise a generator's latents are
        drawn from `prior` with `generator` (and labels 0, 1, ..., C-1, 0, ... when conditional).
        """
        if "inputs" in batch and "targets" in batch:
            return {"inputs": batch["inputs"], "targets": batch["targets"]}
        n = len(next(iter(batch.values())))
        fixed = {"z": self.prior(n, generator=generator)}
        if self.num_classes:
            fixed["labels"] = (torch.arange(n) % self.num_classes).to(fixed["z"].device)
        return fixed

    def prior(self, n: int, generator: torch.Generator | None = None, device=None) -> Tensor:
        """z ~ the latent prior, (n, latent_dim); only generative families have one."""
        raise NotImplementedError(f"{type(self).__name__} has no latent prior; define prior() or preview_inputs()")

    def lr_multiplier(self, step: int, total_steps: int | None) -> float:
        """A factor on every base learning rate for the update after `step` updates (warm-up, cosine decay);
        `total_steps` is the run's length when it is known. A function of the step alone, so resume is exact."""
        return 1.0
    def preview_audio(self, fixed: dict[str, Tensor]) -> Tensor | None:
        """Audio families: the clips (N, T) in [-1, 1] behind the sample grid (written as a WAV); None for images."""
        return None

    def fit_data(self, source) -> None:
        """Called by the loop once before training with the run's batch source: a family whose inputs are
        normalized by training-set statistics (spectrogram models) measures them here, into buffers that
        checkpoints carry (a resumed run loads them back)."""

    def set_epoch(self, epoch: float) -> None:
        """Called by the loop before each step with the epochs done so far (schedules in epochs)."""

    def after_step(self, images_seen: int, step_images: int) -> None:
        """Called by the loop after each step (an EMA update, for example)."""


def init_family(model: nn.Module, cfg, *, img_channels: int, img_resolution: int,
                num_classes: int = 0) -> None:
    """Validate `cfg` and set `cfg`, `latent_dim`, `num_classes` (0 unless conditional) and `img_shape`.

    A conditional config (`cfg.conditional`) on a dataset without class labels is a ConfigError.
    """
    cfg.validate()
    conditional = bool(getattr(cfg, "conditional", False))
    if conditional and not num_classes:
        raise ConfigError("model.conditional is true, but the dataset has no class labels")
    model.cfg = cfg
    model.latent_dim = cfg.latent_dim
    model.num_classes = num_classes if conditional else 0
    model.img_shape = (img_channels, img_resolution, img_resolution)


class EvalMode:
    """Puts a module in eval mode for a block and restores every submodule's previous mode."""

    def __init__(self, module: nn.Module):
        self.module = module

    def __enter__(self):
        self.modes = [(m, m.training) for m in self.module.modules()]
        self.module.eval()

    def __exit__(self, *exc):
        for m, training in self.modes:
            m.training = training

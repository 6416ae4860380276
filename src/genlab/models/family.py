"""What every model family sets up the same way from its config and the dataset's shape."""
from __future__ import annotations

from torch import nn

from genlab.errors import ConfigError


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

"""Model families: nets + objective + sample(). FAMILIES maps a family name to its class."""
from genlab.models.gan import GAN, GANConfig

FAMILIES = {
    "gan": GAN,
}

__all__ = ["FAMILIES", "GAN", "GANConfig"]

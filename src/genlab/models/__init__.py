"""Model families: nets + objective + sample(). FAMILIES maps a family name to its class."""
from genlab.models.ae import AE, AEConfig
from genlab.models.gan import GAN, GANConfig
from genlab.models.sr import SR, SRConfig
from genlab.models.style import Style, StyleConfig
from genlab.models.vae import VAE, VAEConfig

FAMILIES = {
    "gan": GAN,
    "ae": AE,    # autoencoder; with model.corruption, the denoising autoencoder
    "vae": VAE,  # VAE; model.conditional: CVAE; model.objective: iwae
    "sr": SR,    # super-resolution: inputs -> targets at model.scale
    "style": Style,  # style transfer by a trained net: johnson (one style) or adain (any style)
}

__all__ = ["FAMILIES", "GAN", "GANConfig", "AE", "AEConfig", "VAE", "VAEConfig", "SR", "SRConfig", "Style", "StyleConfig"]

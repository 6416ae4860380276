"""Model families: nets + objective + sample(). FAMILIES maps a family name to its class."""
from genlab.models.ae import AE, AEConfig
from genlab.models.cyclegan import CycleGAN, CycleGANConfig
from genlab.models.gan import GAN, GANConfig
from genlab.models.pix2pix import Pix2Pix, Pix2PixConfig
from genlab.models.sr import SR, SRConfig
from genlab.models.vae import VAE, VAEConfig

FAMILIES = {
    "gan": GAN,
    "ae": AE,    # autoencoder; with model.corruption, the denoising autoencoder
    "vae": VAE,  # VAE; model.conditional: CVAE; model.objective: iwae
    "sr": SR,    # super-resolution: inputs -> targets at model.scale
    "pix2pix": Pix2Pix,    # paired translation: inputs -> targets (Isola et al. 2017)
    "cyclegan": CycleGAN,  # unpaired translation: domain a <-> domain b (Zhu et al. 2017)
}

__all__ = ["FAMILIES", "GAN", "GANConfig", "AE", "AEConfig", "VAE", "VAEConfig", "SR", "SRConfig",
           "Pix2Pix", "Pix2PixConfig", "CycleGAN", "CycleGANConfig"]

"""Model families: nets + objective + sample(). FAMILIES maps a family name to its class."""
from genlab.models.ae import AE, AEConfig
from genlab.models.audio_gan import AudioGAN, AudioGANConfig
from genlab.models.enhance import Enhance, EnhanceConfig
from genlab.models.gan import GAN, GANConfig
from genlab.models.lm import LM, LMConfig
from genlab.models.mel_vae import MelVAE, MelVAEConfig
from genlab.models.text_vae import TextVAE, TextVAEConfig
from genlab.models.cyclegan import CycleGAN, CycleGANConfig
from genlab.models.pix2pix import Pix2Pix, Pix2PixConfig
from genlab.models.sr import SR, SRConfig
from genlab.models.style import Style, StyleConfig
from genlab.models.vae import VAE, VAEConfig

FAMILIES = {
    "gan": GAN,
    "ae": AE,    # autoencoder; with model.corruption, the denoising autoencoder
    "vae": VAE,  # VAE; model.conditional: CVAE; model.objective: iwae
    "sr": SR,    # super-resolution: inputs -> targets at model.scale
    "lm": LM,    # language model on characters (text corpora): model.net gpt | char-lstm
    "textvae": TextVAE,  # text VAE (Bowman et al. 2016) on character windows
    "audio-gan": AudioGAN,  # audio GAN (WaveGAN on waveforms, SpecGAN on spectrograms; WGAN-GP) on audio batches
    "mel-vae": MelVAE,  # VAE on normalized log-mel spectrograms of audio batches; Griffin-Lim back to clips
    "enhance": Enhance,  # speech enhancement: noisy -> clean clips (a spectral-mask U-Net)
    "style": Style,  # style transfer by a trained net: johnson (one style) or adain (any style)
    "pix2pix": Pix2Pix,    # paired translation: inputs -> targets (Isola et al. 2017)
    "cyclegan": CycleGAN,  # unpaired translation: domain a <-> domain b (Zhu et al. 2017)
}

__all__ = ["FAMILIES", "GAN", "GANConfig", "AE", "AEConfig", "VAE", "VAEConfig", "SR", "SRConfig", "LM", "LMConfig",
           "TextVAE", "TextVAEConfig", "AudioGAN", "AudioGANConfig", "MelVAE", "MelVAEConfig", "Enhance", "EnhanceConfig", "Style", "StyleConfig",
           "Pix2Pix", "Pix2PixConfig", "CycleGAN", "CycleGANConfig"]

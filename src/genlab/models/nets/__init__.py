"""Architectures: plain nn.Modules with keyword-only arguments and no training logic.

NETS maps a net name to the modules a family builds from it: a GAN takes a "generator" and a
"discriminator"; an autoencoder an "encoder" and a "decoder"; super-resolution an "upscaler" (its GAN
stage adds the "discriminator" of "patch"); translation (pix2pix, CycleGAN) a "translator" and a PatchGAN. Interface arguments (img_channels, img_resolution,
num_classes, latent_dim, scale) come from the data and family; the rest from `net_args` (GAN, AE) or
the family config's width/depth (SR, style). Style transfer takes a "stylizer" (Johnson) or a
"style_decoder" (AdaIN).
"""
from genlab.models.nets.classical_enhance import SpectralSubtraction, WienerFilter
from genlab.models.nets.conv_ae import ConvDecoder, ConvEncoder
from genlab.models.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from genlab.models.nets.edsr import EDSR
from genlab.models.nets.mask_unet import MaskUNet
from genlab.models.nets.mlp import MLPDecoder, MLPEncoder
from genlab.models.nets.patch_disc import PatchDiscriminator
from genlab.models.nets.patchgan import PatchGAN
from genlab.models.nets.resnet import ResNetDiscriminator, ResNetGenerator
from genlab.models.nets.resnet_translator import ResNetTranslator
from genlab.models.nets.rrdb import RRDBNet
from genlab.models.nets.seed_dcgan import SeedDiscriminator, SeedGenerator
from genlab.models.nets.srcnn import SRCNN, Bicubic, BicubicUnsharp
from genlab.models.nets.char_lstm import CharLSTM
from genlab.models.nets.gpt import GPT
from genlab.models.nets.text_vae import TextVAENet
from genlab.models.nets.wavegan import WaveGANDiscriminator, WaveGANGenerator
from genlab.models.nets.specgan import SpecGANDiscriminator, SpecGANGenerator
from genlab.models.nets.transformer import TransformerNet
from genlab.models.nets.adain import AdaINDecoder
from genlab.models.nets.unet import UNetGenerator

NETS: dict[str, dict[str, type]] = {
    "seed-dcgan": {"generator": SeedGenerator, "discriminator": SeedDiscriminator},
    "dcgan": {"generator": DCGANGenerator, "discriminator": DCGANDiscriminator},  # Radford et al. 2015
    "resnet": {"generator": ResNetGenerator, "discriminator": ResNetDiscriminator},  # SNGAN, Miyato et al. 2018
    "mlp": {"encoder": MLPEncoder, "decoder": MLPDecoder},
    "conv": {"encoder": ConvEncoder, "decoder": ConvDecoder},
    # super-resolution: (B, C, h, w) -> (B, C, h*scale, w*scale); the SR family adds its own "patch" D
    "bicubic": {"upscaler": Bicubic},  # baseline, no parameters
    "unsharp": {"upscaler": BicubicUnsharp},  # classical baseline: bicubic + unsharp mask
    "srcnn": {"upscaler": SRCNN},  # Dong et al. 2014
    "edsr": {"upscaler": EDSR},  # Lim et al. 2017, baseline
    "rrdb": {"upscaler": RRDBNet},  # ESRGAN's generator, Wang et al. 2018
    "patch": {"discriminator": PatchDiscriminator},  # SR GAN stage's D
    # language models: tokens (B, T) -> next-token logits (B, T, V); the lm family
    "gpt": {"lm": GPT},  # decoder-only Transformer, nanoGPT-style (Radford et al. 2019)
    "char-lstm": {"lm": CharLSTM},  # Karpathy's char-rnn
    "text-vae": {"textvae": TextVAENet},  # Bowman et al. 2016; built by the textvae family
    # audio: (B, 1, T) waveforms, T = img_resolution samples; the audio-gan family's nets
    "wavegan": {"generator": WaveGANGenerator, "discriminator": WaveGANDiscriminator},  # Donahue et al. 2019
    "specgan": {"generator": SpecGANGenerator, "discriminator": SpecGANDiscriminator},  # same paper, spectrograms
    "mask-unet": {"enhancer": MaskUNet},  # speech enhancement: (B, 1, T) noisy -> clean, a spectral mask
    "spectral-subtraction": {"enhancer": SpectralSubtraction},  # classical baseline (Boll 1979), no parameters
    "wiener": {"enhancer": WienerFilter},  # classical baseline: Wiener gain, no parameters
    # style transfer (family: style): photo -> stylized photo; the frozen VGG19 is not in NETS
    "johnson": {"stylizer": TransformerNet},  # Johnson et al. 2016, one style per net
    "adain": {"style_decoder": AdaINDecoder},  # Huang & Belongie 2017, relu4_1 features -> image
    # image-to-image translation: (B, C, H, W) -> (B, C, H, W), any size; with a PatchGAN discriminator
    "unet": {"translator": UNetGenerator, "discriminator": PatchGAN},  # pix2pix, Isola et al. 2017
    "resnet-translator": {"translator": ResNetTranslator, "discriminator": PatchGAN},  # CycleGAN, Zhu et al. 2017
}
AUDIO_NETS = ("wavegan", "specgan")  # the audio-gan family's nets (waveforms; spectrograms of clips), not the image GAN's

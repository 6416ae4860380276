"""Tiled upscaling: equal to untiled, channel handling, bad inputs refused before anything is written."""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
import torch
from PIL import Image

from genlab.apps.upscale import tile_count, upscale_image, upscale_paths
from genlab.data.images import read_image
from genlab.errors import DataError, GenlabError
from genlab.models import SR, SRConfig
from genlab.viz import to_uint8

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def model(net="edsr", scale=2, channels=3, depth=1, seed=0, gain=3.0):
    torch.manual_seed(seed)
    m = SR(SRConfig(net=net, scale=scale, width=8, depth=depth), img_channels=channels)
    for p in m.parameters():  # random weights large enough that errors in tiling would show
        p.data.mul_(gain)
    return m.eval()


def image(c=3, h=37, w=50, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (c, h, w), generator=g, dtype=torch.uint8)


def diff(a, b):
    return (a.int() - b.int()).abs()


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_tiled_equals_untiled_when_overlap_covers_the_receptive_radius(scale):
    """EDSR of depth 1 sees 5 low-res pixels around each one; overlap 8 > 5, so only float rounding differs."""
    m, img = model(scale=scale), image()
    whole = upscale_image(m, img, tile=256, overlap=0)
    tiled = upscale_image(m, img, tile=20, overlap=8)
    assert tiled.shape == whole.shape == (3, 37 * scale, 50 * scale)
    assert diff(tiled, whole).max() <= 1 and diff(tiled, whole).float().mean() < 0.01


def test_tiled_is_close_to_untiled_with_a_short_overlap():
    """Depth 8 sees 35 pixels around each one; with overlap 8 (default-initialised weights) the cut-off far
    field moves a few pixels by one level at most: no visible seam."""
    m, img = model(depth=8, gain=1.0), image(h=100, w=90)
    whole, tiled = upscale_image(m, img, tile=256, overlap=0), upscale_image(m, img, tile=32, overlap=8)
    assert diff(tiled, whole).max() <= 1 and (diff(tiled, whole) > 0).float().mean() < 0.01


def test_untiled_equals_the_models_upscale():
    m, img = model(), image()
    expected = to_uint8(m.upscale(img.float().unsqueeze(0) / 127.5 - 1))[0]
    assert torch.equal(upscale_image(m, img, tile=256, overlap=0), expected)


def test_self_ensemble_is_the_mean_over_the_eight_flips_and_turns():
    m, img = model(), image(h=21, w=30)
    x = img.float().unsqueeze(0) / 127.5 - 1
    outs = []
    for turns in range(4):
        for flip in (False, True):
            t = torch.rot90(x, turns, (2, 3))
            y = m.upscale(t.flip(3) if flip else t)
            outs.append(torch.rot90(y.flip(3) if flip else y, -turns, (2, 3)))
    expected = to_uint8(torch.stack(outs).mean(0))[0]
    got = upscale_image(m, img, tile=256, overlap=0, ensemble=True)
    assert got.shape == (3, 42, 60) and diff(got, expected).max() <= 1
    assert diff(got, upscale_image(m, img, tile=256, overlap=0)).float().mean() > 1  # not the plain output
    tiled = upscale_image(m, img, tile=20, overlap=8, ensemble=True)
    assert diff(tiled, got).max() <= 1  # tiles still seamless
    assert upscale_image(m, image(c=1, h=21, w=30), ensemble=True).shape == (1, 42, 60)  # gray through RGB


def test_progress_is_called_once_per_tile():
    calls = []
    upscale_image(model(), image(h=37, w=50), tile=20, overlap=4, progress=calls.append)
    assert len(calls) == tile_count(37, 50, tile=20, overlap=4) == 4 * 5 and set(calls) == {1}


def test_cancel_stops_before_the_next_tile():
    from genlab.apps.progress import Cancelled

    calls = []
    with pytest.raises(Cancelled, match="cancelled after 3 of 20 tiles"):
        upscale_image(model(), image(h=37, w=50), tile=20, overlap=4, progress=calls.append,
                      cancel=lambda: len(calls) >= 3)
    assert len(calls) == 3
    whole = upscale_image(model(), image(h=37, w=50), tile=20, overlap=4, cancel=lambda: False)
    assert whole.shape == (3, 74, 100)


def test_gray_runs_as_rgb_and_returns_the_mean_plane():
    m, gray = model(), image(c=1)
    out = upscale_image(m, gray, tile=256, overlap=0)
    rgb = m.upscale(gray.float().unsqueeze(0).expand(-1, 3, -1, -1) / 127.5 - 1)
    assert out.shape == (1, 74, 100)
    assert diff(out, to_uint8(rgb.mean(1, keepdim=True))[0]).max() == 0


def test_rgba_colour_through_the_model_and_alpha_bicubic():
    m, rgba = model(), image(c=4)
    out = upscale_image(m, rgba, tile=20, overlap=8)
    alpha = torch.nn.functional.interpolate(rgba[3:].float()[None] / 127.5 - 1, scale_factor=2, mode="bicubic")
    assert out.shape == (4, 74, 100)
    assert torch.equal(out[:3], upscale_image(m, rgba[:3], tile=20, overlap=8))
    assert torch.equal(out[3], to_uint8(alpha)[0, 0])


def test_gray_model_runs_each_colour_plane():
    m, rgb = model(channels=1), image()
    out = upscale_image(m, rgb, tile=256, overlap=0)
    for c in range(3):
        # the planes run as one batch: float rounding may move a level
        assert diff(out[c:c + 1], upscale_image(m, rgb[c:c + 1], tile=256, overlap=0)).max() <= 1


@pytest.mark.parametrize("shape", [(3, 7, 50), (3, 40, 5)])
def test_an_image_below_the_minimum_size_is_a_data_error(shape):
    with pytest.raises(DataError, match=r"upscaling needs at least 8x8 pixels"):
        upscale_image(model(), image(*shape))


def test_bad_tiles_and_images_are_data_errors():
    with pytest.raises(DataError, match="larger than twice the overlap"):
        upscale_image(model(), image(), tile=32, overlap=16)
    with pytest.raises(DataError, match="uint8"):
        upscale_image(model(), image().float())


# ------------------------------------------------------------------------------------------- files

def run_of(m):
    return SimpleNamespace(model=m, path="runs/00001-sr")


def write_png(path, c=3, h=20, w=24, seed=0):
    pixels = image(c, h, w, seed).permute(1, 2, 0).numpy()
    Image.fromarray(pixels[:, :, 0] if c == 1 else pixels).save(path)
    return path


def test_upscale_paths_writes_one_png_per_image(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    write_png(src / "a.png"), write_png(src / "b.png", c=1, seed=1), write_png(src / "c.png", c=4, seed=2)
    (src / "notes.txt").write_text("not an image")  # skipped in a folder: not an image suffix
    m = model()
    outs = upscale_paths(run_of(m), [src], tmp_path / "out", tile=16, overlap=4, progress=False)
    assert [p.name for p in outs] == ["a_x2.png", "b_x2.png", "c_x2.png"]
    for src_file, out in zip(sorted(src.glob("*.png")), outs):
        original = read_image(src_file)
        assert torch.equal(read_image(out), upscale_image(m, original, tile=16, overlap=4))
    assert sorted(os.listdir(tmp_path / "out")) == ["a_x2.png", "b_x2.png", "c_x2.png"]  # no temp files


def test_output_path_that_is_a_file_is_refused(tmp_path):
    src = write_png(tmp_path / "a.png")
    (tmp_path / "out").write_text("")
    with pytest.raises(GenlabError, match="is a file; expected a folder"):
        upscale_paths(run_of(model()), [src], tmp_path / "out", progress=False)


def test_a_bad_input_leaves_no_partial_outputs(tmp_path):
    good = write_png(tmp_path / "a.png")
    bad = tmp_path / "b.png"
    bad.write_bytes(b"not a png")
    small = write_png(tmp_path / "c.png", h=4, w=30)
    for inputs, match in [([good, bad], "b.png"), ([good, small], "c.png.*at least 8x8"),
                          ([good, tmp_path / "missing.png"], "does not exist")]:
        with pytest.raises(DataError, match=match):
            upscale_paths(run_of(model()), inputs, tmp_path / "out", progress=False)
        assert not (tmp_path / "out").exists()


def test_empty_folder_and_wrong_scale_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="has no images"):
        upscale_paths(run_of(model()), [tmp_path / "empty"], tmp_path / "out", progress=False)
    with pytest.raises(DataError, match="scale 4 was asked.*x2"):
        upscale_paths(run_of(model()), [write_png(tmp_path / "a.png")], tmp_path / "out", scale=4,
                      progress=False)

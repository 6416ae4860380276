"""`genlab stylize --run`: one forward pass through tiny trained style runs (random VGG19, offline) for
photos of any size and mode, tiles, AdaIN's style and alpha, and the one-line errors."""
import numpy as np
import pytest
import torch
from PIL import Image

from genlab.apps.fast_stylize import stylize_with_run
from genlab.apps.stylize import stylize_file
from genlab.apps.upscale import tile_count
from genlab.cli import main
from genlab.config import load_config
from genlab.data.images import read_image
from genlab.errors import UsageError
from genlab.train.loop import train
from genlab.train.run import load_run


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faststyle")
    rng = np.random.default_rng(0)
    np.savez(tmp / "rgb.npz", x=(rng.random((16, 24, 24, 3)) * 255).astype(np.uint8))
    stripes = np.zeros((40, 48, 3), np.uint8)
    stripes[:, ::4, 0], stripes[::6, :, 2] = 255, 200
    Image.fromarray(stripes).save(tmp / "style.png")
    Image.fromarray((rng.random((23, 37, 3)) * 255).astype(np.uint8)).save(tmp / "photo.png")
    Image.fromarray((rng.random((30, 20)) * 255).astype(np.uint8)).save(tmp / "gray.png")
    Image.fromarray((rng.random((20, 30, 4)) * 255).astype(np.uint8)).save(tmp / "rgba.png")
    Image.fromarray((rng.random((150, 100, 3)) * 255).astype(np.uint8)).save(tmp / "large.png")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    runs = {}
    for preset, net in (("fast-style-starry-night", "johnson"), ("adain-photos", "adain")):
        style = "model.style" if net == "johnson" else "model.styles"
        value = tmp / "style.png" if net == "johnson" else f"[{tmp / 'style.png'}]"
        cfg = load_config(preset, ["data.name=npz", f"data.path={tmp / 'rgb.npz'}", "data.patch_size=16",
                                   "train.batch_size=4", "train.steps=2", "train.minutes=null", "train.n_samples=2",
                                   f"train.out={tmp / 'runs'}", "train.tensorboard=false", "model.width=4",
                                   "model.depth=1", "model.vgg_weights=random", "model.style_size=32",
                                   f"{style}={value}"])
        runs[net] = train(cfg, progress=False).path
    yield tmp, runs
    torch.set_num_threads(threads)


def test_johnson_run_keeps_the_photos_own_size_and_equals_the_model(ws):
    tmp, runs = ws
    run = load_run(runs["johnson"])
    result = stylize_file(tmp / "photo.png", None, tmp / "j.png", run=run)
    written = read_image(tmp / "j.png")
    assert written.shape == (3, 23, 37) and torch.equal(written, result.image)
    photo = read_image(tmp / "photo.png", "RGB")[None].float() / 127.5 - 1
    direct = run.model.stylize(photo).add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8)[0]
    assert torch.equal(result.image, direct)
    resized = stylize_with_run(run, read_image(tmp / "photo.png", "RGB"), size=74)
    assert resized.image.shape == (3, 46, 74)


@pytest.mark.parametrize("name,shape", [("gray.png", (3, 30, 20)), ("rgba.png", (3, 20, 30))])
def test_gray_and_rgba_photos_come_out_rgb(ws, name, shape):
    tmp, runs = ws
    result = stylize_file(tmp / name, None, tmp / f"out-{name}", run=load_run(runs["johnson"]))
    assert result.image.shape == shape


def test_large_images_go_through_tiles(ws):
    tmp, runs = ws
    run = load_run(runs["johnson"])
    photo = read_image(tmp / "large.png", "RGB")  # 100 x 150
    tiled = stylize_with_run(run, photo, tile=64, overlap=8)
    whole = stylize_with_run(run, photo)
    assert whole.tiles == 1 and tiled.tiles == tile_count(150, 100, tile=64, overlap=8) == 4 * 3  # 48 px cores
    assert tiled.image.shape == whole.image.shape == (3, 150, 100)


def test_adain_uses_the_style_and_alpha(ws):
    tmp, runs = ws
    run = load_run(runs["adain"])
    photo = read_image(tmp / "photo.png", "RGB")
    style = read_image(tmp / "style.png", "RGB")
    other = style.flip(-1).roll(7, -2)
    assert stylize_with_run(run, photo, style, alpha=0.3).image.shape == (3, 23, 37)
    # the untrained tiny decoder's outputs differ by less than a grey level: compare them as floats
    x, s, o = (im[None].float() / 127.5 - 1 for im in (photo, style, other))
    assert not torch.equal(run.model.stylize(x, s), run.model.stylize(x, s, alpha=0.3))
    assert not torch.equal(run.model.stylize(x, s), run.model.stylize(x, o))
    assert torch.equal(run.model.stylize(x, s, alpha=0.0), run.model.stylize(x, o, alpha=0.0))
    with pytest.raises(UsageError, match="give the style image with --style"):
        stylize_with_run(run, photo)
    with pytest.raises(UsageError, match="alpha 1.5 is out of range"):
        stylize_with_run(run, photo, style, alpha=1.5)


def test_cli_stylize_with_runs(ws, capsys):
    tmp, runs = ws
    out = tmp / "cli-adain.png"
    assert main(["stylize", str(tmp / "photo.png"), "--run", str(runs["adain"]), "--style", str(tmp / "style.png"),
                 "--alpha", "0.5", "--out", str(out)]) == 0
    assert read_image(out).shape == (3, 23, 37)
    assert "wrote" in capsys.readouterr().out
    for argv, message in (
            (["--run", str(runs["johnson"]), "--style", str(tmp / "style.png")], "was trained for one style"),
            (["--run", str(runs["johnson"]), "--alpha", "0.5"], "--alpha 0.5 needs an AdaIN run"),
            (["--run", str(runs["adain"])], "is an AdaIN run: give the style image with --style"),
            (["--run", str(runs["adain"]), "--style", "van-gogh"], "style 'van-gogh' is unknown"),
            (["--run", str(runs["adain"]), "--style", str(tmp / "style.png"), "--alpha", "2"], "alpha 2.0 is out of range")):
        target = tmp / "refused.png"
        assert main(["stylize", str(tmp / "photo.png"), "--out", str(target), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
        assert not target.exists()


def test_latent_commands_refuse_a_style_run_in_one_line(ws, capsys):
    tmp, runs = ws
    run = str(runs["johnson"])
    for argv, message in (
            (["sample", run, "--seeds", "0-3", "--out", str(tmp / "x.png")], "genlab sample needs a GAN, VAE or"),
            (["interpolate", run, "--from", "0", "--to", "1", "--out", str(tmp / "x.png")], "genlab interpolate needs"),
            (["reconstruct", run, str(tmp / "photo.png"), "--out", str(tmp / "x.png")], "genlab reconstruct needs"),
            (["eval", run, "--metrics", "fid1k"], "fid1k measure generators and autoencoders")):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "is a style run" in err and len(err.splitlines()) == 1
        assert not (tmp / "x.png").exists()

"""genlab translate: pix2pix and CycleGAN runs on image files of any size, and its refusals."""
import numpy as np
import pytest
import torch
from PIL import Image

from genlab.apps.translate import translate_paths
from genlab.cli import main
from genlab.config import load_config
from genlab.errors import DataError
from genlab.train.loop import train
from genlab.train.run import load_run


def _tiny_run(tmp_path_factory, preset, extra):
    tmp = tmp_path_factory.mktemp(preset)
    rng = np.random.default_rng(0)
    np.savez(tmp / "d.npz", x=(rng.random((64, 28, 28)) * 255).astype(np.uint8), y=rng.integers(0, 4, 64))
    cfg = load_config(preset, ["data.name=npz", f"data.path={tmp / 'd.npz'}", "train.batch_size=16",
                               "train.steps=2", "train.epochs=null", f"train.out={tmp / 'runs'}",
                               "train.tensorboard=false", "train.n_samples=4", *extra])
    return train(cfg, progress=False).path


@pytest.fixture(scope="module")
def p2p_run(tmp_path_factory):
    return _tiny_run(tmp_path_factory, "pix2pix-edges-fashion", ["model.width=4", "model.depth=3", "model.d_width=4"])


@pytest.fixture(scope="module")
def cycle_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("domain-b")
    np.savez(tmp / "b.npz", x=np.full((32, 28, 28), 200, np.uint8))
    return _tiny_run(tmp_path_factory, "cyclegan-mnist-digits",
                     [f"data.domain_b=npz:{tmp / 'b.npz'}", "model.width=4", "model.depth=1", "model.d_width=4"])


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(rng.integers(0, 256, (37, 50, 3), dtype=np.uint8)).save(folder / "wide.png")  # RGB, odd size
    Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(folder / "gray.png")
    return folder


def test_pix2pix_translates_any_size_to_the_same_size(p2p_run, images, tmp_path):
    run = load_run(p2p_run)
    written = translate_paths(run, [images], tmp_path / "out", progress=False)
    assert [p.name for p in written] == ["gray_a2b.png", "wide_a2b.png"]
    assert Image.open(written[1]).size == (50, 37) and Image.open(written[1]).mode == "L"
    # the file holds the model's output for the image as read (gray model: the RGB image as gray)
    from genlab.data.images import read_image
    x = read_image(images / "wide.png", "L").float().unsqueeze(0) / 127.5 - 1
    expected = ((run.model.translate(x) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)[0, 0]
    assert torch.equal(torch.from_numpy(np.array(Image.open(written[1]))), expected)


def test_derive_input_writes_the_edge_map_the_model_saw(p2p_run, images, tmp_path):
    written = translate_paths(load_run(p2p_run), [images / "gray.png"], tmp_path / "out", derive_input=True,
                              progress=False)
    assert [p.name for p in written] == ["gray_a2b.png", "gray_a2b_input.png"]
    edges = np.asarray(Image.open(written[1]))
    assert set(np.unique(edges).tolist()) <= {0, 255}


def test_cyclegan_translates_both_ways(cycle_run, images, tmp_path):
    run = load_run(cycle_run)
    for direction in ("a2b", "b2a"):
        written = translate_paths(run, [images / "wide.png"], tmp_path / direction, direction=direction,
                                  progress=False)
        assert written[0].name == f"wide_{direction}.png" and Image.open(written[0]).size == (50, 37)


def test_refusals_write_nothing(p2p_run, gan_run, images, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(DataError, match="translates inputs to targets only"):
        translate_paths(load_run(p2p_run), [images], out, direction="b2a", progress=False)
    with pytest.raises(DataError, match="is a gan run; translate needs a translation run"):
        translate_paths(load_run(gan_run), [images], out, progress=False)
    (images / "broken.png").write_text("not an image")
    with pytest.raises(DataError, match="broken.png' is not an image"):
        translate_paths(load_run(p2p_run), [images], out, progress=False)
    (images / "broken.png").unlink()
    Image.fromarray(np.zeros((4, 30), np.uint8)).save(images / "thin.png")
    with pytest.raises(DataError, match="needs at least 8x8"):
        translate_paths(load_run(p2p_run), [images], out, progress=False)
    assert not out.exists()


def test_existing_outputs_are_kept_unless_overwrite(p2p_run, images, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "wide_a2b.png").write_bytes(b"keep me")
    with pytest.raises(DataError, match="wide_a2b.png' already exists"):
        translate_paths(load_run(p2p_run), [images], out, progress=False)
    assert (out / "wide_a2b.png").read_bytes() == b"keep me" and not (out / "gray_a2b.png").exists()
    translate_paths(load_run(p2p_run), [images], out, overwrite=True, progress=False)
    assert Image.open(out / "wide_a2b.png").size == (50, 37)


def test_cli_translate_and_its_one_line_errors(p2p_run, images, tmp_path, capsys):
    assert main(["translate", str(p2p_run), str(images / "gray.png"), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert "gray_a2b.png" in capsys.readouterr().out
    code = main(["translate", str(p2p_run), str(images), "--out", str(tmp_path / "o2"), "--direction", "b2a"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "--direction a2b" in err

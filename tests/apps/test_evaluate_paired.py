"""`genlab eval` of a super-resolution run with the paired protocols, on a folder of HR (and LR) images."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from genlab.apps.evaluate import evaluate_run
from genlab.apps.upscale import upscale_image
from genlab.cli import main
from genlab.config import load_config
from genlab.data.degrade import bicubic_downscale, mod_crop
from genlab.data.srmini import sr_test_pairs
from genlab.errors import GenlabError
from genlab.metrics.sr import psnr_y, ssim_y
from genlab.train.loop import train
from genlab.train.run import load_run



def smooth(h, w, seed):
    """A smooth RGB image (upscalers do well on it), uint8 (H, W, 3)."""
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / 9.0
    img = [127 + 100 * np.sin(xx * g.uniform(0.5, 1.5) + g.uniform(0, 6)) * np.cos(yy * g.uniform(0.5, 1.5))
           for _ in range(3)]
    return np.stack(img, -1).clip(0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def sr_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("sr")
    np.savez(root / "rgb.npz", x=np.stack([smooth(32, 32, s) for s in range(32)]))
    config = load_config("edsr-x2-photos", [
        "data.name=npz", f"data.path={root / 'rgb.npz'}", "data.patch_size=16", "model.width=8", "model.depth=1",
        "train.batch_size=8", "train.steps=3", "train.log_every=1", "train.checkpoint_every=3",
        "train.sample_every=100", "train.n_samples=2", f"train.out={root / 'runs'}", "train.tensorboard=false"])
    return train(config, progress=False).path


@pytest.fixture
def hr_folder(tmp_path):
    hr = tmp_path / "HR"
    hr.mkdir()
    for i, (h, w) in enumerate([(41, 37), (30, 50)]):  # odd sizes: mod-crop matters
        Image.fromarray(smooth(h, w, 100 + i)).save(hr / f"img{i}.png")
    return hr


def test_psnr_and_ssim_of_an_sr_run_on_a_folder_follow_the_standard_protocol(sr_run, hr_folder):
    results = evaluate_run(sr_run, "psnr_y,ssim_y", hr=hr_folder)
    model = load_run(sr_run).model
    psnr = ssim = 0.0
    for i in range(2):
        hr = mod_crop(torch.from_numpy(np.array(Image.open(hr_folder / f"img{i}.png"))).permute(2, 0, 1), 2)
        sr = upscale_image(model, bicubic_downscale(hr, 2))
        psnr += psnr_y(sr, hr, crop=2) / 2
        ssim += ssim_y(sr, hr, crop=2) / 2
    assert results["psnr_y"] == pytest.approx(psnr, abs=1e-9) and results["ssim_y"] == pytest.approx(ssim, abs=1e-9)
    assert results["paired_set"] == str(hr_folder) and results["paired_images"] == 2
    summary = json.loads((sr_run / "summary.json").read_text())
    assert summary["metrics"]["psnr_y"] == pytest.approx(psnr, abs=1e-9) and summary["metrics_step"] == 3


def test_given_lr_images_are_used_instead_of_the_bicubic_downscale(hr_folder, tmp_path):
    lr = tmp_path / "LR"
    lr.mkdir()
    given = {}
    for i, name in enumerate(["img0x2.png", "img1_LRBI_x2.png"]):
        target = mod_crop(torch.from_numpy(np.array(Image.open(hr_folder / f"img{i}.png"))).permute(2, 0, 1), 2)
        given[f"img{i}"] = torch.full((3, target.shape[1] // 2, target.shape[2] // 2), 40 * i, dtype=torch.uint8)
        Image.fromarray(given[f"img{i}"].permute(1, 2, 0).numpy()).save(lr / name)
    pairs = sr_test_pairs(2, hr_folder, lr)
    assert [p["name"] for p in pairs] == ["img0", "img1"]
    assert all(torch.equal(p["inputs"], given[p["name"]]) for p in pairs)
    assert [tuple(p["targets"].shape) for p in pairs] == [(3, 40, 36), (3, 30, 50)]


def test_bad_test_sets_are_one_line_errors(hr_folder, tmp_path):
    (tmp_path / "LR").mkdir()
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(tmp_path / "LR" / "img0.png")
    with pytest.raises(GenlabError, match=r"LR image '.*img0.png' is 5x5; expected 18x20"):
        sr_test_pairs(2, hr_folder, tmp_path / "LR")
    (tmp_path / "LR" / "img0.png").unlink()
    Image.fromarray(np.zeros((20, 18, 3), np.uint8)).save(tmp_path / "LR" / "img0.png")
    with pytest.raises(GenlabError, match="has no image for 'img1'; expected img1.png, img1x2.png"):
        sr_test_pairs(2, hr_folder, tmp_path / "LR")
    with pytest.raises(GenlabError, match="HR folder '.*nothere' does not exist"):
        sr_test_pairs(2, tmp_path / "nothere")
    with pytest.raises(GenlabError, match="scale 5 is not an SR test scale"):
        sr_test_pairs(5, hr_folder)


def test_protocols_of_the_wrong_kind_are_refused_before_any_work(sr_run, hr_folder, tiny_npz, tmp_path):
    with pytest.raises(GenlabError, match="fid1k measure generators; .* is a sr run: measure it with psnr_y"):
        evaluate_run(sr_run, "fid1k,psnr_y", hr=hr_folder)
    gan = train(load_config("seed-dcgan-mnist", [
        "data.name=npz", f"data.path={tiny_npz}", "train.batch_size=16", "train.steps=1", "train.epochs=null",
        f"train.out={tmp_path}", "train.tensorboard=false", "train.n_samples=4", "model.net_args={width: 8}"]),
        progress=False).path
    with pytest.raises(GenlabError, match="psnr_y compare an image-to-image model's outputs with targets; .* is a gan run"):
        evaluate_run(gan, "psnr_y")
    with pytest.raises(GenlabError, match="--hr/--lr are the test images of the paired protocols"):
        evaluate_run(gan, "fid1k", hr=hr_folder)


def test_the_cli_prints_the_paired_results(sr_run, hr_folder, capsys):
    assert main(["eval", str(sr_run), "--metrics", "ssim_y", "--hr", str(hr_folder), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"ssim_y", "paired_set", "paired_images"} and 0 < out["ssim_y"] <= 1


def test_the_python_api_upscales_tensors_and_images(sr_run, gan_run):
    import genlab

    run = genlab.load_run(sr_run)
    x = torch.rand(2, 3, 9, 7, generator=torch.Generator().manual_seed(0)) * 2 - 1
    out = run.upscale(x)
    assert out.shape == (2, 3, 18, 14) and torch.equal(out, run.model.upscale(x))
    image = torch.from_numpy(smooth(20, 30, 7)).permute(2, 0, 1).contiguous()
    assert genlab.upscale_image(run.model, image).shape == (3, 40, 60)
    with pytest.raises(GenlabError, match="is a gan run; upscale needs a super-resolution"):
        genlab.load_run(gan_run).upscale(x)


def test_cli_upscale_with_self_ensemble_writes_the_ensembled_image(sr_run, tmp_path, capsys):
    from genlab.data.images import read_image

    rng = np.random.default_rng(9)
    Image.fromarray(rng.integers(0, 256, (19, 26, 3), dtype=np.uint8)).save(tmp_path / "p.png")
    assert main(["upscale", str(sr_run), str(tmp_path / "p.png"), "--out", str(tmp_path / "up"), "--self-ensemble",
                 "--quiet"]) == 0
    written = read_image(tmp_path / "up" / "p_x2.png")
    model = load_run(sr_run).model
    image = read_image(tmp_path / "p.png")
    assert torch.equal(written, upscale_image(model, image, ensemble=True))
    assert not torch.equal(written, upscale_image(model, image))
    assert f"wrote {tmp_path / 'up' / 'p_x2.png'}" in capsys.readouterr().out

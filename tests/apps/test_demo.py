"""`genlab demo` end to end at a tiny budget: both models trained on one shared budget, a GIF each, a
side-by-side page whose every picture exists, and the studio command printed last."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from genlab.apps.demo import DEMO_MODELS, GIF_STEPS, DemoResult, write_page
from genlab.cli import main
from genlab.train.run import load_run


@pytest.fixture
def tiny_data(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", x=(rng.random((64, 28, 28)) * 255).astype(np.uint8), y=rng.integers(0, 4, 64))
    overrides = [f"data.path={tmp_path / 'd.npz'}", "data.name=npz", "train.batch_size=16", "model.net_args={width: 8}",
                 "train.n_samples=16", "train.tensorboard=false", "train.log_every=1"]
    return [arg for item in overrides for arg in ("--set", item)]


def page_sources(page: Path) -> list[Path]:
    return [page.parent / src for src in re.findall(r'src="([^"]+)"', page.read_text())]


def test_demo_trains_both_models_in_one_budget_and_writes_the_page(tiny_data, tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["demo", "--minutes", "0.04", "--out", str(out), "--no-eval", "--quiet", *tiny_data]) == 0
    text = capsys.readouterr().out
    runs = sorted(p for p in out.iterdir() if p.is_dir())
    assert [r.name.split("-", 1)[1] for r in runs] == [preset for preset, _, _ in DEMO_MODELS]
    for run, share in zip(runs, (2 / 9, 7 / 9)):
        cfg = yaml.safe_load((run / "config.yaml").read_text())
        assert cfg["train"]["minutes"] == pytest.approx(0.04 * share, rel=1e-4)  # its share of the budget
        assert json.loads((run / "summary.json").read_text())["step"] >= 1
        assert Image.open(run / "interpolate.gif").n_frames == 2 * GIF_STEPS - 2  # there and back
        assert f"{run.name.split('-', 1)[1]}: finished" in text
    page = out / "demo.html"
    sources = page_sources(page)
    assert len(sources) == 3 * len(runs) and all(p.is_file() for p in sources)  # samples, GIF, curves each
    assert {p.parent.name for p in sources} == {r.name for r in runs}
    assert text.rstrip().splitlines()[-2:] == [f"side by side: {page}", f"explore them: genlab studio --runs {out}"]


def test_demo_json_and_the_page_shows_the_metrics(tiny_data, tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["demo", "--minutes", "0.02", "--out", str(out), "--no-eval", "--quiet", "--json", *tiny_data]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [r["preset"] if "preset" in r else Path(r["run"]).name.split("-", 1)[1] for r in result["runs"]] == \
        [preset for preset, _, _ in DEMO_MODELS]
    assert result["studio"] == f"genlab studio --runs {out}" and Path(result["page"]).is_file()
    runs = [load_run(r["run"]) for r in result["runs"]]
    page = write_page(DemoResult(runs=runs, metrics=[{"fid1k": 123.456}, {"fid1k": 45.678}],
                                 gifs=[r.path / "interpolate.gif" for r in runs]), tmp_path / "page.html")
    html = page.read_text()
    assert "123.46" in html and "45.68" in html and html.index("seed-dcgan-mnist") < html.index("45.68")
    assert "labels 0-3 in turn" in html  # the conditional model's grid says how its labels are laid out
    assert all(p.is_file() for p in page_sources(page)), page_sources(page)  # relative to where the page is

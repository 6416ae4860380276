"""The studio's HTTP API through Starlette's test client: every endpoint, on tiny trained runs."""
from __future__ import annotations

import base64
import io
import json
import threading
import time

import numpy as np
import pytest
import torch
from PIL import Image

from genlab.apps.sample import sample_seeds
from genlab.studio.server import create_app
from genlab.train.run import load_run
from genlab.viz import make_grid


@pytest.fixture(scope="module")
def client(runs_root):
    from starlette.testclient import TestClient

    app = create_app(runs_root, allowed_hosts=["testserver"])
    with TestClient(app) as c:
        c.token = app.state.studio.token
        c.studio = app.state.studio
        yield c


def png(response) -> np.ndarray:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.content)))


def from_data_url(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def png_upload(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def post(client, url, **kwargs):
    return client.post(url, headers={"x-genlab-token": client.token, **kwargs.pop("headers", {})}, **kwargs)


def test_every_page_is_served_with_the_token_and_a_policy_that_allows_this_origin_only(client):
    from genlab.studio.pages import PAGES

    assert client.get("/", follow_redirects=False).headers["location"] == "/runs"
    names = [p["name"] for p in client.get("/api/pages").json()["pages"]]
    assert names == ["runs", "run", "sample", "explore", "restore", "upscale", "stylize", "translate", "audio", "train"] and len(PAGES) == len(names)
    for name in names:
        r = client.get(f"/{name}")
        assert r.status_code == 200 and f'content="{client.token}"' in r.text
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert "http" not in r.text.replace("http-equiv", "")  # no external URL anywhere in the page
        for asset in ("/static/studio.js", f"/static/{name}.js", "/static/studio.css"):
            assert asset in r.text and client.get(asset).status_code == 200


def test_runs_table_lists_every_run_with_its_facts(client, run_names):
    rows = {r["name"]: r for r in client.get("/api/runs").json()["runs"]}
    assert set(rows) == set(run_names.values())
    gan = rows[run_names["gan"]]
    assert (gan["preset"], gan["family"], gan["step"], gan["status"]) == ("seed-dcgan-mnist", "gan", 4, "finished")
    assert gan["thumbnail"] == "samples.png" and gan["checkpoints"] == 2 and "loss_d" in gan["losses"]
    assert rows[run_names["sr"]]["family"] == "sr"


def test_a_run_has_its_config_grids_over_time_and_curves(client, run_names, runs_root):
    name = run_names["vae"]
    info = client.get(f"/api/runs/{name}").json()
    assert info["config"]["family"] == "vae" and info["config"]["train"]["steps"] == 4
    assert [g["step"] for g in info["grids"]] == [0, 2, 4]
    grid = client.get(f"/files/{name}/{info['grids'][-1]['path']}")
    assert grid.content == (runs_root / name / "samples" / "step_000004.png").read_bytes()
    got = client.get(f"/api/runs/{name}/metrics").json()
    assert [r["step"] for r in got["records"]] == [1, 2, 3, 4] and got["training"] is False


def test_metrics_polling_returns_only_new_complete_lines(client, run_names, runs_root, tmp_path):
    import shutil

    src = runs_root / run_names["gan"]
    name = "99990-live-copy"
    shutil.copytree(src, runs_root / name)
    try:
        first = client.get(f"/api/runs/{name}/metrics").json()
        assert len(first["records"]) == 4
        assert client.get(f"/api/runs/{name}/metrics?offset={first['offset']}").json()["records"] == []
        with open(runs_root / name / "metrics.jsonl", "a") as f:
            f.write(json.dumps({"step": 5, "loss_d": 0.5}) + "\n" + '{"step": 6, "lo')  # a line being written
        second = client.get(f"/api/runs/{name}/metrics?offset={first['offset']}").json()
        assert second["records"] == [{"step": 5, "loss_d": 0.5}]
        with open(runs_root / name / "metrics.jsonl", "a") as f:
            f.write('ss_d": 0.25}\n')
        third = client.get(f"/api/runs/{name}/metrics?offset={second['offset']}").json()
        assert third["records"] == [{"step": 6, "loss_d": 0.25}]
    finally:
        shutil.rmtree(runs_root / name)


def test_a_sample_grid_equals_the_apps_own_sampling_seed_by_seed(client, run_names, runs_root):
    name = run_names["gan"]
    grid = png(client.get(f"/api/runs/{name}/sample.png?seeds=0-63&nrow=8"))
    assert grid.shape == (8 * 30 + 2, 8 * 30 + 2)  # 28-pixel tiles with 2-pixel padding
    expected = make_grid(sample_seeds(load_run(runs_root / name).model, list(range(64))), 8)[..., 0]
    assert np.array_equal(grid, expected)
    one = png(client.get(f"/api/runs/{name}/sample.png?seeds=9&nrow=1"))
    assert np.array_equal(one[2:30, 2:30], grid[32:60, 32:60])  # seed 9: row 1, column 1
    truncated = png(client.get(f"/api/runs/{name}/sample.png?seeds=0-3&truncation=0.5"))
    assert truncated.shape == (62, 62) and not np.array_equal(truncated, grid[:62, :62])


@pytest.mark.parametrize("query, message", [
    ("seeds=x", "seeds 'x' is not a list"), ("seeds=0-5000", "at most 1024"), ("truncation=-1", "out of range"),
    ("nrow=0", "out of range"), ("labels=1", "not class-conditional"), ("truncation=abc", "is not a number")])
def test_bad_sample_requests_are_one_line_errors(client, run_names, query, message):
    r = client.get(f"/api/runs/{run_names['gan']}/sample.png?{query}")
    assert r.status_code == 400 and message in r.json()["error"] and "\n" not in r.json()["error"]


def test_the_interpolation_slider_moves_from_one_seed_to_the_other(client, run_names):
    name = run_names["gan"]
    ends = png(client.get(f"/api/runs/{name}/sample.png?seeds=3,8&nrow=2"))
    start = png(client.get(f"/api/runs/{name}/interpolate.png?from=3&to=8&t=0"))
    end = png(client.get(f"/api/runs/{name}/interpolate.png?from=3&to=8&t=1&slerp=1"))
    middle = png(client.get(f"/api/runs/{name}/interpolate.png?from=3&to=8&t=0.5"))
    assert start.shape == (28, 28)
    assert np.array_equal(start, ends[2:30, 2:30])
    assert np.abs(end.astype(int) - ends[2:30, 32:60].astype(int)).max() <= 1  # slerp at t=1 is seed 8 (float rounding)
    assert not np.array_equal(middle, start) and not np.array_equal(middle, end)
    walk = png(client.get(f"/api/runs/{name}/walk.png?from=3&to=8&steps=5"))
    assert walk.shape == (32, 5 * 30 + 2)
    assert client.get(f"/api/runs/{name}/interpolate.png?t=2").json()["error"].startswith("'t' = 2 is out of range")


def test_latent_traversal_for_a_vae_and_a_clear_refusal_for_a_gan(client, run_names):
    grid = png(client.get(f"/api/runs/{run_names['vae']}/traverse.png?dims=0-2&steps=5&range=2"))
    assert grid.shape == (3 * 30 + 2, 5 * 30 + 2)
    r = client.get(f"/api/runs/{run_names['gan']}/traverse.png")
    assert r.status_code == 400 and "needs an autoencoder or VAE run" in r.json()["error"]
    r = client.get(f"/api/runs/{run_names['vae']}/traverse.png?dims=0,99")
    assert r.status_code == 400 and "latent dimension" in r.json()["error"]


def test_test_images_are_the_runs_own_data(client, run_names, runs_root):
    images = client.get(f"/api/runs/{run_names['ae']}/test-images?n=3").json()["images"]
    data = np.load(runs_root.parent / "d.npz")["x"]
    assert len(images) == 3 and all(np.array_equal(from_data_url(u), data[i]) for i, u in enumerate(images))


def test_denoise_matches_the_apps_report_and_inpaint_keeps_the_known_pixels(client, run_names, runs_root):
    from genlab.apps.images import held_out_images
    from genlab.apps.restore import denoise_report

    name = run_names["ae"]
    r = post(client, f"/api/runs/{name}/restore", json={"task": "denoise", "source": {"test": 2},
                                                         "noise": "gaussian:0.3", "seed": 7})
    assert r.status_code == 200, r.text
    run = load_run(runs_root / name)
    images, labels = held_out_images(run.config, 3)
    expected = denoise_report(run.model, images[2:3], "gaussian:0.3", seed=7)
    assert r.json()["quality"] == pytest.approx(expected.quality)
    assert set(r.json()["images"]) == {"input", "noisy", "output"}

    mask = np.zeros((28, 28), np.uint8)
    mask[10:18, 6:20] = 255  # the painted hole
    data_url = "data:image/png;base64," + base64.b64encode(png_upload(mask)).decode()
    r = post(client, f"/api/runs/{name}/restore", json={"task": "inpaint", "source": {"test": 0}, "mask": data_url,
                                                         "iterations": 3})
    out = r.json()
    assert r.status_code == 200 and out["quality"]["known_pixels_kept"] is True and out["quality"]["psnr_hole"] > 0
    original, filled = from_data_url(out["images"]["input"]), from_data_url(out["images"]["output"])
    assert np.array_equal(original[mask == 0], filled[mask == 0])
    assert from_data_url(out["images"]["masked"])[12, 10] == 128  # the hole shown grey


@pytest.mark.parametrize("body, message", [
    ({"task": "denoise", "source": {"test": 0}, "noise": "pink:1"}, "pink"),
    ({"task": "sharpen", "source": {"test": 0}}, "task 'sharpen' is unknown"),
    ({"task": "inpaint", "source": {"test": 0}, "mask": "data:image/png;base64," + base64.b64encode(
        png_upload(np.zeros((28, 28), np.uint8))).decode()}, "the mask is empty"),
    ({"task": "inpaint", "source": {"test": 0}, "mask": "not a data url"}, "data: URL"),
    ({"task": "denoise", "source": {"upload": "nope"}}, "upload 'nope' is unknown"),
    ({"task": "denoise", "source": "x"}, '"source" must be'),
    ({"task": "denoise", "source": {"test": 500}}, "out of range")])
def test_bad_restore_requests_are_one_line_errors(client, run_names, body, message):
    r = post(client, f"/api/runs/{run_names['ae']}/restore", json=body)
    assert r.status_code == 400 and message in r.json()["error"], r.text


def test_restore_refuses_a_gan_run(client, run_names):
    r = post(client, f"/api/runs/{run_names['gan']}/restore", json={"task": "denoise", "source": {"test": 0}})
    assert r.status_code == 400 and "needs an ae or vae run" in r.json()["error"]


def test_an_uploaded_image_of_another_size_is_resized_to_the_model(client, run_names):
    rng = np.random.default_rng(1)
    up = post(client, "/api/uploads", content=png_upload(rng.integers(0, 255, (40, 56, 3), dtype=np.uint8)))
    assert up.status_code == 201 and (up.json()["width"], up.json()["height"], up.json()["channels"]) == (56, 40, 3)
    r = post(client, f"/api/runs/{run_names['vae']}/restore", json={"task": "reconstruct", "source": {"upload": up.json()["id"]}})
    assert r.status_code == 200, r.text
    assert r.json()["note"] == "upload resized from 56x40 to 28x28"
    assert from_data_url(r.json()["images"]["output"]).shape == (28, 28)


def test_upscale_doubles_an_upload_through_the_sr_run_beside_bicubic(client, run_names):
    rng = np.random.default_rng(2)
    up = post(client, "/api/uploads", content=png_upload(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8))).json()
    r = post(client, f"/api/runs/{run_names['sr']}/upscale", json={"upload": up["id"]})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["scale"], out["width"], out["height"]) == (2, 48, 40)
    assert from_data_url(out["output"]).shape == (40, 48, 3) == from_data_url(out["bicubic"]).shape
    r = post(client, f"/api/runs/{run_names['gan']}/upscale", json={"upload": up["id"]})
    assert r.status_code == 400 and "needs a super-resolution (sr) run" in r.json()["error"]


def test_presets_list_names_and_families(client):
    presets = {p["name"]: p for p in client.get("/api/presets").json()["presets"]}
    assert presets["seed-dcgan-mnist"]["family"] == "gan" and presets["srcnn-x2-photos"]["family"] == "sr"


def _wait(client, job_id, statuses, seconds=60):
    for _ in range(int(seconds * 20)):
        state = client.get(f"/api/jobs/{job_id}").json()
        if state["status"] in statuses:
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {state}")


def test_start_watch_and_stop_a_training_run(client, runs_root):
    npz = runs_root.parent / "d.npz"
    overrides = f"data.name=npz\ndata.path={npz}\n# a comment\ntrain.batch_size=16\nmodel.net_args={{width: 8}}\ntrain.log_every=1\ntrain.checkpoint_every=1000"
    r = post(client, "/api/jobs", json={"preset": "seed-dcgan-mnist", "overrides": overrides, "steps": 100000})
    assert r.status_code == 201, r.text
    job = r.json()
    for _ in range(1200):
        state = client.get(f"/api/jobs/{job['id']}").json()
        if state["step"] >= 2:
            break
        time.sleep(0.05)
    assert state["status"] == "running" and state["run"] and state["total_steps"] == 100000
    runs = {x["name"]: x for x in client.get("/api/runs").json()["runs"]}
    assert runs[state["run"]]["status"] == "training"
    assert client.get(f"/api/runs/{state['run']}/metrics").json()["training"] is True
    stopped = post(client, f"/api/jobs/{job['id']}/stop")
    assert stopped.status_code == 200 and stopped.json()["status"] in ("stopping", "interrupted")
    final = _wait(client, job["id"], ("interrupted", "finished", "failed"))
    assert final["status"] == "interrupted" and final["error"] is None
    summary = json.loads((runs_root / final["run"] / "summary.json").read_text())
    assert summary["step"] == final["step"] and summary["checkpoint"] == f"checkpoints/step_{final['step']:06d}"
    assert any(j["id"] == job["id"] for j in client.get("/api/jobs").json()["jobs"])


def test_a_training_run_that_crashes_is_reported_and_the_server_keeps_going(client, runs_root, run_names):
    r = post(client, "/api/jobs", json={"preset": "seed-dcgan-mnist", "steps": 3,
                                        "overrides": ["data.name=npz", f"data.path={runs_root.parent / 'gone.npz'}"]})
    assert r.status_code == 201
    final = _wait(client, r.json()["id"], ("failed", "finished"))
    assert final["status"] == "failed" and "gone.npz" in final["error"]
    assert client.get(f"/api/runs/{run_names['gan']}").status_code == 200


@pytest.mark.parametrize("body, message", [
    ({}, '"preset" is required'), ({"preset": "nope"}, "preset 'nope' is unknown"),
    ({"preset": "seed-dcgan-mnist", "overrides": ["train.batch_size"]}, "not of the form key.sub=value"),
    ({"preset": "seed-dcgan-mnist", "overrides": 5}, '"overrides" must be'),
    ({"preset": "seed-dcgan-mnist", "steps": 0}, "'steps' = 0 is out of range")])
def test_bad_training_requests_are_one_line_errors(client, body, message):
    r = post(client, "/api/jobs", json=body)
    assert r.status_code == 400 and message in r.json()["error"], r.text
    assert post(client, "/api/jobs/nope/stop").status_code == 400


def test_a_run_deleted_while_open_is_a_clear_404_and_other_runs_still_work(client, runs_root, run_names):
    import shutil

    name = "99991-deleted"
    shutil.copytree(runs_root / run_names["gan"], runs_root / name)
    assert client.get(f"/api/runs/{name}/sample.png?seeds=0").status_code == 200  # now loaded and cached
    shutil.rmtree(runs_root / name)
    for url in (f"/api/runs/{name}/sample.png?seeds=0", f"/api/runs/{name}", f"/api/runs/{name}/metrics",
                f"/files/{name}/samples.png"):
        r = client.get(url)
        assert r.status_code == 404 and "does not exist" in r.json()["error"], url
    assert client.get(f"/api/runs/{run_names['gan']}/sample.png?seeds=0").status_code == 200


def test_two_clients_at_once_get_the_same_answers(client, run_names):
    url = f"/api/runs/{run_names['vae']}/sample.png?seeds=0-15"
    results = []
    threads = [threading.Thread(target=lambda: results.append(client.get(url))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and all(r.status_code == 200 for r in results)
    assert len({r.content for r in results}) == 1


def test_an_unexpected_failure_is_a_json_500_and_the_server_keeps_running(client, run_names, monkeypatch):
    import genlab.apps.sample as sample

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(sample, "sample_seeds", broken)
    from starlette.testclient import TestClient
    with TestClient(create_app(client.studio.root, allowed_hosts=["testserver"]), raise_server_exceptions=False) as c:
        r = c.get(f"/api/runs/{run_names['gan']}/sample.png")
        assert r.status_code == 500 and "unexpected RuntimeError: boom" in r.json()["error"]
        assert c.get("/api/runs").status_code == 200


def test_the_runs_table_reads_only_the_tail_of_a_long_metrics_log(runs_root, run_names, tmp_path):
    import shutil

    from genlab.apps.runs import run_info, tail_records

    run = tmp_path / "00000-long"
    shutil.copytree(runs_root / run_names["gan"], run)
    (run / "summary.json").unlink()  # a run still training: its step comes from the log
    with open(run / "metrics.jsonl", "a") as f:
        for step in range(5, 20005):
            f.write(json.dumps({"step": step, "loss_d": 1.0 / step}) + "\n")
    tail = tail_records(run, 4096)
    assert tail[-1] == {"step": 20004, "loss_d": 1.0 / 20004} and len(tail) < 200
    assert [r["step"] for r in tail] == list(range(tail[0]["step"], 20005))  # whole lines only, none cut
    info = run_info(run)
    assert info.step == 20004 and info.losses == {"loss_d": 1.0 / 20004}


def test_the_slider_walks_between_two_uploaded_images_through_the_encoder(client, run_names, runs_root):
    from genlab.apps.interpolate import encode_images

    data = np.load(runs_root.parent / "d.npz")["x"]
    ids = [post(client, "/api/uploads", content=png_upload(data[i])).json()["id"] for i in (0, 1)]
    name = run_names["vae"]
    first = png(client.get(f"/api/runs/{name}/interpolate.png?from=upload:{ids[0]}&to=upload:{ids[1]}&t=0"))
    run = load_run(runs_root / name)
    x = torch.from_numpy(data[:1]).float()[:, None] / 127.5 - 1
    expected = make_grid(run.model.generate(encode_images(run.model, x)), 1, padding=0)[..., 0]
    assert np.array_equal(first, expected)  # t=0 decodes the first image's latent
    last = png(client.get(f"/api/runs/{name}/interpolate.png?from=upload:{ids[0]}&to=upload:{ids[1]}&t=1"))
    assert not np.array_equal(first, last)
    mixed = png(client.get(f"/api/runs/{name}/walk.png?from=upload:{ids[0]}&to=7&steps=4"))
    assert mixed.shape == (32, 4 * 30 + 2)
    base = png(client.get(f"/api/runs/{name}/traverse.png?base=upload:{ids[1]}&dims=0&steps=3"))
    assert base.shape == (32, 3 * 30 + 2)
    r = client.get(f"/api/runs/{name}/interpolate.png?from=upload:gone&to=1")
    assert r.status_code == 400 and "upload 'gone' is unknown" in r.json()["error"]


def test_the_sample_page_learns_the_models_classes(client, runs_root, run_names, studio_train_overrides):
    import shutil

    from genlab.config import load_config
    from genlab.train.loop import train

    assert client.get(f"/api/runs/{run_names['gan']}/model").json()["num_classes"] == 0
    name = "99990-cgan"
    npz = runs_root.parent / "d.npz"  # labels 0-3
    cfg = load_config("cgan-mnist", studio_train_overrides + ["data.name=npz", f"data.path={npz}", "train.steps=2",
                                              "model.net_args={width: 8, spectral_norm: true}", "model.cr_weight=0"])
    train(cfg, run_dir=runs_root / name, progress=False)
    try:
        info = client.get(f"/api/runs/{name}/model").json()
        assert (info["family"], info["num_classes"], info["image"], info["step"]) == ("gan", 4, [1, 28, 28], 2)
        assert png(client.get(f"/api/runs/{name}/sample.png?seeds=0-3&labels=3")).shape == (62, 62)
        r = client.get(f"/api/runs/{name}/sample.png?seeds=0&labels=4")
        assert r.status_code == 400 and "classes 0-3" in r.json()["error"]
    finally:
        shutil.rmtree(runs_root / name)


def test_resume_a_run_from_the_train_api_continues_the_same_folder(client, runs_root, run_names):
    import shutil

    name = "99989-resumed"
    shutil.copytree(runs_root / run_names["gan"], runs_root / name)
    try:
        r = post(client, "/api/jobs", json={"resume": name, "steps": 7, "overrides": ["train.checkpoint_every=1000"]})
        assert r.status_code == 201, r.text
        final = _wait(client, r.json()["id"], ("finished", "failed", "interrupted"))
        assert (final["status"], final["run"], final["step"], final["preset"]) == ("finished", name, 7, "seed-dcgan-mnist")
        summary = json.loads((runs_root / name / "summary.json").read_text())
        assert summary["step"] == 7 and (runs_root / name / "checkpoints" / "step_000007").is_dir()
        steps = [json.loads(line)["step"] for line in (runs_root / name / "metrics.jsonl").read_text().splitlines()]
        assert steps == [1, 2, 3, 4, 5, 6, 7]  # the old curve, continued
    finally:
        shutil.rmtree(runs_root / name)


@pytest.mark.parametrize("body, status, message", [
    ({"resume": "00000-nope"}, 404, "does not exist"), ({"resume": 5}, 400, '"resume" must be'),
    ({"resume": "../x"}, 403, "")])
def test_bad_resume_requests_are_one_line_errors(client, body, status, message):
    r = post(client, "/api/jobs", json=body)
    assert r.status_code == status and message in r.json()["error"], r.text


def test_a_request_whose_client_went_away_stops_its_work():
    import asyncio

    from genlab.apps.progress import Cancelled
    from genlab.studio.http import cancellable

    class GoneAfterTwoChecks:  # a request whose client disconnects while the work runs
        checks = 0
        url = type("URL", (), {"path": "/api/work"})()

        async def is_disconnected(self):
            self.checks += 1
            return self.checks > 2

    class Stays:
        url = GoneAfterTwoChecks.url

        async def is_disconnected(self):
            return False

    done = []

    def work(cancel, pause):
        for i in range(500):
            if cancel():
                raise Cancelled(f"cancelled after {i} items")
            done.append(i)
            time.sleep(pause)
        return "finished"
    start = time.perf_counter()
    with pytest.raises(Cancelled):
        asyncio.run(cancellable(GoneAfterTwoChecks(), work, pause=0.01))
    assert 0 < len(done) < 200 and time.perf_counter() - start < 3  # stopped, not the whole 5 s of work
    done.clear()
    assert asyncio.run(cancellable(Stays(), work, pause=0)) == "finished" and len(done) == 500

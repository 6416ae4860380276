"""The studio's Stylize and Translate pages through Starlette's test client, on tiny runs: each result equals
what the application function gives for the same upload, and bad requests are one-line 400s."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from genlab.apps.fast_stylize import stylize_with_run
from genlab.apps.translate import translate_image
from genlab.data.images import read_image
from genlab.studio.pages.stylize import MAX_SIDE
from genlab.studio.server import create_app
from genlab.train.run import load_run
from test_studio_api import from_data_url, png_upload, post


@pytest.fixture(scope="module")
def client(image_apps_root):
    from starlette.testclient import TestClient

    torch.set_num_threads(1)
    app = create_app(image_apps_root, allowed_hosts=["testserver"])
    with TestClient(app) as c:
        c.token = app.state.studio.token
        yield c


def upload(client, array: np.ndarray) -> str:
    r = post(client, "/api/uploads", content=png_upload(array))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def chw(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(array).permute(2, 0, 1).contiguous() if array.ndim == 3 else torch.from_numpy(array)[None]


def hwc(image: torch.Tensor) -> np.ndarray:
    return image.permute(1, 2, 0).numpy() if image.shape[0] == 3 else image[0].numpy()


PHOTO = np.random.default_rng(3).integers(0, 256, (23, 37, 3), dtype=np.uint8)


def test_the_pages_are_listed_for_their_families(client):
    pages = {p["name"]: p for p in client.get("/api/pages").json()["pages"]}
    assert pages["stylize"]["families"] == ["style"] and pages["translate"]["families"] == ["pix2pix", "cyclegan"]
    assert client.get("/stylize").status_code == 200 and client.get("/translate").status_code == 200


def test_a_johnson_run_stylizes_the_photo_at_its_own_size(client, image_app_names, image_apps_root):
    name = image_app_names["johnson"]
    about = client.get(f"/api/runs/{name}/stylize").json()
    assert about["net"] == "johnson" and about["style"].endswith("style.png") and "starry-night" in about["styles"]
    r = post(client, f"/api/runs/{name}/stylize", json={"upload": upload(client, PHOTO)})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["width"], out["height"], out["net"], out["note"]) == (37, 23, "johnson", "")
    want = stylize_with_run(load_run(image_apps_root / name), chw(PHOTO)).image
    np.testing.assert_array_equal(from_data_url(out["output"]), hwc(want))
    np.testing.assert_array_equal(from_data_url(out["photo"]), PHOTO)


def test_an_adain_run_takes_an_uploaded_style_and_alpha(client, image_app_names, image_apps_root, monkeypatch):
    from genlab.apps import fast_stylize

    calls = []
    original = fast_stylize.stylize_with_run
    monkeypatch.setattr(fast_stylize, "stylize_with_run",
                        lambda *args, **kwargs: calls.append((args, kwargs)) or original(*args, **kwargs))
    name = image_app_names["adain"]
    style = read_image(image_apps_root.parent / "style.png", "RGB")
    body = {"upload": upload(client, PHOTO), "style_upload": upload(client, hwc(style).copy()), "alpha": 0.5}
    r = post(client, f"/api/runs/{name}/stylize", json=body)
    assert r.status_code == 200, r.text
    (args, kwargs), = calls
    assert torch.equal(args[1], chw(PHOTO)) and torch.equal(args[2], style) and kwargs["alpha"] == 0.5
    want = original(load_run(image_apps_root / name), chw(PHOTO), style, alpha=0.5).image
    np.testing.assert_array_equal(from_data_url(r.json()["output"]), hwc(want))


def test_a_large_photo_is_stylized_at_the_pages_size_cap(client, image_app_names):
    wide = np.random.default_rng(4).integers(0, 256, (40, MAX_SIDE + 200, 3), dtype=np.uint8)
    r = post(client, f"/api/runs/{image_app_names['johnson']}/stylize", json={"upload": upload(client, wide)})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["width"] == MAX_SIDE and out["height"] == round(40 * MAX_SIDE / (MAX_SIDE + 200))
    assert out["note"] == f"photo resized to {out['width']}x{out['height']}"
    assert from_data_url(out["photo"]).shape == from_data_url(out["output"]).shape == (out["height"], MAX_SIDE, 3)


@pytest.mark.parametrize("body,message", [
    ({"style": "mona-lisa"}, "style 'mona-lisa' is unknown; expected one of starry-night, klimt"),
    ({"style_upload": "nope"}, "nope"),
    ({"alpha": 1.5, "style": "klimt"}, "'alpha' = 1.5 is out of range; expected 0 to 1"),
])
def test_bad_adain_requests_are_one_line_errors(client, image_app_names, body, message):
    r = post(client, f"/api/runs/{image_app_names['adain']}/stylize", json={"upload": upload(client, PHOTO), **body})
    assert r.status_code in (400, 404) and message in r.json()["error"] and "\n" not in r.json()["error"]


def test_stylize_and_translate_refuse_runs_of_another_kind(client, image_app_names):
    r = post(client, f"/api/runs/{image_app_names['pix2pix']}/stylize", json={"upload": upload(client, PHOTO)})
    assert r.status_code == 400 and "needs a style-transfer (style) run" in r.json()["error"]
    r = client.get(f"/api/runs/{image_app_names['johnson']}/translate")
    assert r.status_code == 400 and "needs a pix2pix or cyclegan run" in r.json()["error"]


def test_pix2pix_translates_an_upload_or_its_edge_map(client, image_app_names, image_apps_root):
    name = image_app_names["pix2pix"]
    about = client.get(f"/api/runs/{name}/translate").json()
    assert (about["directions"], about["derive"], about["channels"]) == (["a2b"], "edges", 1)
    gray = np.random.default_rng(5).integers(0, 256, (30, 44), dtype=np.uint8)
    run = load_run(image_apps_root / name)
    for derive in (False, True):
        r = post(client, f"/api/runs/{name}/translate", json={"upload": upload(client, gray), "derive": derive})
        assert r.status_code == 200, r.text
        output, seen = translate_image(run, chw(gray), "a2b", derive_input=derive)
        np.testing.assert_array_equal(from_data_url(r.json()["output"]), hwc(output))
        np.testing.assert_array_equal(from_data_url(r.json()["input"]), hwc(seen))
        assert derive or np.array_equal(from_data_url(r.json()["input"]), gray)
    assert set(np.unique(hwc(seen))) <= {0, 255}  # the derived input is a binary edge map
    r = post(client, f"/api/runs/{name}/translate", json={"upload": upload(client, gray), "direction": "b2a"})
    assert r.status_code == 400 and "translates inputs to targets only" in r.json()["error"]
    tiny = np.zeros((6, 9), np.uint8)
    r = post(client, f"/api/runs/{name}/translate", json={"upload": upload(client, tiny)})
    assert r.status_code == 400 and r.json()["error"].startswith("the upload is 9x6; translating needs at least 8x8 pixels")


def test_cyclegan_translates_both_ways_and_has_nothing_to_derive(client, image_app_names, image_apps_root):
    name = image_app_names["cyclegan"]
    assert client.get(f"/api/runs/{name}/translate").json()["directions"] == ["a2b", "b2a"]
    gray = np.random.default_rng(6).integers(0, 256, (28, 28), dtype=np.uint8)
    run = load_run(image_apps_root / name)
    outs = {}
    for direction in ("a2b", "b2a"):
        r = post(client, f"/api/runs/{name}/translate", json={"upload": upload(client, gray), "direction": direction})
        assert r.status_code == 200 and r.json()["direction"] == direction, r.text
        outs[direction] = from_data_url(r.json()["output"])
        np.testing.assert_array_equal(outs[direction], hwc(translate_image(run, chw(gray), direction)[0]))
    assert not np.array_equal(outs["a2b"], outs["b2a"])
    r = post(client, f"/api/runs/{name}/translate", json={"upload": upload(client, gray), "derive": True})
    assert r.status_code == 400 and "no degradation" in r.json()["error"]

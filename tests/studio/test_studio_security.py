"""The studio's guards: files only from under the runs folder, capped uploads read only as images,
state changes only with the page's token from this origin, localhost only unless asked."""
from __future__ import annotations

import io
import logging
import os
import pickle

import numpy as np
import pytest
from PIL import Image

from genlab.studio.security import MAX_UPLOAD_BYTES
from genlab.studio.server import create_app


@pytest.fixture(scope="module")
def client(runs_root):
    from starlette.testclient import TestClient

    app = create_app(runs_root, allowed_hosts=["testserver"])
    with TestClient(app) as c:
        c.token = app.state.studio.token
        yield c


def post(client, url, token=True, **kwargs):
    headers = {"x-genlab-token": client.token} if token else {}
    return client.post(url, headers={**headers, **kwargs.pop("headers", {})}, **kwargs)


@pytest.mark.parametrize("path", [
    "/files/%2e%2e/d.npz", "/files/{run}/%2e%2e/%2e%2e/d.npz", "/files/{run}/..%2f..%2fd.npz",
    "/files/{run}/%2fetc%2fpasswd", "/files/{run}//etc/passwd", "/api/runs/%2e%2e/metrics",
    "/api/runs/%2e%2e", "/api/runs/..%2f..%2ftmp/sample.png", "/files/{run}/outside_link"])
def test_no_file_outside_the_runs_folder_is_served(client, run_names, runs_root, path):
    link = runs_root / run_names["gan"] / "outside_link"
    if not link.is_symlink():
        os.symlink(runs_root.parent / "d.npz", link)  # a symlink in a run folder pointing out of it
    r = client.get(path.format(run=run_names["gan"]))
    assert r.status_code in (403, 404), (path, r.status_code)
    assert r.headers["content-type"].startswith("application/json")
    assert r.content[:2] != b"PK" and b"root:" not in r.content  # neither the npz nor /etc/passwd


def test_a_symlinked_run_folder_pointing_out_is_refused(client, runs_root):
    outside = runs_root.parent / "outside_run"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("secret")
    link = runs_root / "99992-link-out"
    if not link.is_symlink():
        os.symlink(outside, link)
    r = client.get("/files/99992-link-out/secret.txt")
    assert r.status_code == 403 and "out of the runs folder" in r.json()["error"]
    assert "99992-link-out" not in [x["name"] for x in client.get("/api/runs").json()["runs"]]


def test_a_run_file_is_served_but_never_as_html_of_this_origin(client, run_names, runs_root):
    (runs_root / run_names["gan"] / "page.html").write_text("<script>alert(1)</script>")
    r = client.get(f"/files/{run_names['gan']}/page.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert r.headers["x-content-type-options"] == "nosniff"


def test_state_changes_need_the_token_and_this_origin(client):
    body = {"preset": "nope"}
    missing = post(client, "/api/jobs", token=False, json=body)
    assert missing.status_code == 403 and "needs the page's token" in missing.json()["error"]
    wrong = post(client, "/api/jobs", token=False, json=body, headers={"x-genlab-token": "guess"})
    assert wrong.status_code == 403
    cross = post(client, "/api/jobs", json=body, headers={"origin": "http://evil.example"})
    assert cross.status_code == 403 and "cross-site request from origin 'http://evil.example'" in cross.json()["error"]
    same = post(client, "/api/jobs", json=body, headers={"origin": "http://testserver"})
    assert same.status_code == 400 and "preset 'nope' is unknown" in same.json()["error"]  # through the guard
    for url in ("/api/uploads", "/api/jobs/x/stop", "/api/runs/x/restore", "/api/runs/x/upscale"):
        assert post(client, url, token=False, content=b"{}").status_code == 403, url


def test_a_request_for_another_host_name_is_refused(client):
    assert client.get("/api/runs", headers={"host": "attacker.example"}).status_code == 400  # DNS rebinding


def test_uploads_are_capped_and_only_ever_read_as_images(client, tmp_path):
    big = post(client, "/api/uploads", content=b"\0" * (MAX_UPLOAD_BYTES + 1))
    assert big.status_code == 413 and "over the limit" in big.json()["error"]
    empty = post(client, "/api/uploads", content=b"")
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    text = post(client, "/api/uploads", content=b"just text")
    assert text.status_code == 400 and "not an image genlab can read" in text.json()["error"]

    marker = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))
    evil = post(client, "/api/uploads", content=pickle.dumps(Payload()))
    assert evil.status_code == 400 and not marker.exists()  # read as an image, never unpickled


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client):
    img = Image.new("L", (5000, 5000))  # 25 MP of zeros: a few KB as PNG, over the 16.7 MP upload limit
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    assert len(buf.getvalue()) < MAX_UPLOAD_BYTES
    r = post(client, "/api/uploads", content=buf.getvalue())
    assert r.status_code == 400 and "declares 5000x5000 pixels, over the limit" in r.json()["error"]
    assert "the upload" in r.json()["error"] and "genlab-upload-" not in r.json()["error"]


def test_serve_binds_localhost_by_default_and_warns_for_another_host(runs_root, monkeypatch, caplog):
    import uvicorn

    from genlab.cli import main

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    with caplog.at_level(logging.WARNING, logger="genlab"):
        assert main(["studio", "--runs", str(runs_root)]) == 0
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8000 and not caplog.records
    with caplog.at_level(logging.WARNING, logger="genlab"):
        assert main(["studio", "--runs", str(runs_root), "--host", "0.0.0.0", "--port", "8123"]) == 0
    assert calls[-1]["host"] == "0.0.0.0" and calls[-1]["port"] == 8123
    assert any("anyone who can reach this address" in r.getMessage() for r in caplog.records)


def test_the_runs_table_survives_folders_that_are_not_runs(client, runs_root):
    (runs_root / "notes").mkdir(exist_ok=True)
    (runs_root / "notes" / "x.txt").write_text("x")
    (runs_root / "loose.txt").write_text("x")
    names = [x["name"] for x in client.get("/api/runs").json()["runs"]]
    assert "notes" not in names and "loose.txt" not in names and len(names) >= 4
    np.testing.assert_equal(client.get("/api/runs/notes").status_code, 400)

"""The studio's audio page through Starlette's test client: clips of a tiny WaveGAN by seed and label, and a
tiny enhancer on test clips with white noise and on uploads; bad input is a one-line 400 (or 413)."""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
import torch
from PIL import Image

soundfile = pytest.importorskip("soundfile", reason="audio needs soundfile and soxr (pip install 'genlab[audio]')")

from genlab.apps.audio import add_white_noise, enhance_clip, held_out_clips, si_sdr_report, spectrogram_image  # noqa: E402
from genlab.apps.sample import sample_seeds  # noqa: E402
from genlab.studio.pages.audio import MAX_AUDIO_BYTES  # noqa: E402
from genlab.studio.server import create_app  # noqa: E402
from genlab.train.run import load_run  # noqa: E402


@pytest.fixture(scope="module")
def client(audio_runs_root):
    from starlette.testclient import TestClient

    torch.set_num_threads(1)
    app = create_app(audio_runs_root, allowed_hosts=["testserver"])
    with TestClient(app) as c:
        c.token = app.state.studio.token
        yield c


def post(client, url, **kwargs):
    return client.post(url, headers={"x-genlab-token": client.token, **kwargs.pop("headers", {})}, **kwargs)


def wav_of(url: str) -> tuple[np.ndarray, int]:
    assert url.startswith("data:audio/wav;base64,")
    return soundfile.read(io.BytesIO(base64.b64decode(url.split(",", 1)[1])), dtype="float32")


def png_of(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def flac_bytes(audio: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    soundfile.write(buf, audio, rate, format="FLAC")
    return buf.getvalue()


def test_the_page_is_listed_for_audio_runs_and_plays_data_urls(client):
    page = next(p for p in client.get("/api/pages").json()["pages"] if p["name"] == "audio")
    assert page["families"] == ["audio-gan", "mel-vae", "enhance"] and page["nav"]
    r = client.get("/audio")
    assert r.status_code == 200 and "media-src 'self' data:" in r.headers["content-security-policy"]


def test_clips_are_the_apps_own_samples_seed_by_seed(client, audio_run_names, audio_runs_root):
    name = audio_run_names["audio-gan"]
    r = client.get(f"/api/runs/{name}/clips", params={"seeds": "3-5", "labels": "2,0"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["sample_rate"], out["seconds"]) == (16000, 1024 / 16000)
    assert [(c["seed"], c["label"]) for c in out["clips"]] == [(3, 2), (4, 0), (5, 2)]
    model = load_run(audio_runs_root / name).model
    expected = sample_seeds(model, [3, 4, 5], [2, 0, 2])
    for clip, want in zip(out["clips"], expected):
        audio, rate = wav_of(clip["wav"])
        assert rate == 16000 and audio.shape == (1024,)
        np.testing.assert_allclose(audio, want[0].numpy(), atol=1.5 / 32768)  # 16-bit WAV
        spec = png_of(clip["spectrogram"])
        assert spec.shape[:2] == (128, 1024 // 64 + 1) == tuple(spectrogram_image(want[0]).shape[2:])
    # the labels of a conditional run default to its classes, cycled
    out = client.get(f"/api/runs/{name}/clips", params={"seeds": "0-3"}).json()
    assert [c["label"] for c in out["clips"]] == [0, 1, 2, 0]


@pytest.mark.parametrize("query, message", [
    ({"seeds": "0-99"}, "at most 64"), ({"seeds": "x"}, "seeds"), ({"seeds": "0", "labels": "7"}, "label 7 is out of range")])
def test_bad_clip_requests_are_one_line_errors(client, audio_run_names, query, message):
    r = client.get(f"/api/runs/{audio_run_names['audio-gan']}/clips", params=query)
    assert r.status_code == 400 and message in r.json()["error"] and "\n" not in r.json()["error"]


def test_a_test_clip_with_white_noise_is_enhanced_with_its_si_sdr(client, audio_run_names, audio_runs_root):
    name = audio_run_names["enhance"]
    r = post(client, f"/api/runs/{name}/enhance", json={"source": {"test": 9}, "snr": 10, "seed": 4})
    assert r.status_code == 200, r.text
    out = r.json()
    run = load_run(audio_runs_root / name)
    clips, labels = held_out_clips(run.config, 10)
    clean = clips[9, 0]
    noisy = add_white_noise(clean, 10, 4)
    # the noise is at the SNR asked for (at 10 dB the mix of a 0.5 peak tone is rarely clipped)
    assert float(10 * torch.log10(clean.pow(2).mean() / (noisy - clean).pow(2).mean())) == pytest.approx(10, abs=0.05)
    enhanced = enhance_clip(run.model.enhance, noisy)
    assert out["label"] == int(labels[9]) == 1 and out["note"] == "test clip 9 + white noise at 10 dB SNR"
    for key, want in (("noisy", noisy), ("enhanced", enhanced), ("clean", clean)):
        audio, rate = wav_of(out[key]["wav"])
        np.testing.assert_allclose(audio, want.numpy(), atol=1.5 / 32768)
        assert png_of(out[key]["spectrogram"]).shape[:2] == (128, 17)
    report = si_sdr_report(noisy, enhanced, clean)
    assert out["si_sdr"] == pytest.approx(report)
    assert out["si_sdr"]["noisy"] == pytest.approx(10, abs=0.3)  # white noise at 10 dB: SI-SDR of the mix is ~10 dB


def test_an_uploaded_flac_of_another_rate_is_enhanced_chunk_by_chunk(client, audio_run_names, audio_runs_root):
    rate = 22050
    t = np.arange(int(9.3 * rate)) / rate  # longer than two 4 s windows: three chunks, cross-faded
    speech = 0.3 * np.sin(2 * np.pi * 300 * t) + 0.05 * np.random.default_rng(0).standard_normal(len(t))
    up = post(client, "/api/audio-uploads", content=flac_bytes(np.stack([speech, speech], 1), rate))
    assert up.status_code == 201, up.text
    assert up.json()["seconds"] == pytest.approx(9.3, abs=1e-3)
    r = post(client, f"/api/runs/{audio_run_names['enhance']}/enhance", json={"source": {"upload": up.json()["id"]}})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["si_sdr"] is None and out["clean"] is None and out["note"] == "upload"
    noisy, rate_out = wav_of(out["noisy"]["wav"])
    enhanced, _ = wav_of(out["enhanced"]["wav"])
    assert rate_out == 16000 and len(noisy) == len(enhanced) == round(9.3 * 16000)
    model = load_run(audio_runs_root / audio_run_names["enhance"]).model
    want = enhance_clip(model.enhance, torch.from_numpy(noisy))
    np.testing.assert_allclose(enhanced, want.numpy(), atol=1.5 / 32768)
    # a long clip's spectrogram is 128 rows and at most 1024 columns
    assert png_of(out["enhanced"]["spectrogram"]).shape[:2] == (128, 1024)


def test_bad_uploads_are_refused_with_a_reason(client):
    r = post(client, "/api/audio-uploads", content=b"this is not audio at all" * 10)
    assert r.status_code == 400 and "is not an audio file" in r.json()["error"] and "the upload" in r.json()["error"]
    r = post(client, "/api/audio-uploads", content=b"")
    assert r.status_code == 400 and "the upload is empty" in r.json()["error"]
    silent = flac_bytes(np.zeros(8000), 16000)
    r = post(client, "/api/audio-uploads", content=silent)
    assert r.status_code == 400 and "the upload is silent" in r.json()["error"]
    long = flac_bytes(0.1 * np.sin(np.arange(61 * 8000) / 3), 8000)
    r = post(client, "/api/audio-uploads", content=long)
    assert r.status_code == 400 and "longer than 60 s" in r.json()["error"] and "genlab enhance" in r.json()["error"]
    r = post(client, "/api/audio-uploads", content=b"\0" * (MAX_AUDIO_BYTES + 1))
    assert r.status_code == 413 and "over the limit" in r.json()["error"]
    r = client.post("/api/audio-uploads", content=silent)  # no token
    assert r.status_code == 403


@pytest.mark.parametrize("body, message", [
    ({}, '"source" must be'), ({"source": {"test": 64}}, "out of range"), ({"source": {"test": 30}}, "test clip 30 does not exist"),
    ({"source": {"test": 0}, "snr": "loud"}, "'snr' = 'loud' is not a number"), ({"source": {"upload": "nope"}}, "upload 'nope' is unknown")])
def test_bad_enhance_requests_are_one_line_errors(client, audio_run_names, body, message):
    r = post(client, f"/api/runs/{audio_run_names['enhance']}/enhance", json=body)
    assert r.status_code == 400 and message in r.json()["error"] and "\n" not in r.json()["error"]


def test_each_endpoint_refuses_the_other_family(client, audio_run_names):
    r = post(client, f"/api/runs/{audio_run_names['audio-gan']}/enhance", json={"source": {"test": 0}})
    assert r.status_code == 400 and "enhancing needs an enhance run" in r.json()["error"]
    r = client.get(f"/api/runs/{audio_run_names['enhance']}/clips")
    assert r.status_code == 400 and "generating clips needs an audio-gan or mel-vae run" in r.json()["error"]
    assert client.get("/api/runs/nope/clips").status_code == 404


def test_enhance_clip_is_what_genlab_enhance_writes_and_stops_when_cancelled(audio_run_names, audio_runs_root, tmp_path):
    from genlab.apps.enhance import enhance_file
    from genlab.apps.progress import Cancelled

    model = load_run(audio_runs_root / audio_run_names["enhance"]).model
    noisy = 0.2 * torch.randn(int(10.2 * 16000), generator=torch.Generator().manual_seed(0)).clamp(-1, 1)
    soundfile.write(tmp_path / "noisy.wav", noisy.numpy(), 16000, subtype="FLOAT")
    enhance_file(model.enhance, tmp_path / "noisy.wav", tmp_path / "clean.wav")
    written, _ = soundfile.read(tmp_path / "clean.wav", dtype="float32")
    np.testing.assert_allclose(enhance_clip(model.enhance, noisy).numpy(), written, atol=1.5 / 32768)
    calls = []

    def counted(x):
        calls.append(x.shape[-1])
        return model.enhance(x)
    with pytest.raises(Cancelled, match="after 1 of 3"):  # 10.2 s: windows of 4 s every 3.5 s
        enhance_clip(counted, noisy, cancel=lambda: len(calls) >= 1)
    assert calls == [4 * 16000]


def test_a_mel_vae_run_makes_the_same_clips_as_its_sample(client, audio_run_names, audio_runs_root):
    name = audio_run_names["mel-vae"]
    r = client.get(f"/api/runs/{name}/clips", params={"seeds": "0-2"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert [(c["seed"], c["label"]) for c in out["clips"]] == [(0, None), (1, None), (2, None)]
    expected = sample_seeds(load_run(audio_runs_root / name).model, [0, 1, 2])
    for clip, want in zip(out["clips"], expected):
        audio, rate = wav_of(clip["wav"])
        assert rate == 16000 and audio.shape == (1024,)
        np.testing.assert_allclose(audio, want[0].numpy(), atol=1.5 / 32768)  # 16-bit WAV

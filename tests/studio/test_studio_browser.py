"""The studio in a real browser: headless Chromium from Debian's `chromium` and `chromium-driver`
packages, driven by Selenium. Every page is opened and used (a seed set, a slider dragged, a mask
painted, a training run started and stopped); each test asserts on what the page shows and that the
browser asked nothing of any host but the studio's. Screenshots go to $GENLAB_SCREENSHOTS."""
from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

webdriver = pytest.importorskip("selenium.webdriver", reason="browser tests need selenium (pip install 'genlab[test]')")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

WAIT = 30  # seconds any one thing may take to show on 2 busy cores


@pytest.fixture(scope="module")
def server(runs_root):
    """The studio served by uvicorn on a free localhost port, in a thread."""
    yield from serve(runs_root)


def serve(root):
    """Serve the studio over `root` on a free localhost port in a thread; yields its base URL."""
    import uvicorn

    from genlab.studio.server import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(root)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("GENLAB_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def requested_urls(driver) -> list[str]:
    """The URLs the browser asked for since the last call (from its performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def only_local(driver, base: str) -> None:
    """Fail on any request not to the studio (data: and blob: URLs are the page's own; chrome:// and
    about: are the browser's built-in pages, never the network)."""
    urls = requested_urls(driver)
    assert any(u.startswith(base + "/") for u in urls), "the log shows no request at all"
    foreign = [u for u in urls if not u.startswith((base + "/", "data:", "blob:", "chrome://", "about:"))]
    assert not foreign, f"requests to other hosts: {foreign}"
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not [e for e in errors if not expected_error(e)], errors


def expected_error(message: str) -> bool:
    """Console errors a test provokes on purpose: the 400 of a bad request it makes."""
    return ("sample.png?seeds=nope" in message or "audio-uploads" in message) and "400" in message


def wait_for(driver, condition, what: str):
    return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(lambda d: condition(d), message=what)


def natural(driver, css: str) -> tuple[int, int]:
    return tuple(driver.execute_script(
        "const i = document.querySelector(arguments[0]); return i && i.complete ? [i.naturalWidth, i.naturalHeight] : [0, 0];", css))


def open_page(driver, base, path):
    driver.get("about:blank")  # stops the last page's polling (it may be another test's studio) ...
    requested_urls(driver)     # ... and forgets what it asked for, so only_local judges this page alone
    driver.get(base + path)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "header nav a"), f"the navigation bar of {path}")


def error_text(driver) -> str:
    return driver.find_element(By.ID, "error").text


def text(driver, css: str) -> str:
    """The text of the first element matching css ('' when none): read in one script, so a table the
    page redraws every second never hands back a stale element."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", css)


def test_runs_table_sorts_and_compares(browser, server, run_names, shots):
    open_page(browser, server, "/runs")
    rows = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#runs tbody tr")
                    if len(d.find_elements(By.CSS_SELECTOR, "#runs tbody tr")) >= 4 else None, "the runs table")
    names = [r.get_attribute("data-run") for r in rows]
    assert set(run_names.values()) <= set(names)
    assert natural(browser, f'tr[data-run="{run_names["gan"]}"] img.thumb')[0] == 4 * 30 + 2
    browser.find_element(By.CSS_SELECTOR, 'th[data-key="family"]').click()
    families = [r.find_elements(By.TAG_NAME, "td")[4].text for r in browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr")]
    assert families == sorted(families)
    for fam in ("gan", "ae"):
        browser.find_element(By.CSS_SELECTOR, f'tr[data-run="{run_names[fam]}"] input.pick').click()
    browser.find_element(By.ID, "compare-btn").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "compare").is_displayed() and
             len(d.find_elements(By.CSS_SELECTOR, "#compare-table tr")) > 3, "the compare table")
    head = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#compare-table tr:first-child th")]
    assert head[1:] == [run_names["gan"], run_names["ae"]] or head[1:] == [run_names["ae"], run_names["gan"]]
    assert browser.find_element(By.ID, "compare-legend").text.count("0000") == 2
    browser.save_screenshot(str(shots / "runs.png"))
    only_local(browser, server)


def test_run_page_shows_curves_and_grids_over_time(browser, server, run_names, shots):
    open_page(browser, server, f"/run?run={run_names['vae']}")
    wait_for(browser, lambda d: natural(d, "#grid")[0] == 4 * 30 + 2, "the newest sample grid")
    assert browser.find_element(By.CSS_SELECTOR, '[data-fact="step"]').text == "4"
    assert "step 4" in browser.find_element(By.ID, "grid-label").text
    slider = browser.find_element(By.ID, "grid-step")
    ActionChains(browser).click_and_hold(slider).move_by_offset(-slider.size["width"] // 2 + 2, 0).release().perform()
    wait_for(browser, lambda d: "step 0 " in d.find_element(By.ID, "grid-label").text, "the first grid")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#keys input")) >= 2
    drawn = browser.execute_script(
        "const c = document.getElementById('chart'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n;")
    assert drawn > 500  # the curves were drawn
    browser.save_screenshot(str(shots / "run.png"))
    only_local(browser, server)


def test_sample_page_draws_the_seeds_asked_for(browser, server, run_names, shots):
    open_page(browser, server, f"/sample?run={run_names['gan']}")
    wait_for(browser, lambda d: natural(d, "#grid")[0] == 8 * 30 + 2, "the default 64-image grid")
    wait_for(browser, lambda d: "unconditional" in text(d, "#classes"), "the model's classes")
    assert not browser.find_element(By.ID, "labels").is_enabled()
    seeds = browser.find_element(By.ID, "seeds")
    seeds.clear()
    seeds.send_keys("7-10")
    nrow = browser.find_element(By.ID, "nrow")
    nrow.clear()
    nrow.send_keys("2")
    browser.find_element(By.ID, "go").click()
    wait_for(browser, lambda d: natural(d, "#grid") == (2 * 30 + 2, 2 * 30 + 2), "a 2x2 grid of seeds 7-10")
    assert browser.find_element(By.ID, "download").get_attribute("href").startswith("blob:")
    assert "seeds 7-10" in browser.find_element(By.ID, "info").text
    seeds.clear()
    seeds.send_keys("nope")
    browser.find_element(By.ID, "go").click()
    wait_for(browser, lambda d: "seeds 'nope'" in error_text(d), "the error for bad seeds")
    browser.save_screenshot(str(shots / "sample.png"))
    only_local(browser, server)


def test_explore_slider_redraws_as_it_moves(browser, server, run_names, runs_root, shots, tmp_path):
    open_page(browser, server, f"/explore?run={run_names['vae']}")
    wait_for(browser, lambda d: natural(d, "#frame") == (28, 28) and natural(d, "#walk")[0] == 10 * 30 + 2, "frame and walk")
    wait_for(browser, lambda d: natural(d, "#traverse")[0] == 7 * 30 + 2, "the traversal")
    before = int(browser.find_element(By.ID, "frame").get_attribute("data-frames"))
    slider = browser.find_element(By.ID, "t")
    ActionChains(browser).click_and_hold(slider).move_by_offset(-slider.size["width"] // 4, 0) \
        .move_by_offset(-slider.size["width"] // 4, 0).release().perform()
    wait_for(browser, lambda d: int(d.find_element(By.ID, "frame").get_attribute("data-frames")) > before, "new frames")
    wait_for(browser, lambda d: float(d.find_element(By.ID, "frame").get_attribute("data-t")) < 0.2, "the frame at the slider")
    assert float(browser.find_element(By.ID, "t-value").text) < 0.2
    digit = tmp_path / "digit.png"
    Image.fromarray(np.load(runs_root.parent / "d.npz")["x"][5]).save(digit)
    frames = int(browser.find_element(By.ID, "frame").get_attribute("data-frames"))
    browser.find_element(By.ID, "to-file").send_keys(str(digit))  # the other end: an uploaded image
    wait_for(browser, lambda d: d.find_element(By.ID, "to").get_attribute("value").startswith("upload:"), "the upload")
    wait_for(browser, lambda d: int(d.find_element(By.ID, "frame").get_attribute("data-frames")) > frames, "a frame to it")
    assert not error_text(browser) and natural(browser, "#frame") == (28, 28)
    browser.save_screenshot(str(shots / "explore.png"))
    only_local(browser, server)


def test_restore_paints_a_mask_and_shows_the_inpainting_with_its_psnr(browser, server, run_names, shots):
    open_page(browser, server, f"/restore?run={run_names['ae']}")
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#picks img")) == 16, "the test images")
    Select(browser.find_element(By.ID, "task")).select_by_value("denoise")
    browser.find_element(By.ID, "go").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '#quality tr[data-key="psnr_denoised"]'), "denoise PSNR")
    assert browser.find_element(By.CSS_SELECTOR, '#quality tr[data-key="psnr_noisy"] td').text.endswith(" dB")
    browser.find_elements(By.CSS_SELECTOR, "#picks img")[3].click()
    Select(browser.find_element(By.ID, "task")).select_by_value("inpaint")
    canvas = browser.find_element(By.ID, "paint")
    ActionChains(browser).move_to_element_with_offset(canvas, -60, -20).click_and_hold() \
        .move_by_offset(60, 10).move_by_offset(60, 10).release().perform()
    painted = browser.execute_script(
        "const c = document.getElementById('paint'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] === 255 && d[i + 1] === 64 && d[i + 2] === 160) n++; return n;")
    assert painted > 10  # the brush marked the hole on the image
    browser.find_element(By.ID, "go").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '#quality tr[data-key="psnr_hole"]'), "inpaint PSNR")
    kept = browser.find_element(By.CSS_SELECTOR, '#quality tr[data-key="known_pixels_kept"] td').text
    assert kept == "true" and natural(browser, "#after") == (28, 28)
    browser.save_screenshot(str(shots / "restore.png"))
    only_local(browser, server)


def test_upscale_page_doubles_an_uploaded_image(browser, server, run_names, shots, tmp_path):
    photo = tmp_path / "small.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (30, 40, 3), dtype=np.uint8)).save(photo)
    open_page(browser, server, f"/upscale?run={run_names['sr']}")
    wait_for(browser, lambda d: Select(d.find_element(By.ID, "run")).first_selected_option.get_attribute("value") == run_names["sr"], "the SR run")
    browser.find_element(By.ID, "file").send_keys(str(photo))
    wait_for(browser, lambda d: natural(d, "#after") == (80, 60) and natural(d, "#before") == (80, 60), "the x2 output")
    assert "x2: 80x60 px" in browser.find_element(By.ID, "info").text
    browser.save_screenshot(str(shots / "upscale.png"))
    only_local(browser, server)


def test_train_page_starts_and_stops_a_run(browser, server, runs_root, shots):
    open_page(browser, server, "/train")
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#preset option")) > 5, "the presets")
    Select(browser.find_element(By.ID, "preset")).select_by_value("seed-dcgan-mnist")
    browser.find_element(By.ID, "steps").send_keys("100000")
    browser.find_element(By.ID, "overrides").send_keys(
        f"data.name=npz\ndata.path={runs_root.parent / 'd.npz'}\ntrain.batch_size=16\nmodel.net_args={{width: 8}}\n"
        "train.log_every=1\ntrain.sample_every=5\ntrain.n_samples=16\ntrain.checkpoint_every=100000")
    browser.find_element(By.ID, "start").click()
    row = '#jobs tbody tr:first-child'

    def step(d):
        shown = text(d, f"{row} td:nth-child(4)")
        return int(shown.split("/")[0]) if shown else 0
    wait_for(browser, lambda d: step(d) >= 3, "training steps counting up")
    first = step(browser)
    wait_for(browser, lambda d: step(d) > first, "the step number changing")
    wait_for(browser, lambda d: natural(d, "#watch-grid")[0] == 4 * 30 + 2, "the live sample grid")
    browser.save_screenshot(str(shots / "train.png"))
    wait_for(browser, lambda d: d.execute_script(
        "const b = document.querySelector(arguments[0]); if (b) b.click(); return !!b;", f"{row} button.stop"), "Stop")
    wait_for(browser, lambda d: text(d, f"{row} .status").startswith("interrupted"), "the stopped run")
    run = text(browser, f"{row} td a")
    summary = json.loads((runs_root / run / "summary.json").read_text())
    assert summary["status"] == "interrupted" and (runs_root / run / summary["checkpoint"]).is_dir()
    # resume it from the page: the same folder continues to the new total
    open_page(browser, server, "/train")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"#resume option[value='{run}']"), "the run to resume")
    Select(browser.find_element(By.ID, "resume")).select_by_value(run)
    assert not browser.find_element(By.ID, "preset").is_enabled() and text(browser, "#start") == "Resume training"
    browser.find_element(By.ID, "steps").send_keys(str(summary["step"] + 3))
    browser.find_element(By.ID, "start").click()
    wait_for(browser, lambda d: text(d, f"{row} .status").startswith("finished"), "the resumed run finishing")
    assert text(browser, f"{row} td a") == run and step(browser) == summary["step"] + 3
    assert json.loads((runs_root / run / "summary.json").read_text())["step"] == summary["step"] + 3
    only_local(browser, server)


@pytest.fixture(scope="module")
def audio_server(audio_runs_root):
    yield from serve(audio_runs_root)


def players(driver) -> list[dict]:
    """src, duration and readiness of every <audio> on the page."""
    return driver.execute_script("return [...document.querySelectorAll('audio')].map((a) => "
                                 "({src: a.src, duration: a.duration, ready: a.readyState, id: a.id}));")


def test_audio_page_plays_generated_clips_with_their_spectrograms(browser, audio_server, audio_run_names, shots):
    open_page(browser, audio_server, f"/audio?run={audio_run_names['audio-gan']}")
    wait_for(browser, lambda d: d.find_element(By.ID, "generate").is_displayed(), "the generate panel")
    browser.find_element(By.ID, "seeds").clear()
    browser.find_element(By.ID, "seeds").send_keys("10-15")
    browser.find_element(By.ID, "labels").send_keys("0-2")
    browser.find_element(By.ID, "gen").click()
    wait_for(browser, lambda d: "6 clips of 0.06 s at 16000 Hz" in text(d, "#gen-info"), "six clips")
    titles = browser.execute_script("return [...document.querySelectorAll('#clips .clip .muted')].map((e) => e.textContent);")
    assert titles == [f"seed {s}, label {i % 3}" for i, s in enumerate(range(10, 16))]  # labels 0-2, cycled
    sizes = browser.execute_script("return [...document.querySelectorAll('#clips img.spec')].map((i) => [i.complete, i.naturalWidth, i.naturalHeight]);")
    assert sizes == [[True, 17, 128]] * 6  # 1024 samples, hop 64: 17 frames of 128 bins
    # the browser decoded each WAV: 1024 samples at 16 kHz
    wait_for(browser, lambda d: all(p["ready"] >= 1 for p in players(d)), "the players' metadata")
    found = players(browser)
    assert len(found) == 6 and all(p["src"].startswith("data:audio/wav;base64,") for p in found)
    assert all(abs(p["duration"] - 1024 / 16000) < 1e-3 for p in found)
    assert browser.find_element(By.ID, "enhance").get_attribute("hidden") is not None
    browser.save_screenshot(str(shots / "audio-generate.png"))
    only_local(browser, audio_server)


def test_audio_page_enhances_a_noisy_test_clip_and_an_upload(browser, audio_server, audio_run_names, shots, tmp_path):
    import soundfile

    open_page(browser, audio_server, f"/audio?run={audio_run_names['enhance']}")
    wait_for(browser, lambda d: d.find_element(By.ID, "enhance").is_displayed(), "the enhance panel")
    browser.find_element(By.ID, "test").clear()
    browser.find_element(By.ID, "test").send_keys("9")
    browser.find_element(By.ID, "go").click()
    wait_for(browser, lambda d: "SI-SDR" in text(d, "#enh-info"), "the SI-SDR of the test clip")
    for name in ("noisy", "enhanced", "clean"):
        assert natural(browser, f"#{name}-spec") == (17, 128)
    assert re.search(r"SI-SDR: noisy -?\d+\.\d\d dB, enhanced -?\d+\.\d\d dB, improvement ([+-]\d|0)\.?\d* dB",
                     text(browser, "#enh-info")), text(browser, "#enh-info")
    assert "label 1" in text(browser, "#result") and "-0.00" not in text(browser, "#enh-info")
    wait_for(browser, lambda d: len(players(d)) == 3 and all(p["ready"] >= 1 for p in players(d)), "three players")
    assert all(p["src"].startswith("data:audio/wav;base64,") for p in players(browser))
    browser.save_screenshot(str(shots / "audio-enhance.png"))

    bad = tmp_path / "notes.wav"
    bad.write_text("not audio, only a name that says so")
    browser.find_element(By.ID, "file").send_keys(str(bad))
    wait_for(browser, lambda d: "is not an audio file" in error_text(d), "the error for a non-audio upload")
    assert "\n" not in error_text(browser) and "the upload" in error_text(browser)

    t = np.arange(int(5 * 8000)) / 8000  # 5 s at 8 kHz: two cross-faded windows
    noisy = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * np.random.default_rng(0).standard_normal(len(t))
    soundfile.write(tmp_path / "noisy.wav", noisy, 8000)
    browser.find_element(By.ID, "file").send_keys(str(tmp_path / "noisy.wav"))
    wait_for(browser, lambda d: "No clean reference" in text(d, "#enh-info"), "the enhanced upload")
    assert error_text(browser) == "" and text(browser, "#enh-info").startswith("5.00 s enhanced.")
    assert natural(browser, "#noisy-spec") == natural(browser, "#enhanced-spec") == (1024, 128)  # 1251 frames, averaged down
    wait_for(browser, lambda d: len(players(d)) == 2 and all(p["ready"] >= 1 for p in players(d)), "two players")
    assert all(abs(p["duration"] - 5) < 1e-3 for p in players(browser))
    browser.save_screenshot(str(shots / "audio-upload.png"))
    only_local(browser, audio_server)


RECORD_A_TONE = """
// on a click (a user gesture: an AudioContext only runs after one), a 440 Hz tone through MediaRecorder
// as a microphone's stream would go (no microphone in a test), then what the Record button does once stopped
document.getElementById("title").addEventListener("click", async () => {
  try {
    const ctx = new AudioContext();
    const tone = new OscillatorNode(ctx, { frequency: 440 }), gain = new GainNode(ctx, { gain: 0.5 });
    const sink = ctx.createMediaStreamDestination();
    tone.connect(gain).connect(sink);
    const recorder = new MediaRecorder(sink.stream), parts = [];
    recorder.ondataavailable = (e) => parts.push(e.data);
    const stopped = new Promise((ok) => { recorder.onstop = ok; });
    tone.start(); recorder.start();
    await new Promise((ok) => setTimeout(ok, 1500));
    recorder.stop(); await stopped; tone.stop(); ctx.close();
    const blob = new Blob(parts, { type: parts[0].type });
    window.recorded = { type: blob.type, bytes: blob.size };
    await uploadRecording(blob);
  } catch (e) { window.recorded = { error: String(e) }; }
}, { once: true });
"""


def test_a_recording_is_decoded_by_the_browser_and_uploaded_as_wav(browser, audio_server, audio_run_names, shots):
    import base64
    import io

    import soundfile

    open_page(browser, audio_server, f"/audio?run={audio_run_names['enhance']}")
    wait_for(browser, lambda d: d.find_element(By.ID, "enhance").is_displayed(), "the enhance panel")
    browser.execute_script(RECORD_A_TONE)
    browser.find_element(By.ID, "title").click()
    wait_for(browser, lambda d: "No clean reference" in text(d, "#enh-info") or "error" in (d.execute_script("return window.recorded") or {}),
             "the enhanced recording")
    recorded = browser.execute_script("return window.recorded")
    assert "error" not in recorded and recorded["bytes"] > 0, recorded
    assert recorded["type"].startswith("audio/webm")  # compressed: the page, not the server, decodes it
    assert error_text(browser) == ""
    src = browser.find_element(By.ID, "noisy-audio").get_attribute("src")
    audio, rate = soundfile.read(io.BytesIO(base64.b64decode(src.split(",", 1)[1])), dtype="float32")
    assert rate == 16000 and 1.2 < len(audio) / rate < 1.8
    middle = audio[len(audio) // 4: len(audio) // 4 + 8000]  # 0.5 s: 2 Hz bins
    assert abs(np.argmax(np.abs(np.fft.rfft(middle))) * 2 - 440) <= 2  # the tone that was recorded
    assert 0.4 < np.abs(middle).max() < 0.6
    browser.save_screenshot(str(shots / "audio-recording.png"))
    only_local(browser, audio_server)


@pytest.fixture(scope="module")
def image_server(image_apps_root):
    yield from serve(image_apps_root)


def shown(driver, css: str) -> np.ndarray:
    """The pixels of the data: URL image at `css`, decoded here."""
    import base64
    import io

    src = driver.find_element(By.CSS_SELECTOR, css).get_attribute("src")
    assert src.startswith("data:image/png;base64,"), src[:40]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))


def test_stylize_page_applies_an_adain_run_with_the_chosen_strength(browser, image_server, image_apps_root,
                                                                   image_app_names, shots, tmp_path):
    import torch

    from genlab.apps.fast_stylize import stylize_with_run
    from genlab.data.images import read_image
    from genlab.train.run import load_run

    photo = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(7).integers(0, 255, (30, 44, 3), dtype=np.uint8)).save(photo)
    name = image_app_names["adain"]
    open_page(browser, image_server, f"/stylize?run={name}")
    wait_for(browser, lambda d: d.find_element(By.ID, "adain").is_displayed(), "the AdaIN controls")
    browser.find_element(By.ID, "style-file").send_keys(str(image_apps_root.parent / "style.png"))
    browser.execute_script("const a = document.getElementById('alpha'); a.value = '0.4'; a.dispatchEvent(new Event('input'));")
    assert text(browser, "#alpha-value") == "0.40" and "uploaded: style.png" in text(browser, "#style")
    browser.find_element(By.ID, "file").send_keys(str(photo))
    wait_for(browser, lambda d: natural(d, "#after") == (44, 30) and "adain" in text(d, "#info"), "the stylized photo")
    want = stylize_with_run(load_run(image_apps_root / name), read_image(photo, "RGB"),
                            read_image(image_apps_root.parent / "style.png", "RGB"), alpha=0.4).image
    np.testing.assert_array_equal(shown(browser, "#after"), want.permute(1, 2, 0).numpy())
    np.testing.assert_array_equal(shown(browser, "#before"), np.asarray(Image.open(photo)))
    assert not torch.equal(want, torch.zeros_like(want))
    browser.save_screenshot(str(shots / "stylize.png"))
    only_local(browser, image_server)


def test_translate_page_runs_a_cyclegan_backwards(browser, image_server, image_apps_root, image_app_names, shots, tmp_path):
    from genlab.apps.translate import translate_image
    from genlab.data.images import read_image
    from genlab.train.run import load_run

    digit = tmp_path / "digit.png"
    Image.fromarray(np.random.default_rng(8).integers(0, 255, (28, 28), dtype=np.uint8)).save(digit)
    name = image_app_names["cyclegan"]
    open_page(browser, image_server, f"/translate?run={name}")
    wait_for(browser, lambda d: "cyclegan run" in text(d, "#about"), "the run's description")
    assert browser.find_element(By.ID, "derive").get_attribute("disabled") is not None  # unpaired: nothing to derive
    Select(browser.find_element(By.ID, "direction")).select_by_value("b2a")
    browser.find_element(By.ID, "file").send_keys(str(digit))
    wait_for(browser, lambda d: "b2a: 28x28 px" in text(d, "#info"), "the translation")
    want, _ = translate_image(load_run(image_apps_root / name), read_image(digit, "L"), "b2a")
    np.testing.assert_array_equal(shown(browser, "#output"), want[0].numpy())
    np.testing.assert_array_equal(shown(browser, "#input"), np.asarray(Image.open(digit)))
    browser.save_screenshot(str(shots / "translate.png"))
    only_local(browser, image_server)

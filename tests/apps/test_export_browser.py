"""The exported web page in headless Chromium: it samples an 8x8 grid with ONNX Runtime Web whose pixels
equal PyTorch's for the same seed and labels, and it fetches nothing but files from 127.0.0.1.

Needs Debian's `chromium` and `chromium-driver` and Selenium (skipped with a one-line reason without them),
and the pinned onnxruntime-web tarball from the npm registry once (skipped when it cannot be fetched)."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from genlab.apps import webexport
from genlab.errors import ChecksumError, DataError

pytest.importorskip("onnxscript", reason="ONNX export needs onnxscript: pip install 'genlab[export]'")
webdriver = pytest.importorskip("selenium.webdriver", reason="browser tests need Selenium: pip install 'genlab[test]'")
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

LEVELS = 2  # the page rounds half up, PyTorch half to even; ONNX Runtime Web's float kernels differ slightly


@pytest.fixture(scope="module")
def runtime():
    try:
        return webexport.ort_web_files()
    except ChecksumError:
        raise
    except DataError as exc:
        pytest.skip(f"onnxruntime-web cannot be fetched from the npm registry: {str(exc)[:150]}")


@pytest.fixture(scope="module")
def cgan_page(runtime, cgan_run, tmp_path_factory):
    """A class-conditional GAN run (weights made larger so that images vary) exported as a page."""
    from genlab.train.run import load_run

    run = load_run(cgan_run)
    with torch.no_grad():
        for p in run.model.parameters():
            p.mul_(4.0 if p.dim() > 1 else 1.0)
    page = tmp_path_factory.mktemp("cgan-page") / "page"
    webexport.export_web(run, page)
    return run, page


@pytest.fixture(scope="module")
def server(cgan_page):
    handler = functools.partial(_QuietHandler, directory=str(cgan_page[1]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def wait_for_sample(driver, seed: int) -> str:
    WebDriverWait(driver, 120).until(
        lambda d: d.find_element("id", "status").text.startswith(f"sampled seeds {seed}-")
        or d.find_element("id", "status").get_attribute("class") == "error")
    return driver.find_element("id", "status").text


def canvas_cells(driver, meta: dict) -> np.ndarray:
    """The canvas's 64 cells as uint8 (64, H, W, 3)."""
    width, height, data = driver.execute_script(
        "const c = document.getElementById('grid');"
        "return [c.width, c.height, Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)];")
    pixels = np.array(data, np.uint8).reshape(height, width, 4)
    h, w, pad, g = meta["height"], meta["width"], 2, meta["grid"]
    assert (width, height) == (g * (w + pad) + pad, g * (h + pad) + pad)
    return np.stack([pixels[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w, :3]
                     for r in range(g) for c in range(g)])


def pytorch_cells(model, inputs: dict[str, np.ndarray]) -> np.ndarray:
    with torch.no_grad():
        images = model.generate(torch.from_numpy(inputs["z"]), torch.from_numpy(inputs["labels"]))
    levels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()  # (64, 1, H, W)
    return np.repeat(levels.transpose(0, 2, 3, 1), 3, axis=3)


def test_page_samples_the_grid_pytorch_samples(cgan_page, server, browser, tmp_path):
    run, page = cgan_page
    import json
    meta = json.loads((page / "model.json").read_text())
    browser.get(server)
    assert wait_for_sample(browser, 0).startswith("sampled seeds 0-63 in ")  # drawn once on load
    first = canvas_cells(browser, meta)
    want = pytorch_cells(run.model, webexport.web_grid_inputs(0, meta["latent_dim"], meta["num_classes"]))
    assert np.abs(first.astype(int) - want).max() <= LEVELS
    assert first.std() > 10 and len({c.tobytes() for c in first}) == 64  # 64 different, non-blank images

    seed = browser.find_element("id", "seed")
    seed.clear()
    seed.send_keys("1000")
    Select(browser.find_element("id", "label")).select_by_value("2")
    browser.find_element("id", "sample").click()
    assert wait_for_sample(browser, 1000).startswith("sampled seeds 1000-1063 in ")
    second = canvas_cells(browser, meta)
    want = pytorch_cells(run.model, webexport.web_grid_inputs(1000, meta["latent_dim"], meta["num_classes"], label=2))
    assert np.abs(second.astype(int) - want).max() <= LEVELS and np.abs(second.astype(int) - first).max() > 20
    browser.save_screenshot(str(tmp_path / "export-web-page.png"))  # an artifact to look at

    requests = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);")
    assert requests and all(url.startswith(server) for url in requests), requests
    assert {Path(url).name for url in requests} >= {"model.json", "generator.onnx", "ort-wasm-simd-threaded.wasm"}
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_a_bad_seed_is_said_on_the_page(cgan_page, server, browser):
    browser.get(server)
    wait_for_sample(browser, 0)
    seed = browser.find_element("id", "seed")
    seed.clear()
    seed.send_keys("-5")
    browser.find_element("id", "sample").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_element("id", "status").get_attribute("class") == "error")
    assert "seed '-5' is not a whole number in 0-4294967295" in browser.find_element("id", "status").text

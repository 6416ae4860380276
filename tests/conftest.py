"""Shared fixtures: tiny image sets written as npz, a tiny GAN config that trains in seconds, and a
headless Chromium that reaches nothing but 127.0.0.1."""
from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
NO_BROWSER = ("browser tests need Debian's chromium and chromium-driver packages "
              "(apt-get install chromium chromium-driver)")


@pytest.fixture
def tiny_npz(tmp_path):
    """256 MNIST-sized images with a bright blob and labels 0-3, as an npz file."""
    rng = np.random.default_rng(0)
    x = np.zeros((256, 28, 28), np.uint8)
    y = rng.integers(0, 4, size=256)
    for i in range(256):
        r, c = 6 + 4 * (y[i] // 2), 6 + 4 * (y[i] % 2)
        x[i, r:r + 12, c:c + 12] = rng.integers(150, 256, size=(12, 12))
    path = tmp_path / "tiny.npz"
    np.savez(path, x=x, y=y)
    return path


@pytest.fixture
def tiny_overrides(tiny_npz, tmp_path):
    """Overrides that turn the seed preset into a seconds-long run on tiny_npz."""
    return [f"data.name=npz", f"data.path={tiny_npz}", "train.batch_size=16", "train.log_every=1",
            "train.sample_every=2", "train.checkpoint_every=2", "train.n_samples=16", "train.epochs=null",
            f"train.out={tmp_path / 'runs'}", "train.tensorboard=false", "model.net_args={width: 16}"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from Debian through Selenium (never a browser download), for one test module.
    Every host name but 127.0.0.1 resolves nowhere, so a request elsewhere fails and is seen; the
    performance log records every request the pages make."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(NO_BROWSER)
    webdriver = pytest.importorskip("selenium.webdriver", reason="browser tests need selenium: pip install 'genlab[test]'")
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must never download a browser or driver
    profile = tempfile.mkdtemp(prefix="genlab-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000", f"--user-data-dir={profile}",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    driver.get("about:blank")
    driver.get_log("performance")  # the browser's own start-up page (chrome:// resources): not ours
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """Without the browser, every test that needs it is skipped before any of its other fixtures run."""
    if CHROMIUM and CHROMEDRIVER:
        return
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=NO_BROWSER))


SONNET_18 = """Shall I compare thee to a summer's day?
Thou art more lovely and more temperate:
Rough winds do shake the darling buds of May,
And summer's lease hath all too short a date:
Sometime too hot the eye of heaven shines,
And often is his gold complexion dimm'd;
And every fair from fair sometime declines,
By chance, or nature's changing course untrimm'd;
But thy eternal summer shall not fade,
Nor lose possession of that fair thou ow'st;
Nor shall Death brag thou wander'st in his shade,
When in eternal lines to time thou grow'st:
So long as men can breathe or eyes can see,
So long lives this, and this gives life to thee.
"""


@pytest.fixture
def tiny_text(tmp_path):
    """About 4 KB of public-domain verse (Shakespeare's sonnet 18, six times) as a UTF-8 text file."""
    path = tmp_path / "sonnet.txt"
    path.write_text("\n".join(f"{i + 1}\n{SONNET_18}" for i in range(6)), encoding="utf-8")
    return path
@pytest.fixture
def tiny_wavs(tmp_path):
    """32 short WAV clips in 4 labelled subfolders: sine tones of 4 pitches (one per class) with a little
    noise, at 8 kHz stereo so that reading them resamples and mixes down."""
    import soundfile

    rng = np.random.default_rng(0)
    root = tmp_path / "wavs"
    t = np.arange(int(0.2 * 8000)) / 8000
    for label, freq in enumerate((300, 600, 1200, 2400)):
        (root / f"c{label}").mkdir(parents=True)
        for i in range(8):
            tone = 0.5 * np.sin(2 * np.pi * freq * (1 + 0.02 * i) * t) + 0.01 * rng.standard_normal(len(t))
            soundfile.write(root / f"c{label}" / f"{i}.wav", np.stack([tone, tone], 1), 8000)
    return root


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread from the first test that asks until the module ends: tiny convs are slower with 2
    threads on a busy 2-core machine; the setting is restored after."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """A test that sets torch's thread count (one thread is faster on two busy cores) must not change the
    float results of the tests after it: oneDNN picks kernels by thread count."""
    import torch

    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)

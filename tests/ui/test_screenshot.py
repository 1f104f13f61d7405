"""The real window under Xvfb after analysing the bundled sample: a screenshot with a
spectrogram and a heatmap in it (saved to artifacts/window.png)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.gui, pytest.mark.model]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "artifacts" / "window.png"


@pytest.fixture
def xvfb_display():
    """A private X server; yields its DISPLAY (":N")."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten",
         "tcp"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def _pixels(path: Path) -> np.ndarray:
    from PySide6.QtGui import QImage

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * height)
    rows = data.reshape(height, image.bytesPerLine())[:, : width * 3]
    return rows.reshape(height, width, 3).copy()  # a copy: the QImage owns `data`


def test_screenshot_of_the_analysed_sample(qapp, xvfb_display, tmp_path):
    from whisperscope.engine.models import bundled_models

    if not bundled_models():
        pytest.skip("no bundled model installed")
    ARTIFACT.parent.mkdir(exist_ok=True)
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui._screenshot_app", str(ARTIFACT),
         str(tmp_path / "settings.ini")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert info["tokens"] > 10 and "garden" in info["text"].lower()
    pixels = _pixels(ARTIFACT).astype(np.float32)
    assert pixels.shape[:2] == (info["size"][1], info["size"][0])
    for name in ("spectrogram", "heatmap"):
        x, y, w, h = (int(round(v * info["ratio"])) for v in info[name])
        assert w > 400 and h > 100, f"{name} plot area is {w}x{h}"
        region = pixels[y: y + h, x: x + w]
        assert region.std() > 12, f"{name} looks blank (std {region.std():.1f})"
        # not one flat colour with a line: many distinct colours
        colours = np.unique(region.reshape(-1, 3)[::7].astype(np.uint8), axis=0)
        assert len(colours) > 50, f"{name} has only {len(colours)} colours"


def test_screenshot_of_a_long_recording_with_a_reference(qapp, xvfb_display, tmp_path):
    """Over 30 s of real speech, the view past the first window, a TextGrid reference."""
    from whisperscope.engine.models import bundled_models

    from ._long_speech import timit_available, write_long_speech

    if "tiny.en" not in bundled_models():
        pytest.skip("the bundled tiny.en model is not installed")
    if not timit_available():
        pytest.skip("no TIMIT sample in ../shared/data/timit-dev")
    audio, reference = write_long_speech(tmp_path / "speech", seconds=36.0)
    artifact = ARTIFACT.with_name("window-long-reference.png")
    artifact.parent.mkdir(exist_ok=True)
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui._screenshot_app", str(artifact),
         str(tmp_path / "settings.ini"), str(audio), "--model", "tiny.en",
         "--reference", str(reference)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert info["view"][0] > 25.0  # the shot is past the first 30 s window
    assert len(info["painted_words"]) >= 10  # and its words are drawn there
    assert info["tiers"] == ["words", "reference", "tokens"]
    assert info["matched"] > 40 and "matched" in info["summary"]
    # no stretch of the view where the reference has words and we have none (the words of
    # 0:25-0:30 were lost once: the first window's last word ran on to 0:30)
    ours = info["words_in_view"]
    uncovered = [(a, b) for a, b in info["reference_in_view"]
                 if not any(s < b + 0.5 and e > a - 0.5 for s, e in ours)]
    assert len(uncovered) <= 2, f"reference words with none of ours near: {uncovered}"
    pixels = _pixels(artifact).astype(np.float32)
    x, y, w, h = (int(round(v * info["ratio"])) for v in info["heatmap"])
    assert pixels[y: y + h, x: x + w].std() > 12, "the heatmap looks blank"

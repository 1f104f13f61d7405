"""Readable at a glance (issue 25, item 5): the real window under Xvfb at 1024x640 and at
1600x1000, two timit-dev utterances (read in place, joined by a pause) analysed by tiny.en
and compared with their hand-labelled words as a TextGrid: the first view is the whole
recording, most word labels are drawn whole in the words tier, and the word list's time
and ΔS/ΔE columns are on screen. The screenshots are kept in artifacts/ to be looked at."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .test_screenshot import xvfb_display  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.gui, pytest.mark.model]
ROOT = Path(__file__).resolve().parents[2]
TIMIT = ROOT / ".." / "shared" / "data" / "timit-dev"
STEMS = ("dr7-fblv0/si1058", "dr7-fblv0/sx158")
PAUSE = 1.0  # seconds of silence between them


def _textgrid(words, duration: float) -> str:
    intervals, t = [], 0.0
    for text, start, end in words:
        if start > t:
            intervals.append((t, start, ""))
        intervals.append((start, end, text))
        t = end
    intervals.append((t, duration, ""))
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0",
             f"xmax = {duration}", "tiers? <exists>", "size = 1", "item []:", "    item [1]:",
             '        class = "IntervalTier"', '        name = "words"', "        xmin = 0",
             f"        xmax = {duration}", f"        intervals: size = {len(intervals)}"]
    for k, (a, b, text) in enumerate(intervals, 1):
        lines += [f"        intervals [{k}]:", f"            xmin = {a}",
                  f"            xmax = {b}", f'            text = "{text}"']
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """The joined utterances and their words as a reference TextGrid."""
    import soundfile as sf

    if not all((TIMIT / f"{s}.wav").exists() for s in STEMS):
        pytest.skip("../shared/data/timit-dev is absent")
    folder = tmp_path_factory.mktemp("legible")
    pieces, words, offset = [], [], 0.0
    for k, stem in enumerate(STEMS):
        samples, rate = sf.read(TIMIT / f"{stem}.wav", dtype="float32")
        for line in (TIMIT / f"{stem}.wrd").read_text().splitlines():
            a, b, text = line.split()
            words.append((text, offset + int(a) / rate, offset + int(b) / rate))
        pieces.append(samples)
        offset += len(samples) / rate
        if k + 1 < len(STEMS):
            pieces.append(np.zeros(int(PAUSE * rate), np.float32))
            offset += PAUSE
    audio = folder / "joined.wav"
    sf.write(audio, np.concatenate(pieces), 16000)
    reference = folder / "joined.TextGrid"
    reference.write_text(_textgrid(words, offset))
    return audio, reference, len(words)


@pytest.mark.parametrize(("size", "share"), [("1024x640", 0.5), ("1600x1000", 0.75)])
def test_labels_and_the_error_columns_are_on_screen(xvfb_display, recording,  # noqa: F811
                                                    tmp_path, size, share):
    from whisperscope.engine.models import bundled_models

    if "tiny.en" not in bundled_models():
        pytest.skip("the bundled tiny.en model is not installed")
    audio, reference, n_words = recording
    shot = ROOT / "artifacts" / f"legible-{size}.png"
    shot.parent.mkdir(exist_ok=True)
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui._legibility_app", str(shot),
         str(tmp_path / "settings.ini"), size, str(audio), str(reference),
         "--model", "tiny.en", "--device", "cpu"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    width, height = (int(v) for v in size.split("x"))
    assert result["window"] == [width, height]
    assert result["view"] == pytest.approx([0.0, result["duration"]])  # the whole recording
    assert result["words_in_view"] >= n_words - 2
    assert result["labelled"] >= share * result["words_in_view"], result
    columns = result["columns"]
    for title in ("Text", "Start", "End", "ΔS", "ΔE"):
        assert columns[title]["on_screen"], (title, columns)
    assert columns["Text"]["width"] >= 70, columns
    assert "matched" in result["summary"]

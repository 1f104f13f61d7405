"""Synthetic speech: the truth times match the audio (sound inside each word, exact silence
in gaps and pauses)."""

from __future__ import annotations

import numpy as np
import pytest

from whisperscope.audio.loader import load_audio
from whisperscope.synth import (
    SAMPLE_RATE,
    SynthSpeech,
    TruthWord,
    espeak_available,
    synthesize_phrases,
    synthesize_words,
    trim_silence,
)

needs_espeak = pytest.mark.skipif(
    not espeak_available(), reason="espeak-ng is not installed (apt install espeak-ng)"
)


def check_truth_matches_audio(speech: SynthSpeech) -> None:
    x, rate = speech.samples, speech.sample_rate
    edges = [0] + [i for w in speech.words for i in (round(w.start * rate), round(w.end * rate))]
    edges.append(len(x))
    for k, w in enumerate(speech.words):
        a, b = edges[1 + 2 * k], edges[2 + 2 * k]
        assert a / rate == pytest.approx(w.start, abs=1e-9)
        span = x[a:b]
        peak = np.abs(span).max()
        # the word's first and last samples are audible (trimmed at -50 dB of its peak)
        assert abs(span[0]) > peak * 10 ** (-50 / 20) and abs(span[-1]) > peak * 10 ** (-50 / 20)
        assert np.sqrt(np.mean(span**2)) > 0.01, w
    for k in range(len(speech.words) + 1):  # before, between and after the words
        assert not np.any(x[edges[2 * k] : edges[2 * k + 1]]), f"sound in silence {k}"


@needs_espeak
def test_words_with_gaps():
    speech = synthesize_words(["Hello,", "world"], gap=0.2)
    assert speech.sample_rate == SAMPLE_RATE and speech.samples.dtype == np.float32
    assert [w.text for w in speech.words] == ["Hello", "world"]
    first, second = speech.words
    assert first.start == 0.0 and speech.duration == pytest.approx(second.end)
    assert second.start - first.end == pytest.approx(0.2)
    assert 0.15 < first.end - first.start < 1.0
    check_truth_matches_audio(speech)


@needs_espeak
def test_phrases_with_long_pauses():
    speech = synthesize_phrases(
        ["Good morning everyone.", "Thank you for coming."], [7.0, 13.0], word_gap=0.1, lead_in=0.5
    )
    assert [w.phrase for w in speech.words] == [0, 0, 0, 1, 1, 1, 1]
    assert speech.text == "Good morning everyone Thank you for coming"
    onsets, offsets = speech.phrase_onsets, speech.phrase_offsets
    assert onsets[0] == 0.5
    assert onsets[1] - offsets[0] == pytest.approx(7.0)
    assert speech.duration - offsets[1] == pytest.approx(13.0)
    for a, b in zip(speech.words, speech.words[1:], strict=False):
        if a.phrase == b.phrase:
            assert b.start - a.end == pytest.approx(0.1)
    check_truth_matches_audio(speech)


@needs_espeak
def test_pauses_list_may_omit_the_tail():
    speech = synthesize_phrases(["one", "two"], [1.0], lead_in=0.25)
    assert speech.duration - speech.phrase_offsets[-1] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="3 phrases need 3 pauses"):
        synthesize_phrases(["a", "b", "c"], [1.0])


@needs_espeak
def test_speed_changes_word_length():
    slow = synthesize_words(["remarkable"], speed=100).words[0]
    fast = synthesize_words(["remarkable"], speed=300).words[0]
    assert slow.end - slow.start > 1.5 * (fast.end - fast.start)


@needs_espeak
@pytest.mark.parametrize("suffix", ["wav", "flac"])
def test_write_round_trips(tmp_path, suffix):
    speech = synthesize_words(["testing"], lead_in=0.3, tail=0.3)
    audio = load_audio(speech.write(tmp_path / f"speech.{suffix}"))
    assert audio.original_rate == SAMPLE_RATE and audio.channels == 1
    assert audio.duration == pytest.approx(speech.duration)
    np.testing.assert_allclose(audio.samples, speech.samples, atol=1 / 32768)
    truth = speech.truth()
    assert truth["words"][0] == {
        "text": "testing",
        "start": 0.3,
        "end": round(speech.words[0].end, 6),
        "phrase": 0,
    }


def test_trim_silence():
    x = np.zeros(1000, np.float32)
    x[200:300] = 0.5
    x[150] = 1e-4  # below -50 dB of the peak: silence
    x[320] = 0.01  # above it: still the word
    np.testing.assert_array_equal(trim_silence(x), x[200:321])
    assert trim_silence(np.zeros(10, np.float32)).size == 0


def test_truth_word_is_plain_data():
    w = TruthWord("hi", 1.0, 1.5, 0)
    assert (w.text, w.start, w.end, w.phrase) == ("hi", 1.0, 1.5, 0)

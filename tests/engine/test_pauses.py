"""The seed's experiment with the real tiny.en: speech with 7 s and 13 s pauses.

The truth is built by concatenating separately synthesised short phrases with known
silences between them (whisperscope.synth), so every phrase onset and end is known to the
sample. WhisperScope must place each phrase's first word within 0.2 s of its onset and end
each phrase's last word within 0.2 s of where its speech ends (no swallowed pauses).
"""

from __future__ import annotations

import pytest

from whisperscope.engine.analyzer import analyze
from whisperscope.engine.events import (
    Failed,
    Finished,
    TokenDecoded,
    WindowDone,
)
from whisperscope.synth import espeak_available, synthesize_phrases
from whisperscope.text_match import match_by_text

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed"),
]

PHRASES = [
    "The quick brown fox",
    "jumps over the lazy dog.",
    "She sells sea shells",
    "by the sea shore.",
    "Good morning everyone,",
    "thank you for coming.",
]
PAUSES = [0.8, 7.0, 0.8, 13.0, 0.8]  # silence after each phrase but the last
TOLERANCE = 0.2


@pytest.fixture(scope="module")
def paused_speech():
    return synthesize_phrases(PHRASES, PAUSES)


@pytest.fixture(scope="module")
def events(paused_speech, tiny_en, tmp_path_factory):
    from whisperscope.audio.loader import load_audio

    path = tmp_path_factory.mktemp("speech") / "pauses.wav"
    paused_speech.write(path)
    return list(analyze(load_audio(path), tiny_en))


@pytest.fixture(scope="module")
def analysis(events):
    failures = [e for e in events if isinstance(e, Failed)]
    assert not failures, failures
    assert isinstance(events[-1], Finished)
    return events[-1].analysis


def phrase_spans(speech):
    spans = {}
    for word in speech.words:
        start, end = spans.get(word.phrase, (word.start, word.end))
        spans[word.phrase] = (min(start, word.start), max(end, word.end))
    return [spans[i] for i in sorted(spans)]


def test_every_phrase_onset_and_end_is_within_tolerance(paused_speech, analysis):
    words = analysis.words
    assert len(words) >= 15, analysis.text
    for phrase, (onset, offset) in enumerate(phrase_spans(paused_speech)):
        inside = [w for w in words if onset - 1.0 <= w.start <= offset + 0.5]
        assert inside, f"nothing found for phrase {phrase} at {onset:.2f} s: {analysis.text}"
        assert abs(inside[0].start - onset) <= TOLERANCE, (phrase, onset, inside[0])
        assert abs(inside[-1].end - offset) <= TOLERANCE, (phrase, offset, inside[-1])


def test_no_word_covers_a_long_pause(paused_speech, analysis):
    spans = phrase_spans(paused_speech)
    for (_, pause_start), (pause_end, _) in zip(spans, spans[1:], strict=False):
        if pause_end - pause_start < 5:
            continue
        for word in analysis.words:
            covered = min(word.end, pause_end) - max(word.start, pause_start)
            assert covered < 0.3, (word, pause_start, pause_end)


def test_matched_word_onsets_are_mostly_right(paused_speech, analysis):
    pairs = match_by_text(paused_speech.words, analysis.words)
    assert len(pairs) >= 0.6 * len(paused_speech.words), analysis.text
    close = [abs(found.start - truth.start) <= TOLERANCE for truth, found in pairs]
    assert sum(close) >= 0.8 * len(close), [(t.text, t.start, f.start) for t, f in pairs]


def test_tokens_arrive_one_by_one_with_their_attention(events, analysis):
    decoded = [e for e in events if isinstance(e, TokenDecoded)]
    done = [e for e in events if isinstance(e, WindowDone)]
    assert len(decoded) > len(analysis.tokens)  # text tokens plus timestamps and EOT
    first_done = events.index(done[0])
    assert any(isinstance(e, TokenDecoded) for e in events[:first_done])
    heads = len(analysis.model.alignment_heads)
    for event in decoded:
        assert event.attention.shape[0] == heads
        assert event.attention.sum(axis=-1).max() <= 1.0001  # softmax rows, cut to audio
    window = analysis.windows[0]
    assert window.heads.shape == (heads, len(window.token_ids), window.n_frames)


def test_token_times_are_ordered_and_inside_the_audio(analysis):
    previous_start = -1.0
    for token in analysis.tokens:
        assert 0 <= token.start <= token.end <= analysis.audio.duration + 0.02
        assert token.start >= previous_start - 0.02
        previous_start = token.start

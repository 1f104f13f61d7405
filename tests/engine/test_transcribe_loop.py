"""The pieces of `transcribe`'s window loop, on planted windows: the prompt, the seek to the
last word, and the hallucination rule."""

from __future__ import annotations

import numpy as np
import pytest
from whisper.tokenizer import get_tokenizer

from whisperscope.engine.decoding.window_decoding import DecodedWindow
from whisperscope.engine.hallucination import (
    SegmentWords,
    TimedPiece,
    cut_hallucinations,
    is_segment_anomaly,
)
from whisperscope.engine.timing.window import TimedSegment, TimedWord, WindowTiming
from whisperscope.engine.transcribe_rules import (
    _Prompts,
    _seek_and_keep,
    _seek_clips,
    _taking_time,
)
from whisperscope.session.model import AnalysisSettings

TOKENIZER = get_tokenizer(False)
TS = TOKENIZER.timestamp_begin


def _decoded(ids, temperature=0.0):
    return DecodedWindow(tuple(TOKENIZER.sot_sequence), tuple(ids), (0.9,) * len(ids),
                         np.zeros((1, len(ids), 10), np.float32), -0.2, 0.01, temperature, "")


def test_the_prompt_grows_resets_and_carries_the_initial_prompt_as_whisper_does():
    ids = [TS, 1000, 1001, TS + 50, TS + 50, 1002, TS + 100, TOKENIZER.eot]
    segments = [TimedSegment(0.0, 1.0, " a", (0,), (0, 4)),
                TimedSegment(1.0, 2.0, " b", (1,), (4, 7))]
    settings = AnalysisSettings(initial_prompt="hi")
    initial = TOKENIZER.encode(" hi")
    prompts = _Prompts(settings, TOKENIZER, 448)
    assert prompts.next() == initial
    prompts.add(segments, _decoded(ids))
    assert prompts.next() == initial + ids[:7]
    prompts.add(segments[:1], _decoded(ids, temperature=0.6))  # hot: the prompt resets
    assert prompts.next() == []
    carried = _Prompts(AnalysisSettings(initial_prompt="hi", carry_initial_prompt=True),
                       TOKENIZER, 448)
    carried.add(segments, _decoded(ids, temperature=0.6))
    assert carried.next() == initial  # the reset keeps the carried initial prompt
    carried.add(segments[1:], _decoded(ids))
    assert carried.next() == initial + ids[4:7]


def _timing(ids, words, seek_frames):
    tokens = tuple(range(len(words)))
    seg = TimedSegment(words[0][1], words[-1][2], "".join(w[0] for w in words), tokens,
                       (0, len(ids)))
    timed = tuple(TimedWord(text, start, end, 0.9, (i,), 0)
                  for i, (text, start, end) in enumerate(words))
    return WindowTiming((), timed, (seg,), seek_frames)


def test_a_window_ending_mid_segment_seeks_to_its_last_word():
    # <|0.00|> a b <|1.00|> <|1.00|> c d ... (no closing timestamp): whisper's word branch
    ids = [TS, 1000, 1001, TS + 50, TS + 50, 1002, 1003]
    timing = _timing(ids, [(" a", 10.2, 10.5), (" b", 10.5, 11.0), (" c", 11.0, 11.3),
                           (" d", 11.3, 11.87)], seek_frames=100)
    seek, kept, dropped = _seek_and_keep(timing, _decoded(ids), TOKENIZER, AnalysisSettings(),
                                         1000, 3000, 0.0, 60.0, 6000)
    assert seek == 1187 and len(kept) == 1 and not dropped


def test_a_window_ending_on_a_lone_timestamp_moves_a_whole_window():
    ids = [TS, 1000, 1001, TS + 50, TOKENIZER.eot]
    timing = _timing(ids, [(" a", 10.2, 10.5), (" b", 10.5, 11.0)], seek_frames=3000)
    seek, _, _ = _seek_and_keep(timing, _decoded(ids), TOKENIZER, AnalysisSettings(), 1000,
                                3000, 0.0, 60.0, 6000)
    assert seek == 4000


def _segment(start, words):
    pieces = tuple(TimedPiece(text, s, e, p) for text, s, e, p in words)
    return SegmentWords(start, pieces[-1].end, pieces)


def test_a_segment_of_improbable_blips_is_an_anomaly_and_real_words_are_not():
    blips = _segment(5.0, [(" uh", 5.0, 5.02, 0.05), (" the", 5.02, 5.04, 0.1)])
    speech = _segment(1.0, [(" good", 1.0, 1.4, 0.9), (" morning", 1.4, 2.0, 0.8)])
    assert is_segment_anomaly(blips) and not is_segment_anomaly(speech)


def test_a_hallucination_between_silences_is_cut_and_the_next_window_starts_at_it():
    speech = _segment(1.0, [(" good", 1.0, 1.4, 0.9), (" morning", 1.4, 2.0, 0.8)])
    blips = _segment(12.0, [(" uh", 12.0, 12.02, 0.05), (" the", 12.02, 12.04, 0.1)])
    cut = cut_hallucinations([speech, blips], threshold=2.0, seek=3000, previous_seek=0,
                             segment_size=3000, single_timestamp_ending=True,
                             last_speech_timestamp=0.0, content_duration=60.0,
                             content_frames=6000)
    assert (cut.keep, cut.seek, cut.drop_window) == (1, 1200, False)
    kept = cut_hallucinations([speech], 2.0, 3000, 0, 3000, True, 0.0, 60.0, 6000)
    assert (kept.keep, kept.seek, kept.drop_window) == (1, 3000, False)


def test_a_window_opening_on_silence_then_a_hallucination_is_dropped():
    blips = _segment(6.0, [(" uh", 6.0, 6.02, 0.05), (" the", 6.02, 6.04, 0.1)])
    cut = cut_hallucinations([blips], 2.0, 3000, 0, 3000, True, 0.0, 60.0, 6000)
    assert cut.drop_window and cut.seek == 600


@pytest.mark.parametrize("clips, want", [
    ((), [(0, 5000)]), ((8.0,), [(800, 5000)]), ((1.0, 2.0, 30.0), [(100, 200), (3000, 5000)]),
    ((10.0, 99.0), [(1000, 5000)]),
])
def test_clip_timestamps_become_mel_frame_spans(clips, want):
    assert _seek_clips(clips, 5000) == want


def test_an_instantaneous_segment_is_cleared():
    real = TimedSegment(1.0, 2.0, " a", (0,), (0, 3))
    instant = TimedSegment(2.5, 2.5, " b", (1,), (3, 6))
    assert _taking_time([real, instant]) == [real]

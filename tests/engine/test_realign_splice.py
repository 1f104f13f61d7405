"""Splicing a re-aligned window into an Analysis: indices of everything after it shift, the
other windows stay as they were. Synthetic analyses with planted indices."""

from __future__ import annotations

import numpy as np

from whisperscope.engine.window_splice import splice_window, window_of_word, window_words
from whisperscope.session.model import (
    Analysis,
    AnalysisSettings,
    AudioInfo,
    ModelInfo,
    Segment,
    TokenTiming,
    WindowAttention,
    Word,
)

MODEL = ModelInfo("fake", "synthetic", "cpu", "float32", False, ((0, 0),), 1, 1)


def _window(index: int, start: float, texts) -> WindowAttention:
    n = len(texts) + 1
    return WindowAttention(index, start, 50, np.arange(n), (*texts, "<|eot|>"),
                           np.zeros((1, n, 50), np.float16), ((0, 0),), np.arange(n - 1))


def _records(texts, start, window, t0, w0, s0):
    """One segment of one-token words, indexed from (t0, w0, s0)."""
    tokens = [TokenTiming(t0 + i, 100 + i, text, start + i, start + i + 0.5, 0.9, window, i,
                          s0) for i, text in enumerate(texts)]
    words = [Word(text, start + i, start + i + 0.5, 0.9, (t0 + i,), s0)
             for i, text in enumerate(texts)]
    segment = Segment(s0, start, start + len(texts), "".join(texts),
                      tuple(range(w0, w0 + len(texts))), window)
    return tokens, words, [segment]


def _analysis(first, second) -> Analysis:
    t_a, w_a, s_a = _records(first, 0.0, 0, 0, 0, 0)
    t_b, w_b, s_b = _records(second, 30.0, 1, len(first), len(first), 1)
    return Analysis(AudioInfo("x.wav", "", 40.0, 16000, 1), MODEL, AnalysisSettings(),
                    segments=s_a + s_b, words=w_a + w_b, tokens=t_a + t_b,
                    windows=[_window(0, 0.0, first), _window(1, 30.0, second)])


def _consistent(analysis: Analysis) -> None:
    assert [t.index for t in analysis.tokens] == list(range(len(analysis.tokens)))
    assert [s.index for s in analysis.segments] == list(range(len(analysis.segments)))
    for w_index, word in enumerate(analysis.words):
        segment = analysis.segments[word.segment]
        assert w_index in segment.words
        for t in word.tokens:
            assert analysis.tokens[t].segment == word.segment
            assert analysis.tokens[t].window == segment.window


def test_a_first_window_with_more_words_shifts_the_second():
    analysis = _analysis([" a", " b", " c"], [" x", " y"])
    # the first window re-aligned as four words, the second spoken as two pieces
    new_tokens, new_words, new_segments = _records([" a", " bee", " and", " c"], 0.2, 0,
                                                   0, 0, 0)
    new_tokens.append(TokenTiming(4, 200, "!", 3.9, 3.9, 0.5, 0, 4, 0))
    new_words[-1] = Word(" c!", 3.2, 3.7, 0.7, (3, 4), 0, unaligned=True)
    spliced = splice_window(analysis, 0, _window(7, 0.0, [" a", " bee", " and", " c", "!"]),
                            new_tokens, new_words, new_segments)
    _consistent(spliced)
    assert [w.text for w in spliced.words] == [" a", " bee", " and", " c!", " x", " y"]
    assert spliced.words[3].tokens == (3, 4) and spliced.words[3].unaligned
    # the second window: same times and texts, indices shifted by 2 tokens and 1 word
    assert spliced.words[4:] == [
        Word(" x", 30.0, 30.5, 0.9, (5,), 1), Word(" y", 31.0, 31.5, 0.9, (6,), 1)]
    assert [t.index for t in spliced.tokens[5:]] == [5, 6]
    assert spliced.segments[1].words == (4, 5) and spliced.segments[1].index == 1
    assert spliced.windows[0].index == 0 and spliced.windows[1] is analysis.windows[1]
    # the original is untouched
    assert [w.text for w in analysis.words] == [" a", " b", " c", " x", " y"]
    assert analysis.segments[1].words == (3, 4)


def test_the_last_window_with_fewer_words_keeps_the_first():
    analysis = _analysis([" a", " b", " c"], [" x", " y", " z"])
    tokens, words, segments = _records([" xyz"], 30.1, 1, 0, 0, 0)
    spliced = splice_window(analysis, 1, _window(1, 30.0, [" xyz"]), tokens, words,
                            segments)
    _consistent(spliced)
    assert spliced.words[:3] == analysis.words[:3]
    assert spliced.tokens[:3] == analysis.tokens[:3]
    assert spliced.words[3] == Word(" xyz", 30.1, 30.6, 0.9, (3,), 1)
    assert spliced.segments[1].words == (3,)
    assert len(spliced.tokens) == 4


def test_words_of_a_window():
    analysis = _analysis([" a", " b"], [" x", " y", " z"])
    assert window_words(analysis, 0) == [0, 1]
    assert window_words(analysis, 1) == [2, 3, 4]
    assert window_of_word(analysis, 3) == 1


def test_words_are_re_aligned_as_written():
    from whisperscope.engine.realign import as_written

    assert as_written([" Hello,", "-like", "  spaced", " trailing\n", "字", "bare"]) == [
        " Hello,", "-like", " spaced", " trailing", "字", "bare"]


def test_where_a_windows_text_stops_as_kept_or_as_an_older_session_tells():
    import dataclasses

    import numpy as np
    from whisper.tokenizer import get_tokenizer

    from whisperscope.engine.realign import where_text_stops
    from whisperscope.session.model import WindowAttention

    tokenizer = get_tokenizer(False, language="en", task="transcribe")
    stamp = tokenizer.timestamp_begin
    text = tokenizer.encode(" Hello there.")

    def window(ids, text_end=None, known=True):
        return WindowAttention(0, 0.0, 1500, np.array(ids), tuple("x" for _ in ids),
                               np.zeros((0, 0, 0), np.float16), (), text_end=text_end,
                               text_end_known=known)

    paired = [stamp, *text, stamp + 1300, stamp + 1300, tokenizer.eot]  # stops at 26 s
    ran_on = [stamp, *text, stamp + 1500, tokenizer.eot]
    forced = [*text, tokenizer.eot]
    assert where_text_stops(window(forced, 1300), tokenizer, True) == (1300, True, True)
    assert where_text_stops(window(paired), tokenizer, True) == (None, False, True)  # kept
    older = lambda ids: dataclasses.replace(window(ids), text_end_known=False)  # noqa: E731
    assert where_text_stops(older(paired), tokenizer, False) == (1300, True, True)
    assert where_text_stops(older(ran_on), tokenizer, True) == (None, False, True)
    assert where_text_stops(older(forced), tokenizer, True) == (None, True, False)
    assert where_text_stops(older(forced), tokenizer, False) == (None, False, False)

"""A re-aligned window's place in an Analysis: which words a window holds, what a re-align
needs to know of it, and splicing its new records in (every later index shifts, the other
windows stay as they were). Pure and torch-free: the window's process uses it, while the
re-aligning itself (realign.py) runs where the model is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from whisperscope.engine.events import WindowDone
from whisperscope.engine.timing.anchors import Anchor
from whisperscope.engine.timing.transcript import TranscriptError
from whisperscope.session.model import Analysis, Segment, TokenTiming, WindowAttention, Word


@dataclass(frozen=True)
class RealignRequest:
    """What re-aligning one window needs of its analysis: the window (its start, frames,
    prompt), the words it is to hold (as written: each after the space before it, as the
    analysis's words and `transcript_words` write them; a word with none follows the one
    before it), and how it was decoded."""

    index: int  # of the window in the analysis
    window: WindowAttention
    words: tuple[str, ...]
    model_name: str
    language: str
    task: str
    no_speech_prob: float
    anchors: tuple[Anchor | None, ...] = ()  # per word: times the re-alignment keeps


def realign_request(analysis: Analysis, window_index: int, words: Sequence[str],
                    anchors: Sequence[Anchor | None] = ()) -> RealignRequest:
    if not words:
        raise TranscriptError("a window cannot be aligned with no words")
    old_segments = [s for s in analysis.segments if s.window == window_index]
    return RealignRequest(window_index, analysis.windows[window_index], tuple(words),
                          analysis.model.name,
                          analysis.language, analysis.settings.task,
                          old_segments[0].no_speech_prob if old_segments else 0.0,
                          tuple(anchors))


def window_words(analysis: Analysis, window_index: int) -> list[int]:
    """Indices of the words whose tokens belong to window `window_index`."""
    return [i for i, w in enumerate(analysis.words)
            if w.tokens and analysis.tokens[w.tokens[0]].window == window_index]


def window_of_word(analysis: Analysis, word_index: int) -> int:
    return analysis.tokens[analysis.words[word_index].tokens[0]].window


def splice_window(analysis: Analysis, window_index: int, attention: WindowAttention,
                  tokens: list[TokenTiming], words: list[Word],
                  segments: list[Segment]) -> Analysis:
    """A copy of `analysis` with window `window_index`'s tokens, words and segments
    replaced by these (indexed from 0, as if the window were alone) and its attention by
    `attention`; the indices of everything after it are shifted to match."""
    old_tokens = [t.index for t in analysis.tokens if t.window == window_index]
    old_segments = [s.index for s in analysis.segments if s.window == window_index]
    old_words = window_words(analysis, window_index)
    # where the window's records start (or would: windows are stored in order)
    t0 = old_tokens[0] if old_tokens else sum(t.window < window_index for t in analysis.tokens)
    s0 = old_segments[0] if old_segments else sum(
        s.window < window_index for s in analysis.segments)
    w0 = old_words[0] if old_words else sum(
        1 for w in analysis.words if analysis.tokens[w.tokens[0]].window < window_index)
    t1, s1, w1 = t0 + len(old_tokens), s0 + len(old_segments), w0 + len(old_words)
    dt, ds, dw = (len(tokens) - len(old_tokens), len(segments) - len(old_segments),
                  len(words) - len(old_words))
    replace = dataclasses.replace

    new_tokens = [
        *analysis.tokens[:t0],
        *(replace(t, index=t0 + t.index, window=window_index, segment=s0 + t.segment)
          for t in tokens),
        *(replace(t, index=t.index + dt, segment=t.segment + ds)
          for t in analysis.tokens[t1:]),
    ]
    new_words = [
        *analysis.words[:w0],
        *(replace(w, tokens=tuple(t0 + i for i in w.tokens), segment=s0 + w.segment)
          for w in words),
        *(replace(w, tokens=tuple(i + dt for i in w.tokens), segment=w.segment + ds)
          for w in analysis.words[w1:]),
    ]
    new_segments = [
        *analysis.segments[:s0],
        *(replace(s, index=s0 + s.index, window=window_index,
                  words=tuple(w0 + i for i in s.words)) for s in segments),
        *(replace(s, index=s.index + ds, words=tuple(i + dw for i in s.words))
          for s in analysis.segments[s1:]),
    ]
    windows = list(analysis.windows)
    windows[window_index] = dataclasses.replace(attention, index=window_index)
    return replace(analysis, tokens=new_tokens, words=new_words, segments=new_segments,
                   windows=windows)


def splice_done(analysis: Analysis, done: WindowDone) -> Analysis:
    """`splice_window` with the records of a re-aligned window."""
    return splice_window(analysis, done.window, done.attention, list(done.tokens),
                         list(done.words), list(done.segments))

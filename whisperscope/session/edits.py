"""Word boundaries moved by hand: the pure logic behind the window's boundary editor.

An edit set maps a word's index to its new (start, end) in seconds; words not in it keep
their aligned times. Moving a boundary follows Praat's TextGrid editor: where a word ends
exactly where the next begins (one boundary between them), both move together; times stay
ordered and every word keeps at least `MIN_DURATION`. `apply_edits` gives the Analysis every
view and exporter reads, with the words' tokens re-timed inside their word. Qt-free.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

from whisperscope.session.model import Analysis, Segment, TokenTiming, Word

MIN_DURATION = 0.01  # seconds a word keeps (one mel frame)
JOINED = 0.0015  # an end and the next start this close are one shared boundary
WordTimes = dict[int, tuple[float, float]]  # word index -> (start, end)
START, END = "start", "end"


def move_boundary(spans: Sequence[tuple[float, float]], index: int, side: str, t: float,
                  duration: float | None = None) -> WordTimes:
    """The spans that change when the `side` (START or END) of span `index` is dragged to
    time `t`, as {index: (start, end)}; {} when nothing moves.

    A boundary shared with the neighbour (or overlapping it) moves the neighbour's edge
    too, up to `MIN_DURATION` before the neighbour's other edge; a free one stops at the
    neighbour's edge, at 0 and at `duration`."""
    if not 0 <= index < len(spans) or side not in (START, END):
        raise ValueError(f"no {side} boundary of span {index}")
    start, end = spans[index]
    if side == END:
        after = spans[index + 1] if index + 1 < len(spans) else None
        joined = after is not None and after[0] <= end + JOINED
        lo = start + MIN_DURATION
        if after is None:
            hi = duration if duration is not None else math.inf
        else:
            hi = after[1] - MIN_DURATION if joined else after[0]
        new = _clamp(t, lo, hi)
        if new is None or new == end:
            return {}
        changed = {index: (start, new)}
        if joined:
            changed[index + 1] = (new, after[1])
        return changed
    before = spans[index - 1] if index > 0 else None
    joined = before is not None and before[1] >= start - JOINED
    hi = end - MIN_DURATION
    if before is None:
        lo = 0.0
    else:
        lo = before[0] + MIN_DURATION if joined else before[1]
    new = _clamp(t, lo, hi)
    if new is None or new == start:
        return {}
    changed = {index: (new, end)}
    if joined:
        changed[index - 1] = (before[0], new)
    return changed


def _clamp(t: float, lo: float, hi: float) -> float | None:
    if not math.isfinite(t) or lo > hi:
        return None
    return min(max(float(t), lo), hi)


def word_spans(words: Sequence[Word], edits: Mapping[int, tuple[float, float]]
               ) -> list[tuple[float, float]]:
    """Every word's (start, end) with the edits applied."""
    return [edits.get(i, (w.start, w.end)) for i, w in enumerate(words)]


def apply_edits(analysis: Analysis, edits: Mapping[int, tuple[float, float]]) -> Analysis:
    """`analysis` with the edited word times (the original is not changed).

    A word's tokens are stretched with it (their times keep their place inside the word);
    a segment whose first or last word moved starts or ends with it."""
    if not edits:
        return analysis
    words = list(analysis.words)
    tokens = list(analysis.tokens)
    for i, (start, end) in sorted(edits.items()):
        old = words[i]
        words[i] = dataclasses.replace(old, start=start, end=end)
        for k in old.tokens:
            tokens[k] = _retimed(tokens[k], old, start, end)
    segments = [_segment_bounds(s, words, edits) for s in analysis.segments]
    return dataclasses.replace(analysis, words=words, tokens=tokens, segments=segments)


def _retimed(token: TokenTiming, word: Word, start: float, end: float) -> TokenTiming:
    span = word.end - word.start
    scale = (end - start) / span if span > 0 else 0.0

    def place(t: float) -> float:
        return min(max(start + (t - word.start) * scale, start), end)

    return dataclasses.replace(token, start=place(token.start), end=place(token.end))


def _segment_bounds(segment: Segment, words: list[Word], edits: Mapping) -> Segment:
    if not segment.words:
        return segment
    first, last = segment.words[0], segment.words[-1]
    start = words[first].start if first in edits else segment.start
    end = words[last].end if last in edits else segment.end
    if (start, end) == (segment.start, segment.end):
        return segment
    return dataclasses.replace(segment, start=start, end=max(start, end))


# --- saved with a session -----------------------------------------------------------------
def edits_to_json(edits: Mapping[int, tuple[float, float]]) -> list[list[float]]:
    """[[word index, start, end], ...] in word order."""
    return [[int(i), float(s), float(e)] for i, (s, e) in sorted(edits.items())]


def edits_from_json(data, n_words: int) -> WordTimes:
    """The edit set saved by `edits_to_json`; ValueError for anything else (an index out
    of range, a time that is not a finite number, an end before its start)."""
    if not isinstance(data, list):
        raise ValueError("word edits must be a list of [index, start, end]")
    edits: WordTimes = {}
    for item in data:
        if not (isinstance(item, list) and len(item) == 3):
            raise ValueError(f"a word edit is [index, start, end], not {item!r}")
        index, start, end = item
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n_words:
            raise ValueError(f"word edit for word {index!r}, but there are {n_words} words")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                   for v in (start, end)) or end < start:
            raise ValueError(f"word edit {item!r} does not hold two ordered times")
        edits[index] = (float(start), float(end))
    return edits

"""Word and token boundaries moved by hand: the pure logic behind the window's boundary
editor.

An edit set maps a word's index to its new (start, end) in seconds; words not in it keep
their aligned times. Moving a boundary follows Praat's TextGrid editor: where a word ends
exactly where the next begins (one boundary between them), both move together; times stay
ordered and every word keeps at least `MIN_DURATION`. `apply_edits` gives the Analysis every
view and exporter reads, with the words' tokens re-timed inside their word. Qt-free.

Token boundaries move inside their word, by the same rules among the word's tokens: a
boundary between two tokens of one word moves both, and never past the word's start or end.
The word's own edges (its first token's start, its last token's end) are the word's
boundaries: dragging one of those from the tokens tier moves the word (and its joined
neighbour), with the tokens in proportion, exactly as dragging it in the words tier does.
A token edit is kept in its word's *aligned* frame (the times the token would have if its
word had not been moved), so a later move of the word stretches edited tokens with it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

from whisperscope.session.model import Analysis, Segment, TokenTiming, Word

MIN_DURATION = 0.01  # seconds a word keeps (one mel frame)
JOINED = 0.0015  # an end and the next start this close are one shared boundary
WordTimes = dict[int, tuple[float, float]]  # word index -> (start, end)
TokenTimes = dict[int, tuple[float, float]]  # token index -> (start, end), aligned frame
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


def apply_edits(analysis: Analysis, edits: Mapping[int, tuple[float, float]],
                token_edits: Mapping[int, tuple[float, float]] | None = None) -> Analysis:
    """`analysis` with the edited word and token times (the original is not changed).

    Edited tokens take their times first; then a moved word's tokens are stretched with it
    (their times keep their place inside the word); a segment whose first or last word
    moved starts or ends with it."""
    if not edits and not token_edits:
        return analysis
    words = list(analysis.words)
    tokens = list(analysis.tokens)
    for k, (start, end) in sorted((token_edits or {}).items()):
        tokens[k] = dataclasses.replace(tokens[k], start=start, end=end)
    for i, (start, end) in sorted(edits.items()):
        old = words[i]
        words[i] = dataclasses.replace(old, start=start, end=end)
        for k in old.tokens:
            tokens[k] = _retimed(tokens[k], old, start, end)
    segments = [_segment_bounds(s, words, edits) for s in analysis.segments]
    return dataclasses.replace(analysis, words=words, tokens=tokens, segments=segments)


def word_of_token(words: Sequence[Word], token: int) -> int | None:
    """The index of the word that token `token` belongs to, or None."""
    return next((i for i, w in enumerate(words) if token in w.tokens), None)


def move_token_boundary(analysis: Analysis, edits: Mapping[int, tuple[float, float]],
                        token_edits: Mapping[int, tuple[float, float]], index: int,
                        side: str, t: float) -> tuple[WordTimes, TokenTimes]:
    """The (word, token) edits that change when the `side` of token `index` of the aligned
    `analysis`, shown with `edits` and `token_edits`, is dragged to `t` (seconds on the
    recording, as shown); ({}, {}) when nothing moves.

    A word's first start or last end is the word's boundary (`move_boundary` on the words);
    any other moves inside the word, among its tokens, bounded by the word's edges."""
    if not 0 <= index < len(analysis.tokens) or side not in (START, END):
        raise ValueError(f"no {side} boundary of token {index}")
    owner = word_of_token(analysis.words, index)
    if owner is None:  # not part of a word: it has no boundary of its own to move
        return {}, {}
    word = analysis.words[owner]
    j = word.tokens.index(index)
    if (side == START and j == 0) or (side == END and j == len(word.tokens) - 1):
        spans = word_spans(analysis.words, edits)
        return move_boundary(spans, owner, side, t, analysis.audio.duration or None), {}
    start, end = word.start, word.end  # the aligned frame the token edits live in
    shown_start, shown_end = edits.get(owner, (start, end))
    if end - start <= 0 or shown_end - shown_start <= 0:
        return {}, {}
    aligned_t = start + (t - shown_start) * (end - start) / (shown_end - shown_start)
    # the word's tokens, relative to its start: move_boundary then stops at 0 and its length
    spans = [(a - start, b - start) for a, b in (
        token_edits.get(k, (analysis.tokens[k].start, analysis.tokens[k].end))
        for k in word.tokens)]
    changed = move_boundary(spans, j, side, aligned_t - start, end - start)
    return {}, {word.tokens[m]: (a + start, b + start) for m, (a, b) in changed.items()}


def carry_token_edits(old: Analysis, new: Analysis,
                      token_edits: Mapping[int, tuple[float, float]]) -> TokenTimes:
    """`token_edits` of `old` for `new`, another alignment of the same recording (a window
    re-aligned): kept for the tokens still there (same window, row and id), when they still
    fit inside their word; indices follow the tokens."""
    where = {(k.window, k.row, k.token_id): k.index for k in new.tokens}
    carried: TokenTimes = {}
    for i, times in token_edits.items():
        if not 0 <= i < len(old.tokens):
            continue
        token = old.tokens[i]
        j = where.get((token.window, token.row, token.token_id))
        owner = None if j is None else word_of_token(new.words, j)
        if owner is None:
            continue
        word = new.words[owner]
        if word.start - JOINED <= times[0] <= times[1] <= word.end + JOINED:
            carried[j] = times
    return carried


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
    """[[word (or token) index, start, end], ...] in index order."""
    return [[int(i), float(s), float(e)] for i, (s, e) in sorted(edits.items())]


def edits_from_json(data, n_words: int, kind: str = "word") -> WordTimes:
    """The edit set saved by `edits_to_json` (of words, or of tokens with `kind` "token");
    ValueError for anything else (an index out of range, a time that is not a finite
    number, an end before its start)."""
    if not isinstance(data, list):
        raise ValueError(f"{kind} edits must be a list of [index, start, end]")
    edits: WordTimes = {}
    for item in data:
        if not (isinstance(item, list) and len(item) == 3):
            raise ValueError(f"a {kind} edit is [index, start, end], not {item!r}")
        index, start, end = item
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n_words:
            raise ValueError(f"{kind} edit for {kind} {index!r}, but there are {n_words} "
                             f"{kind}s")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                   for v in (start, end)) or end < start:
            raise ValueError(f"{kind} edit {item!r} does not hold two ordered times")
        edits[index] = (float(start), float(end))
    return edits

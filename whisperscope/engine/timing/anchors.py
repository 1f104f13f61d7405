"""Times the user fixed: anchored words keep them, the others are timed between them.

A boundary the user placed or confirmed is an anchor: a word's start, its end, or both, in
global seconds. Re-alignment keeps every anchor where it is and times only what lies
between anchors, as a constraint on the DTW where a word's time is decided (boundaries.py):

- `anchor_band`: each unit row of the alignment pass may take only the frames between the
  anchors around its word (the latest anchored boundary before it, the earliest after it);
  any other frame costs `ANCHOR_COST`, more than any path through attention can gain, so
  the rows keep inside whatever the attention says.
- `place_anchored`: the DTW counts 20 ms frames; an anchored side is then set to its anchor
  exactly (to the millisecond and below), every other side kept between its neighbouring
  anchors, the tokens of a moved word stretched with it.

`match_anchors` gives each word of a text its anchor from word times read elsewhere (a
TextGrid, a JSON, the user's pins), matched by text in order. Pure, no model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from whisperscope.units import ENCODER_FRAME_SECONDS, MEL_FRAME_SECONDS

# What a frame outside its anchors costs a row, in z-scored attention units: a row's
# attention peak is 5-15 and a window has 1500 frames, so no path gains by paying it once.
ANCHOR_COST = 1e5


@dataclass(frozen=True)
class Anchor:
    """One word's fixed times in global seconds; None: that side is free."""

    start: float | None = None
    end: float | None = None

    @property
    def pinned(self) -> bool:
        return self.start is not None or self.end is not None


@dataclass(frozen=True)
class AnchorWord:
    """A word with times to keep, as read from a file or the user's pins: its text (to find
    it among the words being timed) and its anchored sides."""

    text: str
    start: float | None
    end: float | None


Bounds = tuple[float | None, float | None]  # anchored times before and after the words


def word_limits(anchors: Sequence[Anchor | None], bounds: Bounds = (None, None)
                ) -> list[tuple[float | None, float | None]]:
    """(lo, hi) seconds each word must lie within: the latest anchored boundary at or before
    its start, the earliest at or after its end (None: no anchor that side). `bounds`: the
    anchored times just before the first word and just after the last one (the words of a
    window are part of a longer text: the neighbouring windows' anchors bound them too).

    Boundaries are ordered start_0, end_0, start_1, end_1, ...; a word's start is boundary
    2k, its end 2k + 1."""
    times = _boundary_times(anchors)
    n = len(anchors)
    lows, latest = [], bounds[0]
    for k in range(n):
        if times[2 * k] is not None:
            latest = times[2 * k]
        lows.append(latest)
        if times[2 * k + 1] is not None:
            latest = times[2 * k + 1]
    highs, earliest = [None] * n, bounds[1]
    for k in reversed(range(n)):
        if times[2 * k + 1] is not None:
            earliest = times[2 * k + 1]
        highs[k] = earliest
        if times[2 * k] is not None:
            earliest = times[2 * k]
    return list(zip(lows, highs, strict=True))


def gap_limits(anchors: Sequence[Anchor | None], after_word: int,
               bounds: Bounds = (None, None)) -> tuple[float | None, float | None]:
    """(lo, hi) for what lies between word `after_word` and the next (-1: before the
    first word): a space between words, punctuation of its own."""
    times = _boundary_times(anchors)
    before = [t for t in [bounds[0], *times[: 2 * after_word + 2]] if t is not None]
    after = [t for t in [*times[2 * after_word + 2:], bounds[1]] if t is not None]
    return (before[-1] if before else None, after[0] if after else None)


def _boundary_times(anchors: Sequence[Anchor | None]) -> list[float | None]:
    times: list[float | None] = []
    for anchor in anchors:
        times += [None, None] if anchor is None else [anchor.start, anchor.end]
    return times


def _held(anchors: Sequence[Anchor | None], bounds: Bounds) -> bool:
    return any(a is not None and a.pinned for a in anchors) or \
        any(b is not None for b in bounds)


def anchor_band(word_of_unit: Sequence[int], anchors: Sequence[Anchor | None],
                window_start: float, n_frames: int, bounds: Bounds = (None, None)
                ) -> np.ndarray | None:
    """(n_units + 1, 2): the [lo, hi) window frames each unit row (and the end of text,
    the last row) may take: between the anchors around its word (`bounds`: those before
    and after the window's words). None without anchors."""
    if not _held(anchors, bounds):
        return None
    limits = word_limits(anchors, bounds)
    band = np.tile(np.array([0, n_frames]), (len(word_of_unit) + 1, 1))

    def frames(lo: float | None, hi: float | None) -> tuple[int, int]:
        a = 0 if lo is None else math.floor((lo - window_start) / ENCODER_FRAME_SECONDS)
        b = n_frames if hi is None else math.ceil((hi - window_start) / ENCODER_FRAME_SECONDS)
        a, b = min(max(a, 0), n_frames - 1), min(max(b, 0), n_frames)
        return a, max(b, a + 1)

    previous = -1  # the word a space or punctuation unit follows
    for u, word in enumerate(word_of_unit):
        if word >= 0:
            band[u] = frames(*limits[word]) if word < len(limits) else (0, n_frames)
            previous = word
        elif previous < 0:  # before the text: it takes whatever sound precedes it, from
            # the window's start (the DTW's path starts there; a band here made the first
            # letters take those frames, and the first word crushed at the anchor)
            band[u] = frames(None, gap_limits(anchors, previous, bounds)[1])
        else:
            band[u] = frames(*gap_limits(anchors, previous, bounds))
    last = [t for t in [bounds[0], *_boundary_times(anchors)] if t is not None]
    band[-1] = frames(last[-1] if last else None, None)
    return band


def place_anchored(words: list, tokens: list, anchors: Sequence[Anchor | None],
                   bounds: Bounds = (None, None)) -> tuple[list, list]:
    """`words` (TimedWord or Word: text, start, end, tokens) with every anchored side at
    its anchor and every other side inside its anchors (and `bounds`), and `tokens`
    (indexed by the words' `tokens`) stretched with their word. Words keep their order:
    none starts before the previous one ends."""
    if not _held(anchors, bounds):
        return words, tokens
    limits = word_limits(anchors, bounds)
    placed_words, placed_tokens = list(words), list(tokens)
    previous_end = None
    for k, word in enumerate(words):
        anchor = anchors[k] if k < len(anchors) else None
        lo, hi = limits[k] if k < len(limits) else (None, None)
        start = anchor.start if anchor is not None and anchor.start is not None else \
            _clamp(word.start, lo, hi)
        end = anchor.end if anchor is not None and anchor.end is not None else \
            _clamp(word.end, lo, hi)
        if previous_end is not None and (anchor is None or anchor.start is None):
            start = max(start, min(previous_end, end))
        end = max(end, start)
        placed_words[k] = replace(word, start=start, end=end)
        for i in word.tokens:
            placed_tokens[i] = _stretched(tokens[i], word.start, word.end, start, end)
        previous_end = end
    return placed_words, placed_tokens


def _clamp(t: float, lo: float | None, hi: float | None) -> float:
    if lo is not None:
        t = max(t, lo)
    if hi is not None:
        t = min(t, hi)
    return t


def _stretched(token, old_start: float, old_end: float, start: float, end: float):
    span = old_end - old_start
    scale = (end - start) / span if span > 0 else 0.0

    def place(t: float) -> float:
        return min(max(start + (t - old_start) * scale, start), end)

    return replace(token, start=place(token.start), end=place(token.end))


Clock = Callable[[float], float]  # seconds -> seconds of speech before them (monotone)


def match_anchors(texts: Sequence[str], anchor_words: Sequence[AnchorWord],
                  clock: Clock | None = None) -> list[Anchor | None]:
    """Each of `texts`' words' anchor: the anchor word matched to it by text (lower-case
    letters, digits, apostrophes), None where none matched. Both are in time order, and the
    anchors may be sparse (every 4th word) or cover every word.

    A word that occurs once in both is matched first. Between two such matches, as many of
    the other anchor words as can be are matched in order, and of those ways the one whose
    places fit the anchors' times best (by their time between the matches around them: a
    second "any" anchored late in a sentence is the sentence's second "any"). Words are
    spread over speech, not over pauses: `clock` (`speech_clock`, `word_clock`) says how
    much speech lies before a time, and an anchor's place is guessed on it (on the wall
    clock, a 2 s pause between two matches put the first anchored "in" of "in data
    analysis in this" on the second). A word one side writes as two ("grade-equivalent"
    against a TextGrid's "grade" and "equivalent") is matched whole (`_fitted`). One found
    nowhere in order is left out."""
    clock = clock or (lambda t: t)
    out: list[Anchor | None] = [None] * len(texts)
    words = [_normalised(t) for t in texts]
    anchor_words = _fitted(anchor_words, words, texts)
    wanted = [_normalised(a.text) for a in anchor_words]
    where: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        where.setdefault(w, []).append(i)
    count = {w: wanted.count(w) for w in set(wanted)}
    fixed: dict[int, int] = {}  # anchor -> word, for texts found once on each side
    last = -1
    for j, w in enumerate(wanted):
        if w and count[w] == 1 and len(where.get(w, ())) == 1 and where[w][0] > last:
            fixed[j] = last = where[w][0]
    chosen = dict(fixed)
    bounds = [(-1, -1), *sorted(fixed.items()), (len(wanted), len(words))]
    for (j0, i0), (j1, i1) in zip(bounds[:-1], bounds[1:], strict=True):
        between = [j for j in range(j0 + 1, j1) if wanted[j]]
        chosen.update(_matched_between(between, range(i0 + 1, i1), wanted, words,
                                       lambda j: _expected_index(j, anchor_words, fixed,
                                                                 clock)))
    for j, i in chosen.items():
        a = anchor_words[j]
        out[i] = Anchor(a.start, a.end)
    return out


def _fitted(anchor_words: Sequence[AnchorWord], words: Sequence[str], texts: Sequence[str]
            ) -> list[AnchorWord]:
    """The anchor words cut as the text cuts its words: consecutive anchors that together
    spell one word of the text ("grade" + "equivalent") become that word, from the first's
    start to the last's end, and one of them alone gives the word its side (the first part
    its start, the last its end); an anchor that spells two or three consecutive words of
    the text gives its start to the first of them and its end to the last. `words` are
    `texts` normalised."""
    known = set(words)
    wanted = [_normalised(a.text) for a in anchor_words]
    if all(not text or text in known for text in wanted):
        return list(anchor_words)
    compounds = {"".join(words[i: i + k]): (words[i], words[i + k - 1])
                 for k in (2, 3) for i in range(len(words) - k + 1)}
    first_parts, last_parts = {}, {}  # "grade" / "equivalent" -> "gradeequivalent"
    for text, word in zip(texts, words, strict=True):
        parts = [_normalised(p) for p in re.split(r"[-‐‑–—]", text) if _normalised(p)]
        if len(parts) > 1:
            first_parts.setdefault(parts[0], word)
            last_parts.setdefault(parts[-1], word)
    out, j = [], 0
    while j < len(anchor_words):
        anchor, text = anchor_words[j], wanted[j]
        if text and text not in known:
            joined = next((k for k in (2, 3) if j + k <= len(wanted)
                           and "".join(wanted[j: j + k]) in known), None)
            if joined:
                parts = anchor_words[j: j + joined]
                out.append(AnchorWord("".join(wanted[j: j + joined]), parts[0].start,
                                      parts[-1].end))
                j += joined
                continue
            if text in compounds:
                first, last = compounds[text]
                out += [AnchorWord(first, anchor.start, None), AnchorWord(last, None, anchor.end)]
                j += 1
                continue
            if text in first_parts or text in last_parts:
                first = text in first_parts
                out.append(AnchorWord(first_parts[text] if first else last_parts[text],
                                      anchor.start if first else None,
                                      None if first else anchor.end))
                j += 1
                continue
        out.append(anchor)
        j += 1
    return out


def _matched_between(anchors: list[int], places: range, wanted: list[str], words: list[str],
                     guess) -> dict[int, int]:
    """Anchors (indices into `wanted`) matched to words in `places` keeping the order: as
    many as can be, and of those ways the one nearest each anchor's `guess(j)` (an index).
    A greedy choice of the nearest could take a word a later anchor needed (the first of
    two "would"s chose the second across a pause, and the second found none)."""
    if not anchors or not len(places):
        return {}
    if len(anchors) * len(places) > MAX_MATCH_CELLS:  # no unique words to split the text
        out, previous = {}, places.start - 1
        for j in anchors:
            g = guess(j)
            found = [i for i in places if i > previous and words[i] == wanted[j]]
            if found:
                out[j] = previous = min(found, key=lambda i: abs(i - g) if g is not None
                                        else i)
        return out
    guesses = [guess(j) for j in anchors]
    n, m = len(anchors), len(places)
    # best[x][y]: (matches, -distance) with the first x anchors and the first y places
    best = [[(0, 0.0)] * (m + 1) for _ in range(n + 1)]
    for x in range(1, n + 1):
        j, g = anchors[x - 1], guesses[x - 1]
        for y in range(1, m + 1):
            i = places[y - 1]
            options = [best[x - 1][y], best[x][y - 1]]
            if words[i] == wanted[j]:
                count, distance = best[x - 1][y - 1]
                cost = abs(i - g) if g is not None else i
                options.append((count + 1, distance - cost))
            best[x][y] = max(options)
    out, x, y = {}, n, m
    while x > 0 and y > 0:
        j, i = anchors[x - 1], places[y - 1]
        if best[x][y] == best[x - 1][y]:
            x -= 1
        elif best[x][y] == best[x][y - 1]:
            y -= 1
        else:
            out[j] = i
            x, y = x - 1, y - 1
    return out


MAX_MATCH_CELLS = 1_000_000  # anchors x words matched in one go; beyond, nearest first


def _expected_index(j: int, anchor_words: Sequence[AnchorWord], fixed: dict[int, int],
                    clock: Clock) -> float | None:
    """Where anchor word `j` should be among the words, by its time on `clock` between the
    fixed matches around it (linearly); None when no fixed match gives a scale."""
    def time(k: int) -> float | None:
        a = anchor_words[k]
        t = a.start if a.start is not None else a.end
        return None if t is None else clock(t)

    t = time(j)
    points = sorted((time(k), i) for k, i in fixed.items() if time(k) is not None)
    if t is None or not points:
        return None
    before = [p for p in points if p[0] <= t]
    after = [p for p in points if p[0] > t]
    if before and after:
        (t0, i0), (t1, i1) = before[-1], after[0]
        return i0 + (t - t0) / max(t1 - t0, 1e-9) * (i1 - i0)
    if len(points) >= 2:  # outside them: at the rate between the first and the last
        (t0, i0), (t1, i1) = points[0], points[-1]
        rate = (i1 - i0) / max(t1 - t0, 1e-9)
    else:
        rate = WORDS_PER_SECOND
    t0, i0 = (before[-1] if before else after[0])
    return i0 + (t - t0) * rate


WORDS_PER_SECOND = 3.0  # read speech, for an anchor with one fixed match to go by
# Every time moves the speech clock a little, so two anchors in one pause keep their order.
PAUSE_CLOCK_RATE = 0.01


def speech_clock(voiced_10ms: np.ndarray) -> Clock:
    """Seconds of sound before each time, from the recording's voiced 10 ms frames."""
    before = np.concatenate([[0], np.cumsum(voiced_10ms)]) * MEL_FRAME_SECONDS
    return _clock(np.arange(len(before)) * MEL_FRAME_SECONDS, before)


def word_clock(starts: Sequence[float]) -> Clock:
    """For words already timed (their `starts`, in order): a time's place among them, as
    seconds of speech at `WORDS_PER_SECOND`."""
    return _clock(starts, np.arange(len(starts), dtype=float) / WORDS_PER_SECOND)


def _clock(times: Sequence[float], speech: np.ndarray) -> Clock:
    """Seconds of speech at any time, interpolated between (`times`, `speech`)."""
    return lambda t: float(np.interp(t, times, speech)) + PAUSE_CLOCK_RATE * t


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9']", "", text.lower())


def anchors_in(anchor_words: Sequence[AnchorWord], t0: float, t1: float
               ) -> list[AnchorWord]:
    """The anchor words whose anchored times lie in [t0, t1)."""
    def inside(a: AnchorWord) -> bool:
        times = [t for t in (a.start, a.end) if t is not None]
        return bool(times) and all(t0 - 1e-9 <= t <= t1 + 1e-9 for t in times)

    return [a for a in anchor_words if inside(a)]


def anchored_share(n_words: int, anchors: Sequence[Anchor | None], window_end: float) -> int:
    """How many of a transcript's remaining words (with `anchors`, word by word) a window
    ending at `window_end` takes, where the decoding suggested `n_words`: never a word
    anchored to start at or after the window's end, always every word up to the last one
    anchored to end inside it."""
    after = next((i for i, a in enumerate(anchors)
                  if a is not None and a.start is not None and a.start >= window_end),
                 len(anchors))
    inside = max((i for i, a in enumerate(anchors[:after])
                  if a is not None and a.end is not None and a.end <= window_end), default=-1)
    return max(min(n_words, after), inside + 1)

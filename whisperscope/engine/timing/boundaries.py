"""Word boundaries from the alignment pass's matrix: the DTW with pause states, and the
frames each word keeps."""

from __future__ import annotations

import numpy as np

from whisperscope.engine.timing.anchors import ANCHOR_COST
from whisperscope.engine.timing.dtw import dtw, row_start_frames

# What a silent frame costs a letter's row, in z-scored attention units, where a space's
# row pays nothing: 0.5 took every word out of the 7 s and 13 s pauses of the joined
# timit-dev pairs (0.0 left 5 of 16 files with the first word after the pause put before
# it) and moved clean-speech errors by under 1 ms; 0.5 to 2.0 measured alike.
PAUSE_COST = 0.5
# A silence this long inside a word's span is a pause after the word (200 ms): base left
# the last word before the 13 s pause of 6 of 16 joined pairs running to the next word's
# breath (307 ms mean end error there); cutting at 10 frames left clean timit-dev's ends
# as they were (36.3 ms), 5 frames cut stop closures (37.5 ms).
PAUSE_FRAMES = 10
# Where a window's text stops at a timestamp pair (the decoder leaves the rest to the next
# window), its last segment's letters pay BAND_COST per frame (z-scored attention units; a
# row's peak is 5-15, so all but a wall) further than TEXT_END_MARGIN past that timestamp
# (window.text_end_band). Without it, tiny.en's pass put the "o" of "old" (53.5 s) on the
# "o" of "outcast" (55.9 s) in a 62 s recording of joined timit-dev utterances, and the next
# window skipped what lay between. 50 frames (1 s) is looser than whisper's own 0.5 s rule
# for a last word that runs past its segment; measured on timit-dev's long60, clean,
# pair and noise sets (bench/RESULTS.md).
BAND_COST = 10.0
TEXT_END_MARGIN = 50


def unit_starts(
    matrix: np.ndarray,
    voiced: np.ndarray | None,
    pause_rows: np.ndarray | None = None,
    pause_cost: float = PAUSE_COST,
    open_end: bool = False,
    band: np.ndarray | None = None,
    anchor_band: np.ndarray | None = None,
) -> np.ndarray:
    """First frame of each row on the DTW path through `matrix` (n_rows, n_frames).

    Silent frames cost the same for every row, so attention cannot pull a boundary into a
    pause. With `pause_rows` (bool per row: the spaces between words and the end of text),
    a silent frame costs `pause_cost` more on any other row: a pause is spent on a space,
    never on a word, so the word after a long pause cannot start before it.

    With `open_end`, the last row (the end of text) never costs more than nothing: sound
    after the text (speech the decoder left for the next window) is spent there instead of
    stretching the text over it, as if the path could end before the window does.

    `band` (n_rows, 2): [lo, hi) frames each row may take at no extra cost; any other frame
    costs it BAND_COST (see `window.text_end_band`). `anchor_band` (n_rows, 2): the frames
    between the user's anchors around each row's word (anchors.anchor_band); any other
    frame costs ANCHOR_COST, which no path pays."""
    cost = -matrix.astype(np.float64)
    if voiced is not None and voiced.any():
        silent = ~voiced[None, :]
        penalty = 0.0 if pause_rows is None else np.where(pause_rows, 0.0, pause_cost)[:, None]
        cost = np.where(silent, np.broadcast_to(penalty, cost.shape), cost)
    if open_end:
        cost[-1] = np.minimum(cost[-1], 0.0)
    if band is not None:
        frames = np.arange(cost.shape[1])[None, :]
        outside = (frames < band[:, :1]) | (frames >= band[:, 1:])
        cost = cost + np.where(outside, BAND_COST, 0.0)
    if anchor_band is not None:
        frames = np.arange(cost.shape[1])[None, :]
        outside = (frames < anchor_band[:, :1]) | (frames >= anchor_band[:, 1:])
        cost = cost + np.where(outside, ANCHOR_COST, 0.0)
    rows, frames = dtw(cost)
    return row_start_frames(rows, frames, matrix.shape[0])


def word_frames(
    starts: np.ndarray, word_of_unit, n_words: int, voiced: np.ndarray | None
) -> list[tuple[int, int]]:
    """[start, end) encoder frames of each word from the start frames of its units.

    `starts` has one entry per unit and one more (the end-of-text row). A word starts where
    its first sounding unit starts and ends where the next word starts (in read speech one
    word's end is the next one's start), or at the end-of-text row for the last word; the
    span is then pulled in off silent frames at either edge, so a pause belongs to no word.
    """
    first: dict[int, int] = {}
    for i, w in enumerate(word_of_unit):
        if w >= 0 and w not in first:
            first[w] = i
    out: list[tuple[int, int]] = []
    order = [w for w in range(n_words) if w in first]
    ends = {w: int(starts[first[nxt]]) for w, nxt in zip(order, order[1:], strict=False)}
    if order:
        ends[order[-1]] = int(starts[-1])
    for w in range(n_words):
        if w not in first:
            out.append((-1, -1))  # a word of punctuation only: no sound of its own
            continue
        lo = int(starts[first[w]])
        hi = max(ends[w], lo + 1)
        if voiced is not None and len(voiced):
            lo, hi = _trim_silence(voiced, lo, hi)
            hi = _end_at_pause(voiced, lo, hi)
        out.append((lo, hi))
    return out


def _end_at_pause(voiced: np.ndarray, lo: int, hi: int) -> int:
    """A word ends where the first pause inside its span begins: the sound after a pause
    is the next word's lead-in (a breath, the recording's noise), not this word."""
    run = 0
    for f in range(lo, min(hi, len(voiced))):
        run = 0 if voiced[f] else run + 1
        if run >= PAUSE_FRAMES:
            return max(f - run + 1, lo + 1)
    return hi


def _trim_silence(voiced: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    n = len(voiced)
    a, b = lo, min(hi, n)
    while a < b - 1 and not voiced[a]:
        a += 1
    while b > a + 1 and not voiced[b - 1]:
        b -= 1
    return (a, b) if a < b and voiced[a:b].any() else (lo, hi)

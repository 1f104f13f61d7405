"""The alignment pass's matrix on the window's own token rows, for the heatmap.

The pass has one row per unit (a character, or a word piece) it fed; the heatmap has one
row per text token the window decoded. What is shown is the matrix the pass's DTW ran on
(its head's attention z-scored per frame over the units, median-filtered: `alignment.
alignment_matrix`), not the raw softmax: on the sample a raw character row of the chosen
head often peaks in a silence (an attention sink shared by every row), which the z-score
removes, so the matrix drawn is the one the times were read from. Each unit row's positive
part is made a share of its frames (`frame_shares`: it sums to 1, as a softmax row does),
so the heatmap's raw colour scale and its row normalising work on it unchanged.

Each token's row is the mean of the rows of the units that spell its characters. The mean,
not the max: a mean of rows that sum to 1 sums to 1 again, and a token's brightness spreads
over the frames its characters were aligned to, in proportion to how many looked there.

Pure: numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from whisperscope.engine.timing.spelling import AlignmentUnits


def frame_shares(matrix: np.ndarray) -> np.ndarray:
    """Each row's positive part over its sum: (n_rows, n_frames) float32, rows sum to 1
    (or are all zero)."""
    positive = np.maximum(np.asarray(matrix, dtype=np.float32), 0.0)
    total = positive.sum(axis=-1, keepdims=True)
    return np.divide(positive, total, out=np.zeros_like(positive), where=total > 0)


def word_unit_ends(units: AlignmentUnits) -> list[int]:
    """Past-the-end unit of each word: words are spelled one after another, so a word's
    units run up to the next spelled word's first unit (or the end)."""
    ends = [len(units)] * len(units.char_units)
    following = len(units)
    for k in range(len(units.char_units) - 1, -1, -1):
        ends[k] = following
        if units.char_units[k]:
            following = units.char_units[k][0]
    return ends


def token_units(
    units: AlignmentUnits, groups: Sequence[Sequence[int]], texts: Sequence[str]
) -> list[tuple[int, ...]]:
    """For each token (`texts[i]`, grouped into the spelled words by `groups`: word k's
    token indices, in order), the units that spell its characters. A token's leading
    spaces are left out (their unit is the pause before the word, not the word) unless it
    has nothing else."""
    out: list[tuple[int, ...]] = [()] * len(texts)
    ends = word_unit_ends(units)
    for k, members in enumerate(groups):
        if k >= len(units.char_units) or not units.char_units[k]:
            continue
        firsts = units.char_units[k]
        offset = 0
        for i in members:
            text = texts[i]
            lead = len(text) - len(text.lstrip()) if text.strip() else 0
            lo_char = min(offset + lead, len(firsts))
            hi_char = min(offset + len(text), len(firsts))
            offset += len(text)
            if hi_char <= lo_char:
                continue
            lo = firsts[lo_char]
            hi = firsts[hi_char] if hi_char < len(firsts) else ends[k]
            out[i] = tuple(range(lo, max(hi, lo + 1)))  # a piece may hold several tokens
    return out


def pool_token_rows(
    unit_rows: np.ndarray, per_token: Sequence[Sequence[int]]
) -> np.ndarray:
    """unit_rows: shape = (n_units (+ end), n_frames). Returns (n_tokens, n_frames) float16,
    each token's row the mean of its units' rows; zeros for a token with no unit."""
    n_frames = unit_rows.shape[-1]
    out = np.zeros((len(per_token), n_frames), dtype=np.float32)
    for i, members in enumerate(per_token):
        members = [u for u in members if 0 <= u < len(unit_rows)]
        if members:
            out[i] = unit_rows[members].astype(np.float32).mean(axis=0)
    return out.astype(np.float16)

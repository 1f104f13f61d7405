"""From an alignment pass to frames: the matrix DTW runs on, each unit's start and each
word's span, over the whole window or one island of it (islands.py). Pure numerics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from whisperscope.engine.timing.boundaries import unit_starts, word_frames
from whisperscope.engine.timing.closures import closures_given
from whisperscope.engine.timing.dtw import alignment_matrix
from whisperscope.engine.timing.forced_pass import AlignmentPass, HeadRequest
from whisperscope.engine.timing.islands import IslandPart
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.engine.timing.spelling import AlignmentUnits


@dataclass(frozen=True)
class PassFrames:
    """matrix: (n_units + 1, hi - lo) the DTW matrix of frames lo..hi; starts: (n_units + 1,)
    each row's first frame; spans: per word [start, end) frames, (-1, -1) for a word of
    punctuation only. Frames count from the window's start."""

    matrix: np.ndarray
    starts: np.ndarray
    spans: tuple[tuple[int, int], ...]
    heads: tuple[tuple[int, int], ...]
    frames: tuple[int, int]


def pass_heads(options: AlignmentOptions, head_ids, voiced: np.ndarray | None
               ) -> HeadRequest:
    """What an alignment pass must keep for `time_window` to time a window with `options`:
    its best-scored head, or the model's alignment heads `head_ids`."""
    if choose_heads(options, head_ids):
        return HeadRequest(choose=True, voiced=voiced)
    return HeadRequest(keep=tuple(head_ids))


def choose_heads(options: AlignmentOptions, head_ids) -> bool:
    return options.choose_heads or not head_ids


def pass_matrix(aligned: AlignmentPass, options: AlignmentOptions, head_ids
                ) -> tuple[np.ndarray, tuple[tuple[int, int], ...]]:
    """The matrix DTW runs on, (n_units + 1, n_frames), and the heads averaged into it."""
    heads = (aligned.chosen,) if choose_heads(options, head_ids) else tuple(head_ids)
    chosen = np.stack([aligned.head(layer, head) for layer, head in heads])
    return alignment_matrix(chosen, options.pass_medfilt_width), heads


def pass_frames(matrix: np.ndarray, units: AlignmentUnits, voiced: np.ndarray | None,
                options: AlignmentOptions, heads, band: np.ndarray | None = None,
                part: IslandPart | None = None, anchor_band: np.ndarray | None = None,
                island_ends: tuple[tuple[int, int], ...] = ()) -> PassFrames:
    """Time `units` (the whole window's spelling) on `matrix` (`pass_matrix`), or only
    `part` of them: an island's units on the island's frames, with the row after them as
    their end of text (islands.py), or in a pass stamped at its pauses the row that
    predicts the island's closing timestamp (`island_ends`, forced_pass.run_stamped_pass).

    `band` (n_units + 1, 2): [lo, hi) window frames each row may take at no extra cost;
    `anchor_band` likewise, the frames between the user's anchors (anchors.py), outside
    which a row costs ANCHOR_COST."""
    lo, hi = 0, matrix.shape[1]
    owners = list(units.word_of_unit)
    n_words = len(units.words)
    rows = slice(None)
    if part is not None:
        (u0, u1), (w0, w1) = part.units, part.words
        lo, hi = part.island.span
        end = dict(island_ends).get(u1)
        rows = [*range(u0, u1), u1 if end is None else end]
        # the bands of a stamped island's end of text (a row after the window's own end
        # of text) are those of the window's end of text
        banded = [*range(u0, u1), u1 if end is None else len(units)]
        owners = [w - w0 if w >= 0 else w for w in owners[u0:u1]]
        n_words = w1 - w0
        band = None if band is None else band[banded]
        anchor_band = None if anchor_band is None else anchor_band[banded]
    heard = None
    if voiced is not None and options.refine:
        heard = voiced[lo:hi]
    pause_rows = None
    if options.pause_states:
        pause_rows = np.array([w < 0 for w in owners] + [True])
    local_band = None if band is None else np.clip(band - lo, 0, hi - lo)
    local_anchors = None if anchor_band is None else np.clip(anchor_band - lo, 0, hi - lo)
    part_matrix = matrix[rows, lo:hi]
    starts = unit_starts(part_matrix, heard, pause_rows, options.pause_cost, options.open_end,
                         local_band, local_anchors)
    spans = word_frames(starts, owners, n_words, heard)
    if heard is not None and options.stop_closures:
        w0 = part.words[0] if part is not None else 0
        spans = closures_given(spans, units.words[w0: w0 + n_words])
    return PassFrames(part_matrix, starts + lo,
                      tuple((a + lo, b + lo) if a >= 0 else (a, b) for a, b in spans),
                      tuple(heads), (lo, hi))

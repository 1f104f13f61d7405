"""From an alignment pass to frames: the matrix DTW runs on, each unit's start and each
word's span, over the whole window or one island of it (islands.py). Pure numerics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from whisperscope.engine.timing.boundaries import unit_starts, word_frames
from whisperscope.engine.timing.dtw import alignment_matrix
from whisperscope.engine.timing.forced_pass import AlignmentPass, HeadRequest
from whisperscope.engine.timing.options import AlignmentOptions


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


def pass_frames(aligned: AlignmentPass, voiced: np.ndarray | None, options: AlignmentOptions,
                head_ids, band: np.ndarray | None = None,
                frames: tuple[int, int] | None = None) -> PassFrames:
    """Time the units of `aligned` on its frames `frames` (default: all of them).

    `band` (n_units + 1, 2): [lo, hi) window frames each row may take at no extra cost."""
    units = aligned.units
    lo, hi = frames or (0, aligned.weights.shape[-1])
    heads = (aligned.chosen,) if choose_heads(options, head_ids) else tuple(head_ids)
    chosen = np.stack([aligned.head(layer, head)[:, lo:hi] for layer, head in heads])
    matrix = alignment_matrix(chosen, options.pass_medfilt_width)
    heard = None
    if voiced is not None and options.refine:
        heard = voiced[lo:hi]
    pause_rows = None
    if options.pause_states:
        pause_rows = np.array([w < 0 for w in units.word_of_unit] + [True])
    local_band = None if band is None else np.clip(band - lo, 0, hi - lo)
    starts = unit_starts(matrix, heard, pause_rows, options.pause_cost, options.open_end,
                         local_band)
    spans = word_frames(starts, units.word_of_unit, len(units.words), heard)
    return PassFrames(matrix, starts + lo,
                      tuple((a + lo, b + lo) if a >= 0 else (a, b) for a, b in spans),
                      heads, (lo, hi))

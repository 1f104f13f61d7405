"""Which decoder heads look like an alignment, and timing words with a chosen set of them.
Qt-free numerics for the heads grid.

A head aligns when each token's attention is peaked (low entropy over frames) and the peaks
move forward in time token by token (monotonic: the rank correlation of token order and peak
frame, so a head that keeps looking at one frame, an attention sink, scores 0).
`alignment_score` is the product of the two, in 0..1. `retime_with_heads` times the words
of finished windows with the picked heads by openai-whisper's recipe (`engine.alignment`:
normalise, median filter, average, DTW), without WhisperScope's pause and onset
refinements, so heads can be compared as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from whisperscope.session.model import FRAME_SECONDS, Analysis

EPS = 1e-12


def peakedness(rows: np.ndarray) -> float:
    """Mean over rows of 1 - entropy / log(n_frames): 1 for one-hot rows, 0 for flat."""
    rows = np.asarray(rows, np.float64)
    if rows.ndim != 2 or rows.shape[1] < 2 or rows.shape[0] == 0:
        return 0.0
    p = rows / np.maximum(rows.sum(axis=1, keepdims=True), EPS)
    entropy = -(p * np.log(np.maximum(p, EPS))).sum(axis=1)
    return float(np.mean(1.0 - entropy / np.log(rows.shape[1])))


def monotonicity(rows: np.ndarray) -> float:
    """How surely the peak frame moves forward row by row: Spearman's rank correlation of
    row order and peak frame, 0 when it does not (or the peak never moves), 1 at best."""
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[0] < 2:
        return 0.0
    peaks = _ranks(rows.argmax(axis=1).astype(np.float64))
    order = np.arange(len(peaks), dtype=np.float64)
    if peaks.std() == 0:
        return 0.0
    return float(max(0.0, np.corrcoef(order, peaks)[0, 1]))


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (what Spearman's correlation takes)."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x), dtype=np.float64)
    for value in np.unique(x):
        tied = x == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def alignment_score(rows: np.ndarray) -> float:
    """How alignment-like one head's (tokens, frames) attention is, 0..1."""
    return monotonicity(rows) * peakedness(rows)


def head_scores(full: np.ndarray) -> np.ndarray:
    """`alignment_score` of every head of (n_layers, n_heads, rows, frames): (layers, heads)."""
    n_layers, n_heads = full.shape[:2]
    return np.array([[alignment_score(full[layer, head]) for head in range(n_heads)]
                     for layer in range(n_layers)])


def retime_with_heads(analysis: Analysis, full: Mapping[int, np.ndarray],
                      heads: Sequence[tuple[int, int]]) -> dict[int, tuple[float, float]]:
    """New (start, end) of every word in the windows of `full` (window index -> all layers'
    attention of that window, (layers, heads, rows, frames)), timed with `heads`."""
    from whisperscope.engine.alignment import alignment_matrix, dtw_spans

    if not heads:
        return {}
    layers, picked = [h[0] for h in heads], [h[1] for h in heads]
    token_times: dict[int, tuple[float, float]] = {}
    for window in analysis.windows:
        attention = full.get(window.index)
        tokens = [t for t in analysis.tokens if t.window == window.index]
        if attention is None or not tokens:
            continue
        n_rows = attention.shape[2]
        rows = [t.row for t in tokens]
        dtw_rows = rows + [min(rows[-1] + 1, n_rows - 1)]  # and the row that ended them
        weights = np.asarray(attention[layers, picked], np.float32)[:, dtw_rows]
        spans = dtw_spans(alignment_matrix(weights[:, :, : window.n_frames]))
        for token, span in zip(tokens, spans, strict=False):
            token_times[token.index] = (window.start + span.start_frame * FRAME_SECONDS,
                                        window.start + span.end_frame * FRAME_SECONDS)
    edits = {}
    for i, word in enumerate(analysis.words):
        times = [token_times[k] for k in word.tokens if k in token_times]
        if times and len(times) == len(word.tokens):
            edits[i] = (min(s for s, _ in times), max(e for _, e in times))
    return edits

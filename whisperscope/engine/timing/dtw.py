"""Dynamic time warping over a (rows, frames) attention matrix, and the matrix it runs on.

Pure numerics on numpy arrays: whisper's recipe for the matrix (normalise each head over
rows, median-filter along time, average the heads) and a monotonic minimum-cost path."""

from __future__ import annotations

import numpy as np

MEDIAN_FILTER_WIDTH = 7


def normalise_heads(weights: np.ndarray) -> np.ndarray:
    """z-score each head's weights over tokens, per frame.

    weights: shape = (n_heads, n_rows, n_frames) softmax weights. Returns float32, same shape.
    """
    w = weights.astype(np.float32)
    mean = w.mean(axis=-2, keepdims=True)
    std = w.std(axis=-2, keepdims=True)
    return (w - mean) / np.maximum(std, 1e-8)


def median_filter(x: np.ndarray, width: int = MEDIAN_FILTER_WIDTH) -> np.ndarray:
    """Median over a sliding window of odd `width` along the last axis, reflect-padded."""
    if width % 2 != 1 or width < 1:
        raise ValueError("median filter width must be a positive odd number")
    pad = width // 2
    if x.shape[-1] <= pad:
        return x
    padding = [(0, 0)] * (x.ndim - 1) + [(pad, pad)]
    padded = np.pad(x, padding, mode="reflect")
    if width == 3:  # the alignment pass's width: the median of three by min and max, the
        # same values 30 times faster than sorting windows (base: 10 ms a window's pass)
        a, b, c = padded[..., :-2], padded[..., 1:-1], padded[..., 2:]
        return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c)).astype(x.dtype)
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=-1)
    # the middle of each window once partitioned: the median of an odd count, without
    # np.median's extra pass (half the time at whisper's width of 7)
    return np.partition(windows, pad, axis=-1)[..., pad].astype(x.dtype)


def alignment_matrix(weights: np.ndarray, width: int = MEDIAN_FILTER_WIDTH) -> np.ndarray:
    """The head-averaged, normalised, filtered matrix DTW runs on: (n_rows, n_frames)."""
    if weights.shape[1] == 0:
        return np.zeros((0, weights.shape[2]), np.float32)
    return median_filter(normalise_heads(weights), width).mean(axis=0)


def _path_costs(x: np.ndarray) -> np.ndarray:
    """The (n + 1, m + 1) cumulative costs of the cheapest monotonic path to each cell.

    Filled one anti-diagonal at a time: each cell's three predecessors lie on the two
    diagonals before it, and in the row-major flat array a diagonal is a strided slice, so
    each diagonal is three numpy minimums and an add (450 x 1500, a dense 30 s window: ~12 ms,
    where numba took ~6 ms but importing it cost 115 MB in every engine process). The sums
    are the same float64 additions as a cell-by-cell loop, so the costs are bit-identical.
    """
    n, m = x.shape
    cost = np.full((n + 1, m + 1), np.inf)
    cost[0, 0] = 0.0
    flat, cells = cost.reshape(-1), x.reshape(-1)
    for d in range(2, n + m + 1):  # the cells (i, j) with i + j = d, 1 <= i <= n, 1 <= j <= m
        lo, hi = max(1, d - m), min(n, d - 1)
        count = hi - lo + 1
        # (i, j) is flat[i * m + d]: (i-1, j-1), (i-1, j), (i, j-1) and x[i-1, j-1]
        best = np.minimum(np.minimum(flat[_run((lo - 1) * m + d - 2, m, count)],
                                     flat[_run((lo - 1) * m + d - 1, m, count)]),
                          flat[_run(lo * m + d - 1, m, count)])
        flat[_run(lo * m + d, m, count)] = (
            cells[_run((lo - 1) * (m - 1) + d - 2, max(m - 1, 1), count)] + best)
    return cost


def _run(start: int, step: int, count: int) -> slice:
    """`count` flat indices from `start`, `step` apart."""
    return slice(start, start + (count - 1) * step + 1, step)


def dtw(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Monotonic minimum-cost path from (0, 0) to (n-1, m-1) through `cost` (n_rows, n_frames).

    Steps are diagonal, down (next row, same frame) or right (same row, next frame).
    Returns (row_indices, frame_indices) along the path.
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    at = _path_costs(np.ascontiguousarray(cost, dtype=np.float64)).item
    width = m + 1
    i, j = n, m
    rows, frames = [], []
    while i > 0 and j > 0:
        rows.append(i - 1)
        frames.append(j - 1)
        above = (i - 1) * width + j
        diagonal, up, left = at(above - 1), at(above), at(above + width - 1)
        # a true minimum: whisper's `dtw_cpu` takes the right step on any tie of the other
        # two (diagonal == up < left), harmless on real attention but wrong on the equal
        # costs of silent frames, where it left the optimal path
        if diagonal <= up and diagonal <= left:
            i, j = i - 1, j - 1
        elif up <= left:
            i -= 1
        else:
            j -= 1
    # the path can end on the top edge or left edge only at (0, 0) since costs there are inf
    return np.array(rows[::-1], np.int64), np.array(frames[::-1], np.int64)


def row_start_frames(rows: np.ndarray, frames: np.ndarray, n_rows: int) -> np.ndarray:
    """First frame the DTW path spends on each row: shape = (n_rows,)."""
    starts = np.zeros(n_rows, np.int64)
    seen = np.zeros(n_rows, bool)
    for r, f in zip(rows, frames, strict=False):
        if not seen[r]:
            starts[r] = f
            seen[r] = True
    return starts

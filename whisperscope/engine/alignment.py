"""Token timing from cross-attention: pure numerics on numpy arrays, no model, no torch.

The recipe starts as openai-whisper's `timing.find_alignment` (normalise each alignment head
over tokens, median-filter along time, average the heads, DTW on the negated matrix), then
fixes its two known faults:

* DTW must give every frame to some token, so a pause is absorbed into the word before it
  (its end runs on until the next word starts). Here each token's span is shrunk to the
  frames its own attention actually covers, and to frames that hold sound at all, so a word
  ends where its speech ends.
* Onsets land late: the DTW step into a new token happens once the new row wins on average,
  after the sound has already begun. The start is moved back to where the token's own
  attention rises, bounded by the previous token's end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
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
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=-1)
    return np.median(windows, axis=-1).astype(x.dtype)


def alignment_matrix(weights: np.ndarray, width: int = MEDIAN_FILTER_WIDTH) -> np.ndarray:
    """The head-averaged, normalised, filtered matrix DTW runs on: (n_rows, n_frames)."""
    if weights.shape[1] == 0:
        return np.zeros((0, weights.shape[2]), np.float32)
    return median_filter(normalise_heads(weights), width).mean(axis=0)


@numba.njit(cache=True)
def _dtw_cost(x: np.ndarray):
    n, m = x.shape
    cost = np.full((n + 1, m + 1), np.inf, dtype=np.float64)
    trace = np.full((n + 1, m + 1), -1, dtype=np.int8)
    cost[0, 0] = 0.0
    for j in range(1, m + 1):
        for i in range(1, n + 1):
            c0 = cost[i - 1, j - 1]
            c1 = cost[i - 1, j]
            c2 = cost[i, j - 1]
            if c0 < c1 and c0 < c2:
                c, t = c0, 0
            elif c1 < c0 and c1 < c2:
                c, t = c1, 1
            else:
                c, t = c2, 2
            cost[i, j] = x[i - 1, j - 1] + c
            trace[i, j] = t
    return cost, trace


def dtw(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Monotonic minimum-cost path from (0, 0) to (n-1, m-1) through `cost` (n_rows, n_frames).

    Steps are diagonal, down (next row, same frame) or right (same row, next frame).
    Returns (row_indices, frame_indices) along the path.
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, trace = _dtw_cost(np.ascontiguousarray(cost, dtype=np.float64))
    i, j = n, m
    rows, frames = [], []
    while i > 0 and j > 0:
        rows.append(i - 1)
        frames.append(j - 1)
        t = trace[i, j]
        if t == 0:
            i, j = i - 1, j - 1
        elif t == 1:
            i -= 1
        else:
            j -= 1
    # the path can end on the top edge or left edge only at (0, 0) since costs there are inf
    return np.array(rows[::-1], np.int64), np.array(frames[::-1], np.int64)


def row_start_frames(rows: np.ndarray, frames: np.ndarray, n_rows: int) -> np.ndarray:
    """First frame the DTW path spends on each row: shape = (n_rows,)."""
    starts = np.zeros(n_rows, np.int64)
    seen = np.zeros(n_rows, bool)
    for r, f in zip(rows, frames):
        if not seen[r]:
            starts[r] = f
            seen[r] = True
    return starts


@dataclass(frozen=True)
class TokenSpan:
    start_frame: float
    end_frame: float


@dataclass(frozen=True)
class AlignmentOptions:
    medfilt_width: int = MEDIAN_FILTER_WIDTH
    refine: bool = True  # False: plain openai-whisper-style boundaries (the reference)
    attention_floor: float = 0.25  # a frame belongs to a token where its attention exceeds
    #                                this fraction of the token's peak (after smoothing)
    silence_db: float = 40.0  # frames this far below the window's loudest are silence
    max_onset_shift: int = 25  # frames an onset may move earlier (0.5 s)


def dtw_spans(matrix: np.ndarray) -> list[TokenSpan]:
    """openai-whisper's boundaries: rows 0..n-2 are text tokens, the last row is the token
    after them (timestamp or end of text). Token i spans [start_i, start_{i+1})."""
    n_rows, _ = matrix.shape
    if n_rows < 2:
        return []
    rows, frames = dtw(-matrix)
    starts = row_start_frames(rows, frames, n_rows)
    return [TokenSpan(float(starts[i]), float(starts[i + 1])) for i in range(n_rows - 1)]


def refine_spans(
    spans: list[TokenSpan],
    matrix: np.ndarray,
    frame_energy_db: np.ndarray | None,
    options: AlignmentOptions = AlignmentOptions(),
) -> list[TokenSpan]:
    """Shrink DTW spans to where each token's attention is, and to frames with sound.

    matrix: (n_rows, n_frames) the DTW matrix. frame_energy_db: (n_frames,) level of each
    encoder frame in dB (from the log-mel Whisper saw), or None to skip the sound check.
    """
    if not spans:
        return []
    n_frames = matrix.shape[1]
    voiced = np.ones(n_frames, bool)
    if frame_energy_db is not None and len(frame_energy_db):
        voiced = frame_energy_db > frame_energy_db.max() - options.silence_db
    refined: list[TokenSpan] = []
    previous_end = 0.0
    for i, span in enumerate(spans):
        start, end = int(span.start_frame), max(int(span.end_frame), int(span.start_frame) + 1)
        row = matrix[i]
        # onset: walk back from the DTW start while this token's attention stays high
        peak = row[start:end].max() if end > start else row[start]
        floor = row.min() + options.attention_floor * (peak - row.min())
        lo = start
        limit = max(int(np.ceil(previous_end)), start - options.max_onset_shift, 0)
        while lo > limit and row[lo - 1] >= floor and voiced[lo - 1]:
            lo -= 1
        # skip leading/trailing silence inside the span
        while lo < end - 1 and not voiced[lo]:
            lo += 1
        hi = end
        while hi > lo + 1 and not voiced[hi - 1]:
            hi -= 1
        # trailing frames whose attention has left this token belong to no token (a pause)
        if i < len(spans) - 1 or True:
            while hi > lo + 1 and row[hi - 1] < floor and not _voiced_run(voiced, hi - 1):
                hi -= 1
        refined.append(TokenSpan(float(lo), float(hi)))
        previous_end = hi
    return refined


def _voiced_run(voiced: np.ndarray, index: int) -> bool:
    return bool(voiced[index])


def frame_energy_db(log_mel: np.ndarray) -> np.ndarray:
    """Level of each 20 ms encoder frame in dB from Whisper's normalised log-mel
    (shape = (n_mels, n_mel_frames) at 10 ms hops)."""
    # whisper's log-mel is (log10(power) + 4) / 4; undo to log10 power, average over mels
    log_power = log_mel * 4.0 - 4.0
    level = 10.0 * np.log10(np.mean(10.0 ** log_power, axis=0) + 1e-10)
    n = level.shape[0] // 2
    return np.maximum(level[: 2 * n : 2], level[1 : 2 * n : 2])

"""How alignment-like each cross-attention head is: the one head score.

The engine picks the head that times a window by it (`forced_pass.run_alignment_pass`), and
the heads grid shows the same score, so the two never disagree."""

from __future__ import annotations

import numpy as np

COVERAGE_FRAMES = 2  # a row's peak covers the frames this close to it (40 ms)


def head_alignment_scores(weights: np.ndarray, voiced: np.ndarray | None) -> np.ndarray:
    """How alignment-like each head's attention is: shape = (n_layers, n_heads).

    weights: (n_layers, n_heads, n_rows, n_frames) softmax weights; voiced: bool per frame.
    The score is peakedness (a row's largest weight, averaged over rows) times coverage (the
    share of sounding frames within COVERAGE_FRAMES of some row's peak). A head that follows
    the text through the speech is both; an attention sink or a head parked on a few
    frames is sharp but covers little, and a diffuse head covers much but is flat.
    """
    peak_sum, near = head_score_parts(weights)
    return scores_from_parts(peak_sum, weights.shape[-2], near, voiced)


def head_score_parts(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What `head_alignment_scores` reads of (..., n_rows, n_frames) weights: per head, the
    sum over rows of each row's largest weight, and the frames near some row's peak (bool,
    (..., n_frames)). Both add up over chunks of rows (a sum, an or)."""
    w = np.asarray(weights, dtype=np.float32)
    n_frames = w.shape[-1]
    peak_sum = w.max(axis=-1).sum(axis=-1)
    near = np.zeros(w.shape[:-2] + (n_frames,), bool)
    peaks = w.argmax(axis=-1)  # (..., n_rows)
    heads = tuple(i[..., None] for i in np.indices(peaks.shape[:-1]))
    for offset in range(-COVERAGE_FRAMES, COVERAGE_FRAMES + 1):
        near[(*heads, np.clip(peaks + offset, 0, n_frames - 1))] = True
    return peak_sum, near


def scores_from_parts(peak_sum: np.ndarray, n_rows: int, near: np.ndarray,
                      voiced: np.ndarray | None) -> np.ndarray:
    """`head_alignment_scores` from `head_score_parts` summed over `n_rows` rows."""
    n_frames = near.shape[-1]
    sounding = np.ones(n_frames, bool) if voiced is None or not voiced[:n_frames].any() \
        else voiced[:n_frames].astype(bool)
    # (a mean is its float32 sum over the count: the same number as w.max(-1).mean(-1))
    return (peak_sum / np.float32(n_rows)) * near[..., sounding].mean(axis=-1)


def best_aligned_head(weights: np.ndarray, voiced: np.ndarray | None) -> tuple[int, int]:
    """(layer, head) with the highest `head_alignment_scores`."""
    scores = head_alignment_scores(weights, voiced)
    layer, head = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return int(layer), int(head)

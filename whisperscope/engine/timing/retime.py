"""Words re-timed with heads the user picked in the heads grid.

openai-whisper's recipe on the decoding's rows of the picked heads (normalise, median
filter, average, DTW: `decoder_rows.dtw_spans` without voicing), with none of the pause and
onset refinements, so heads can be compared as they are. Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from whisperscope.engine.timing.decoder_rows import dtw_spans
from whisperscope.engine.timing.dtw import alignment_matrix
from whisperscope.session.model import Analysis
from whisperscope.units import encoder_frames_to_seconds


def retime_with_heads(analysis: Analysis, full: Mapping[int, np.ndarray],
                      heads: Sequence[tuple[int, int]]) -> dict[int, tuple[float, float]]:
    """New (start, end) of every word in the windows of `full` (window index -> all layers'
    attention of that window, (layers, heads, rows, frames)), timed with `heads`."""
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
            token_times[token.index] = (
                window.start + encoder_frames_to_seconds(span.start_frame),
                window.start + encoder_frames_to_seconds(span.end_frame))
    edits = {}
    for i, word in enumerate(analysis.words):
        times = [token_times[k] for k in word.tokens if k in token_times]
        if times and len(times) == len(word.tokens):
            edits[i] = (min(s for s, _ in times), max(e for _, e in times))
    return edits

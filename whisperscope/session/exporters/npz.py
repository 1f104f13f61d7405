"""The cross-attention itself, as a NumPy .npz archive (no pickles: `np.load(path)` reads it
with the default `allow_pickle=False`).

Arrays, for each decoded window i (`w0000_...`, `w0001_...`):

    wNNNN_token_ids        (n_rows,) int64     every generated token, timestamps included
    wNNNN_token_texts      (n_rows,) str
    wNNNN_text_rows        (n_text,) int64     rows of the text tokens (Analysis.tokens order)
    wNNNN_prompt_ids       (n_prompt,) int64   tokens fed before the first generated one
    wNNNN_frame_times      (n_frames,) float64 global seconds of each 20 ms encoder frame
    wNNNN_head_ids         (n_heads, 2) int64  (layer, head) of each alignment head
    wNNNN_heads            (n_heads, n_rows, n_frames) float16 softmax weights per head
    wNNNN_alignment_heads  (n_rows, n_frames) float32  the alignment-heads average
    wNNNN_L{l}H{h}         (n_rows, n_frames) float32  any other captured layer/head
    wNNNN_pass_rows        (n_text, n_frames) float16  the alignment pass that timed the
                                                       words, one row per text_rows entry
    wNNNN_pass_head_ids    (n_pass_heads, 2) int64  (layer, head) that pass averaged
                           (both only for windows the pass timed)

and for the whole recording, one entry per text token (the rows of the figure):

    token_start, token_end, token_probability (float64), token_window, token_row (int64),
    token_text (str)

`meta` is a 0-d string holding JSON: format name and version, audio, model, and per window
its start, n_frames, the captured (layer, head) pairs and `text_end` (the frame of the
timestamp pair the decoding stopped the window's text at, or null).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from whisperscope import __version__
from whisperscope.session.atomic import atomic_write_with
from whisperscope.session.exporters.json import plain_data
from whisperscope.session.model import Analysis

FORMAT_NAME = "whisperscope.attention"
FORMAT_VERSION = 1
SUFFIXES = (".npz",)
OPTIONS = ("captured",)

Captured = Mapping[tuple[int, int], Sequence[np.ndarray | None]]
# (layer, head) -> one matrix per window, shape = (n_rows, n_frames); None: not captured


def window_key(window: int, name: str) -> str:
    return f"w{window:04d}_{name}"


def arrays(analysis: Analysis, captured: Captured | None = None) -> dict[str, np.ndarray]:
    """Every array the archive holds, by name."""
    captured = captured or {}
    out: dict[str, np.ndarray] = {}
    windows_meta = []
    for i, w in enumerate(analysis.windows):
        key = lambda name, i=i: window_key(i, name)  # noqa: E731
        out[key("token_ids")] = np.asarray(w.token_ids, dtype=np.int64)
        out[key("token_texts")] = np.array(list(w.token_texts), dtype=str)
        out[key("text_rows")] = np.asarray(w.text_rows, dtype=np.int64)
        out[key("prompt_ids")] = np.asarray(w.prompt_ids, dtype=np.int64)
        out[key("frame_times")] = w.frame_times().astype(np.float64)
        out[key("head_ids")] = np.array(w.head_ids, dtype=np.int64).reshape(-1, 2)
        out[key("heads")] = np.asarray(w.heads, dtype=np.float16)
        out[key("alignment_heads")] = w.mean_heads()
        if w.pass_rows is not None:
            out[key("pass_rows")] = np.asarray(w.pass_rows, dtype=np.float16)
            out[key("pass_head_ids")] = np.array(w.pass_heads, dtype=np.int64).reshape(-1, 2)
        pairs = []
        for (layer, head), per_window in sorted(captured.items()):
            matrix = per_window[i] if i < len(per_window) else None
            if matrix is None:
                continue
            matrix = np.asarray(matrix, dtype=np.float32)
            expected = (len(w.token_ids), w.n_frames)
            if matrix.shape != expected:
                raise ValueError(f"captured L{layer}H{head} of window {i} has shape "
                                 f"{matrix.shape}, expected {expected}")
            out[key(f"L{layer}H{head}")] = matrix
            pairs.append([layer, head])
        windows_meta.append({"index": w.index, "start": w.start, "n_frames": w.n_frames,
                             "n_rows": len(w.token_ids), "captured": pairs,
                             "pass_heads": [list(h) for h in w.pass_heads],
                             "text_end": w.text_end})
    tokens = analysis.tokens
    out["token_start"] = np.array([t.start for t in tokens], dtype=np.float64)
    out["token_end"] = np.array([t.end for t in tokens], dtype=np.float64)
    out["token_probability"] = np.array([t.probability for t in tokens], dtype=np.float64)
    out["token_window"] = np.array([t.window for t in tokens], dtype=np.int64)
    out["token_row"] = np.array([t.row for t in tokens], dtype=np.int64)
    out["token_text"] = np.array([t.text for t in tokens], dtype=str)
    meta = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "whisperscope_version": __version__,
        "audio": plain_data(asdict(analysis.audio)),
        "model": plain_data(asdict(analysis.model)),
        "language": analysis.language,
        "windows": windows_meta,
    }
    out["meta"] = np.array(json.dumps(meta, ensure_ascii=False))
    return out


def write(analysis: Analysis, path: str | Path, captured: Captured | None = None) -> Path:
    """Write the archive (deflate-compressed) atomically."""
    data = arrays(analysis, captured)
    return atomic_write_with(path, lambda f: np.savez_compressed(f, **data))

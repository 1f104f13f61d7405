"""The unsaved work, kept on disk as it changes, so a crash or a kill loses nothing.

An autosave is one small JSON file: the recording (path, checksum), the analysis as plain
data (segments, words, tokens, each window's token ids and texts: what the edits point
into), the edits, pins and tiers, and the view. Never the attention (hundreds of MB an
hour): a restored analysis has none until its windows are recomputed. Written atomically
(session/atomic.py): the file is the last complete state or the one before, never half.
The window keeps one per running window and removes it when the work is saved, discarded
or closed cleanly; one left behind after a crash is offered on the next launch. Qt-free.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from whisperscope import __version__
from whisperscope.errors import WhisperScopeError
from whisperscope.session.annotation import (
    Annotation,
    pins_from_json,
    pins_to_json,
    tiers_from_json,
    tiers_to_json,
)
from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.edits import edits_from_json, edits_to_json
from whisperscope.session.exporters.json import analysis_from_dict, analysis_to_dict
from whisperscope.session.model import WindowAttention

FORMAT_NAME = "whisperscope.autosave"
FORMAT_VERSION = 1
SUFFIX = ".autosave.json"


class AutosaveError(WhisperScopeError):
    """An autosave that cannot be read (damaged, or from a newer version)."""


@dataclass
class Autosaved:
    """What an autosave holds: enough to open the recording with the work on it."""

    annotation: Annotation  # its analysis has no attention
    saved_at: float  # seconds since the epoch
    extra: dict[str, Any] = field(default_factory=dict)  # view range, playhead, reference

    @property
    def audio_path(self) -> str:
        return self.annotation.analysis.audio.path

    def describe(self) -> str:
        a = self.annotation
        moved = len(a.edits) + len(a.token_edits)
        parts = [f"{moved} boundar{'y' if moved == 1 else 'ies'} moved"] if moved else []
        if a.pins:
            parts.append(f"{len({i for i, _ in a.pins})} words pinned")
        if a.tiers:
            parts.append(f"{len(a.tiers)} tier{'s' if len(a.tiers) != 1 else ''} of your own")
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        name = Path(self.audio_path).name
        return f"{name}, {', '.join(parts) or 'corrected words'}, autosaved {when}"


def write_autosave(path: str | Path, annotation: Annotation,
                   extra: dict[str, Any] | None = None) -> Path:
    """Write `annotation` (which has an analysis) to `path` atomically."""
    analysis = annotation.analysis
    record = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "whisperscope_version": __version__,
        "saved_at": time.time(),
        "analysis": analysis_to_dict(analysis, exact=True, windows=False),
        "windows": [_window_meta(w) for w in analysis.windows],
        "edits": {"words": edits_to_json(annotation.edits),
                  "tokens": edits_to_json(annotation.token_edits),
                  "pins": pins_to_json(annotation.pins)},
        "tiers": tiers_to_json(annotation.tiers),
        "extra": extra or {},
    }
    return atomic_write_text(path, json.dumps(record, ensure_ascii=False, allow_nan=False))


def read_autosave(path: str | Path) -> Autosaved:
    """The work in an autosave; AutosaveError when it cannot be read."""
    from whisperscope.session.checks import check_analysis

    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("format") != FORMAT_NAME:
            raise ValueError("not an autosave")
        if record.get("version", 0) > FORMAT_VERSION:
            raise ValueError("written by a newer WhisperScope")
        analysis = analysis_from_dict(record["analysis"])
        analysis.windows = [_read_window(meta) for meta in record["windows"]]
        check_analysis(analysis)
        edits = record.get("edits", {})
        annotation = Annotation(
            analysis, edits_from_json(edits.get("words", []), len(analysis.words)),
            edits_from_json(edits.get("tokens", []), len(analysis.tokens), "token"),
            pins_from_json(edits.get("pins", []), len(analysis.words)),
            tiers_from_json(record.get("tiers", [])))
        extra = record.get("extra", {})
        return Autosaved(annotation, float(record.get("saved_at", 0.0)),
                         extra if isinstance(extra, dict) else {})
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise AutosaveError(f"the autosave {path.name} cannot be read ({error})") from error


def _window_meta(w: WindowAttention) -> dict[str, Any]:
    return {"index": w.index, "start": w.start, "n_frames": w.n_frames,
            "token_ids": [int(t) for t in w.token_ids], "token_texts": list(w.token_texts),
            "head_ids": [list(h) for h in w.head_ids],
            "text_rows": [int(r) for r in w.text_rows],
            "prompt_ids": [int(t) for t in w.prompt_ids], "text_end": w.text_end}


def _read_window(meta: dict[str, Any]) -> WindowAttention:
    """A window without its attention (heads of size 0: none shown until recomputed)."""
    from whisperscope.session.checks import text_end_of

    return WindowAttention(
        index=int(meta["index"]), start=float(meta["start"]), n_frames=int(meta["n_frames"]),
        token_ids=np.array(meta["token_ids"], dtype=np.int64),
        token_texts=tuple(str(t) for t in meta["token_texts"]),
        heads=np.zeros((0, 0, 0), np.float16),
        head_ids=tuple(tuple(int(x) for x in h) for h in meta["head_ids"]),
        text_rows=np.array(meta["text_rows"], dtype=np.int64),
        prompt_ids=np.array(meta["prompt_ids"], dtype=np.int64), text_end=text_end_of(meta),
        text_end_known="text_end" in meta)

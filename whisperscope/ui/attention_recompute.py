"""Recomputes every decoder layer/head of finished windows, on the one worker path.

The live heatmap only has the alignment heads; showing any other layer/head needs a
teacher-forced pass over a finished window (the engine service's `recompute`). Requests run
one after another on the workers' engine lane, with the model the document's analysis was
made with (the service loads it on demand: a reopened session has none loaded). A result
for a window that is no longer the one shown (another file, a re-aligned window) is dropped.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QObject, Signal

from whisperscope.session.document import AnnotationDocument
from whisperscope.ui.engine_service import Engine
from whisperscope.ui.workers import ENGINE, Workers

log = logging.getLogger(__name__)


class AttentionRecomputer(QObject):
    window_recomputed = Signal(int, object)  # window index, (layers, heads, rows, frames)
    recompute_failed = Signal(int, str)

    def __init__(self, document: AnnotationDocument, engine: Engine, workers: Workers,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.engine = engine
        self.workers = workers
        self._asked: dict[int, object] = {}  # window index -> the WindowAttention asked for

    @property
    def pending(self) -> set[int]:
        return set(self._asked)

    def forget(self) -> None:
        """Results still on their way belong to rows no longer shown: dropped."""
        self._asked.clear()

    def model_name(self) -> tuple[str, str] | None:
        """(model, device) the shown analysis was made with; None when nothing says."""
        document = self.document
        if document.model is not None:
            return document.model.info.name, str(document.model.info.device)
        source = document.analysis
        if source is None:
            return None
        return source.model.name, source.model.device or "cpu"

    def request(self, window) -> bool:
        """Queue `window` (a finished WindowAttention); False when there is no recording or
        no model to name."""
        named = self.model_name()
        if named is None or self.document.audio is None:
            return False
        if self._asked.get(window.index) is window:
            return True
        self._asked[window.index] = window
        name, device = named
        audio = self.document.audio
        self.workers.call(
            ENGINE, self.engine.recompute, window, name, device, audio.samples,
            self.document.mel,
            on_result=lambda full: self._on_done(window, full),
            on_error=lambda error: self._on_failed(window, error))
        return True

    def _on_done(self, window, full) -> None:
        if self._asked.get(window.index) is window:
            del self._asked[window.index]
            self.window_recomputed.emit(window.index, np.asarray(full, dtype=np.float16))

    def _on_failed(self, window, error: BaseException) -> None:
        log.warning("recomputing window %s failed: %s", window.index, error)
        if self._asked.get(window.index) is window:
            del self._asked[window.index]
            self.recompute_failed.emit(window.index, str(error) or type(error).__name__)

"""Recomputes every decoder layer/head of finished windows, off the GUI thread.

The live heatmap only has the alignment heads; showing any other layer/head needs a
teacher-forced pass over a finished window (`engine.attention.recompute_window_attention`).
Requests queue on one worker thread; results come back tagged with the analysis they belong
to, so a result for a file that is no longer open is dropped.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

log = logging.getLogger(__name__)


class _Recomputer(QObject):
    done = Signal(int, int, object)  # generation, window index, (layers, heads, rows, frames)
    failed = Signal(int, int, str)

    @Slot(int, object, object, object)
    def compute(self, generation: int, model, source, window) -> None:
        engine, samples, mel = source
        try:
            full = engine.recompute(model, samples, window, mel=mel)
            self.done.emit(generation, window.index, np.asarray(full, dtype=np.float16))
        except Exception as error:  # shown in the status bar, never raised into Qt
            log.warning("recomputing window %s failed: %s", window.index, error)
            self.failed.emit(generation, window.index, str(error) or type(error).__name__)


class AttentionRecomputer(QObject):
    window_recomputed = Signal(int, object)  # window index, array
    recompute_failed = Signal(int, str)
    _requested = Signal(int, object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generation = 0
        self.model = None
        self.samples = None
        self.mel = None
        self.engine = None  # the analysis engine (ui.analysis_worker.Engine) that has it
        self._thread: QThread | None = None
        self._worker: _Recomputer | None = None
        self.pending: set[int] = set()

    def set_source(self, model, samples, mel=None, engine=None) -> None:
        """A new analysis (or none): results for the previous one are dropped. `mel` is the
        recording's log-mel when known (saves recomputing it for every window); `engine`
        computes (the in-process one by default)."""
        self.generation += 1
        self.model, self.samples, self.mel = model, samples, mel
        if engine is None and model is not None:
            from whisperscope.ui.analysis_worker import Engine

            engine = Engine()
        self.engine = engine
        self.pending.clear()

    def request(self, window) -> bool:
        """Queue `window` (a finished WindowAttention); False when no model is loaded."""
        if self.model is None or self.samples is None:
            return False
        if window.index in self.pending:
            return True
        if self._thread is None:
            self._thread = QThread(self)
            self._thread.setObjectName("whisperscope-recompute")
            self._worker = _Recomputer()
            self._worker.moveToThread(self._thread)
            self._requested.connect(self._worker.compute, Qt.ConnectionType.QueuedConnection)
            self._worker.done.connect(self._on_done)
            self._worker.failed.connect(self._on_failed)
            self._thread.start()
        self.pending.add(window.index)
        self._requested.emit(self.generation, self.model, (self.engine, self.samples, self.mel),
                             window)
        return True

    def shutdown(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None
            self._worker = None

    @Slot(int, int, object)
    def _on_done(self, generation: int, window: int, full) -> None:
        if generation == self.generation:
            self.pending.discard(window)
            self.window_recomputed.emit(window, full)

    @Slot(int, int, str)
    def _on_failed(self, generation: int, window: int, message: str) -> None:
        if generation == self.generation:
            self.pending.discard(window)
            self.recompute_failed.emit(window, message)

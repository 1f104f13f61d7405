"""Runs analysis jobs on the one worker path and hands their events to the document.

A job is `engine_service.analysis_events` streamed on the workers' analysis lane: every event
arrives on the UI thread in order and goes to `AnnotationDocument.apply_event`, which
announces it to the views. Tokens come one event each; the document takes them at most once
a frame (a single-shot timer flushes the queue as one batch), and any other event flushes
the queue first, so every view sees the events in their order. One job is current: starting
another (a new file) or cancelling retires it; it stops within one token and its late events
are dropped. `event` repeats each event once the document has it (tests and the status line
listen there).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.events import Failed, Finished, TokenDecoded
from whisperscope.session.document import AnnotationDocument
from whisperscope.session.job import AnalysisJob
from whisperscope.ui.engine_service import Engine, analysis_events
from whisperscope.ui.workers import ANALYSIS, Workers

FRAME_MS = 16  # one 60 Hz frame: tokens reach the views at most this often


class AnalysisController(QObject):
    event = Signal(object)  # every event of the current job, once the document has it
    busy_changed = Signal(bool)
    tokens_flushed = Signal(int)  # a batch of this many tokens reached the views

    def __init__(self, document: AnnotationDocument, engine: Engine | None,
                 workers: Workers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.engine = engine or Engine()
        self.workers = workers
        self.job: AnalysisJob | None = None
        self._current = 0  # the current job's number; 0: none
        self._count = 0
        self._worker = None
        self._cancel: CancelToken | None = None
        self._tokens: list[TokenDecoded] = []
        self._last_flush = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    @property
    def busy(self) -> bool:
        return self._current != 0

    def start(self, job: AnalysisJob, kind: str = "analyse") -> None:
        """Analyse `job` (`kind` tells the document what the result replaces), cancelling
        whatever runs now."""
        self._retire_current()
        self.job = job
        self._count += 1
        number = self._current = self._count
        self._cancel = cancel = CancelToken()
        self.document.start_run(kind, job.anchors)
        self._worker = self.workers.stream(
            ANALYSIS, analysis_events, job, cancel, self.engine,
            on_item=lambda event: self._on_event(number, event) if number == self._current
            else None,
            on_done=lambda: self._on_done(number))
        self.busy_changed.emit(True)

    def cancel(self) -> None:
        """Ask the current analysis to stop; it does within one token. The document
        announces `run_failed(kind="cancelled")` at once."""
        if not self.busy:
            return
        self._retire_current()
        self.document.cancel_run()
        self.event.emit(Failed("Analysis cancelled.", "cancelled"))

    def stop(self) -> None:
        """The window closes: the current job is retired, queued tokens dropped."""
        self._retire_current()
        self._timer.stop()
        self._tokens = []

    def _retire_current(self) -> None:
        if self._current:
            self._cancel.cancel()  # inside a step (a model load, a token)
            if self._worker is not None:
                self._worker.quit()  # between two events
            self._current, self._worker = 0, None
            self._tokens = []
            self._timer.stop()
            self.busy_changed.emit(False)

    def _on_event(self, number: int, event) -> None:
        if number == self._current:  # else a retired job's late event
            self.take(event)

    def take(self, event) -> None:
        """An event of the current job, on the UI thread: to the document, in order (tokens
        at most once a frame)."""
        if isinstance(event, TokenDecoded):
            self._tokens.append(event)
            if not self._timer.isActive():
                since_ms = (time.monotonic() - self._last_flush) * 1000
                self._timer.start(max(0, int(FRAME_MS - since_ms)))
            return
        self.flush()
        if isinstance(event, Finished | Failed):
            self._current, self._worker = 0, None
        self.document.apply_event(event)
        self.event.emit(event)
        if isinstance(event, Finished | Failed):
            self.busy_changed.emit(False)

    def flush(self) -> None:
        """The queued tokens to the document now, in order."""
        self._timer.stop()
        tokens, self._tokens = self._tokens, []
        if tokens:
            self._last_flush = time.monotonic()
            self.document.tokens_decoded(tokens)
            for token in tokens:
                self.event.emit(token)
            self.tokens_flushed.emit(len(tokens))

    def _on_done(self, number: int) -> None:
        if number == self._current:  # ended without Finished or Failed (a bug)
            self._current, self._worker = 0, None
            self.document.apply_event(Failed("The analysis ended unexpectedly.", "internal"))
            self.busy_changed.emit(False)

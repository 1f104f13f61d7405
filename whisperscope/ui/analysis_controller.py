"""Starts, cancels and joins analysis workers; relays the current worker's events.

Each job runs as a `GeneratorWorker` over `analysis_events`: every event arrives on the
GUI thread through the worker's one `yielded` signal, and this object passes it on through
its one `event` signal. One worker is current. Starting another (a new file) cancels the
current one and retires it: it stops within one token, its late events are dropped, and it
is joined when it ends (or at shutdown). Views never connect to a worker.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.events import Failed, Finished
from whisperscope.ui.analysis_worker import AnalysisJob, Engine, analysis_events
from whisperscope.ui.generator_worker import GeneratorWorker

JOIN_TIMEOUT_MS = 30_000  # a model load cannot be interrupted; a decode stops within a token


class AnalysisController(QObject):
    event = Signal(object)  # every event of the current job, in order
    busy_changed = Signal(bool)

    def __init__(self, engine: Engine | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine or Engine()
        self.job: AnalysisJob | None = None
        self._worker: GeneratorWorker | None = None
        self._cancel: CancelToken | None = None
        self._running: dict[QObject, tuple[GeneratorWorker, CancelToken]] = {}
        # our own pool: shutdown joins exactly our workers
        self._pool = QThreadPool(self)
        self._pool.setObjectName("whisperscope-analysis")

    @property
    def busy(self) -> bool:
        return self._worker is not None

    @property
    def workers_running(self) -> int:
        """Workers whose thread has not ended yet (the current one and retired ones)."""
        return len(self._running)

    def start(self, job: AnalysisJob) -> None:
        """Analyse `job`, cancelling whatever runs now."""
        self._retire_current()
        self.job = job
        self._cancel = CancelToken()
        worker = GeneratorWorker(analysis_events, job, self._cancel, self.engine)
        worker.setAutoDelete(False)  # we keep it until its finished signal
        worker.yielded.connect(self._forward)
        worker.finished.connect(self._on_worker_finished)
        self._worker = worker
        self._running[worker.signals] = (worker, self._cancel)
        self._pool.start(worker)
        self.busy_changed.emit(True)

    def cancel(self) -> None:
        """Ask the current analysis to stop; it does within one token. The views hear
        `Failed(kind="cancelled")` at once."""
        if self._worker is None:
            return
        self._retire_current()
        self.event.emit(Failed("Analysis cancelled.", "cancelled"))

    def shutdown(self, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Cancel everything and join every worker thread. True when all have ended."""
        self._retire_current()
        for worker, cancel in self._running.values():
            cancel.cancel()
            worker.quit()
        ok = self._pool.waitForDone(timeout_ms)
        if ok:
            self._running.clear()
        self.engine.close()
        return ok

    def _retire_current(self) -> None:
        if self._worker is not None:
            self._cancel.cancel()  # inside a step (a model load, a token)
            self._worker.quit()  # between two events
            self._worker = None
            self.busy_changed.emit(False)

    @Slot(object)
    def _forward(self, event) -> None:
        if self._worker is None or self.sender() is not self._worker.signals:
            return  # a retired worker's late event
        self.event.emit(event)
        if isinstance(event, Finished | Failed):
            self._worker = None
            self.busy_changed.emit(False)

    @Slot()
    def _on_worker_finished(self) -> None:
        signals = self.sender()
        worker, _cancel = self._running.pop(signals, (None, None))
        if worker is not None and worker is self._worker:
            self._worker = None
            self.busy_changed.emit(False)

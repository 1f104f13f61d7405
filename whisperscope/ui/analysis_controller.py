"""Starts, cancels and joins analysis workers; relays the current worker's signals.

One worker is current. Starting another (a new file) cancels the current one and retires it:
it stops within one token, its late signals are dropped, and its thread is joined when it
ends (or at shutdown). Views connect to this object, never to a worker.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.events import Failed, Finished
from whisperscope.ui.analysis_worker import AnalysisJob, AnalysisWorker, Engine

RELAYED = ("audio_loaded", "spectrogram_ready", "model_loaded", "analysis_started",
           "window_started", "token_decoded", "window_retried", "window_done",
           "progress_changed", "failed", "finished", "notice")
JOIN_TIMEOUT_MS = 30_000  # a model load cannot be interrupted; a decode stops within a token


class AnalysisController(QObject):
    audio_loaded = Signal(object)
    spectrogram_ready = Signal(object)
    model_loaded = Signal(object)
    analysis_started = Signal(object)
    window_started = Signal(object)
    token_decoded = Signal(object)
    window_retried = Signal(object)
    window_done = Signal(object)
    progress_changed = Signal(object)
    failed = Signal(object)
    finished = Signal(object)
    notice = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, engine: Engine | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine or Engine()
        self.job: AnalysisJob | None = None
        self._worker: AnalysisWorker | None = None
        self._cancel: CancelToken | None = None
        self._threads: list[tuple[QThread, AnalysisWorker]] = []

    @property
    def busy(self) -> bool:
        return self._worker is not None

    @property
    def threads(self) -> list[QThread]:
        return [t for t, _ in self._threads]

    def start(self, job: AnalysisJob) -> None:
        """Analyse `job`, cancelling whatever runs now."""
        self._retire_current()
        self.job = job
        self._cancel = CancelToken()
        worker = AnalysisWorker(job, self._cancel, self.engine)
        thread = QThread(self)
        thread.setObjectName("whisperscope-analysis")
        worker.moveToThread(thread)
        # queued: run() executes inside the thread's event loop, so quit() always ends it
        thread.started.connect(worker.run, Qt.ConnectionType.QueuedConnection)
        worker.stopped.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        worker.stopped.connect(self._on_worker_stopped)
        thread.finished.connect(self._on_thread_finished)
        for name in RELAYED:
            getattr(worker, name).connect(self._forward)
        self._worker = worker
        self._threads.append((thread, worker))
        thread.start()
        self.busy_changed.emit(True)

    def cancel(self) -> None:
        """Ask the current analysis to stop; it does within one token. The views hear
        `failed(Failed(kind="cancelled"))` at once."""
        if self._worker is None:
            return
        self._retire_current()
        self.failed.emit(Failed("Analysis cancelled.", "cancelled"))

    def shutdown(self, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Cancel everything and join every worker thread. True when all have ended."""
        self._retire_current()
        for _worker_thread, worker in self._threads:
            worker.cancel_token.cancel()
        ok = True
        for thread, _worker in list(self._threads):
            thread.quit()
            ok = thread.wait(timeout_ms) and ok
        self._threads = [(t, w) for t, w in self._threads if not t.isFinished()]
        return ok

    def _retire_current(self) -> None:
        if self._worker is not None:
            self._cancel.cancel()
            self._worker = None
            self.busy_changed.emit(False)

    @Slot(object)
    def _forward(self, event) -> None:
        worker = self.sender()
        if worker is None or worker is not self._worker:
            return  # a retired worker's late signal
        name = _SIGNAL_FOR.get(type(event).__name__)
        if name is not None:
            getattr(self, name).emit(event)
        if isinstance(event, Finished | Failed):
            self._worker = None
            self.busy_changed.emit(False)

    @Slot()
    def _on_worker_stopped(self) -> None:
        if self.sender() is self._worker:
            self._worker = None
            self.busy_changed.emit(False)

    @Slot()
    def _on_thread_finished(self) -> None:
        remaining = []
        for thread, worker in self._threads:
            if thread.isFinished():
                thread.deleteLater()  # the worker goes with its last reference
            else:
                remaining.append((thread, worker))
        self._threads = remaining


_SIGNAL_FOR = {  # event class name -> signal name
    "AudioLoaded": "audio_loaded", "SpectrogramReady": "spectrogram_ready",
    "ModelLoaded": "model_loaded", "AnalysisStarted": "analysis_started",
    "WindowStarted": "window_started", "TokenDecoded": "token_decoded",
    "WindowRetried": "window_retried", "WindowDone": "window_done",
    "Progress": "progress_changed", "Failed": "failed", "Finished": "finished",
    "Notice": "notice",
}

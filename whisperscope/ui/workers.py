"""The one path off the UI thread: everything slow (the analysis, recomputing a window's
layers, re-aligning a window, scoring heads) runs here, as `GeneratorWorker`s
(ui/generator_worker.py) on our own thread pools ("lanes").

A generator (`stream`) hands each value it yields to the UI thread through its worker's one
`yielded` signal; a function (`call`) hands back its result or its error. Callbacks run on
the UI thread. A lane with one thread runs its tasks one after another (the engine's side
pipe takes one request at a time); the analysis lane has room for a retired run to finish
while the next one starts. `shutdown` stops and joins them all: the window never leaves a
thread behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool

from whisperscope.ui.generator_worker import GeneratorWorker

log = logging.getLogger(__name__)
ANALYSIS, ENGINE, SCORING = "analysis", "engine", "scoring"
LANE_THREADS = {ANALYSIS: 4, ENGINE: 1, SCORING: 1}
JOIN_TIMEOUT_MS = 30_000  # a model load cannot be interrupted; a decode stops within a token


class Workers(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools: dict[str, QThreadPool] = {}
        self._running: set = set()  # workers whose thread has not ended
        self._closed = False
        for lane, threads in LANE_THREADS.items():
            pool = QThreadPool(self)
            pool.setObjectName(f"whisperscope-{lane}")
            pool.setMaxThreadCount(threads)
            self._pools[lane] = pool

    @property
    def running(self) -> int:
        """Tasks started and not yet ended, on every lane."""
        return len(self._running)

    def stream(self, lane: str, generator: Callable, *args,
               on_item: Callable[[object], None],
               on_done: Callable[[], None] | None = None):
        """Run `generator(*args)` on `lane`; each value it yields goes to `on_item` on the
        UI thread, in order; `on_done` when it has ended (an error is logged: a stream
        reports its own failures as values). Returns the worker (`quit()` stops it
        between two values)."""
        worker = GeneratorWorker(generator, *args)
        worker.yielded.connect(on_item)
        worker.errored.connect(lambda error: log.error("worker failed: %r", error))
        return self._start(lane, worker, on_done)

    def call(self, lane: str, fn: Callable, *args,
             on_result: Callable[[object], None],
             on_error: Callable[[BaseException], None] | None = None):
        """Run `fn(*args)` on `lane`; its result goes to `on_result` on the UI thread, an
        exception it raised to `on_error` (logged when there is none)."""
        worker = GeneratorWorker(_once, fn, *args)  # its one value: the result
        worker.yielded.connect(on_result)
        worker.errored.connect(on_error or (lambda error: log.error("worker failed: %r",
                                                                    error)))
        return self._start(lane, worker, None)

    def _start(self, lane: str, worker, on_done):
        if self._closed:
            return None
        worker.setAutoDelete(False)  # kept until its finished signal
        self._running.add(worker)

        def finished() -> None:
            self._running.discard(worker)
            if on_done is not None:
                on_done()

        worker.finished.connect(finished)
        self._pools[lane].start(worker)
        return worker

    def shutdown(self, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Stop every task between two steps and join every thread; True when all ended.
        Nothing starts after this."""
        self._closed = True
        for worker in list(self._running):
            quit_ = getattr(worker, "quit", None)
            if quit_ is not None:
                quit_()
        ok = all(pool.waitForDone(timeout_ms) for pool in self._pools.values())
        if ok:
            self._running.clear()
        return ok


def _once(fn: Callable, *args):
    """`fn(*args)` as a generator of its one result (an exception it raises: `errored`)."""
    yield fn(*args)

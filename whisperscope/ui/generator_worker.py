"""A generator run on a pool thread, each value it yields delivered to the GUI thread on
one `yielded` signal: the part of superqt's `thread_worker` the window uses.

Our own small worker rather than superqt's: `import superqt.utils` first runs superqt's
`__init__`, which builds every widget superqt has (about 160 ms on a launch that must take
under half a second), and its threading module is private.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator

from PySide6.QtCore import QObject, QRunnable, Signal


class WorkerSignals(QObject):
    """Made on the thread that creates the worker (the GUI's), so what they carry arrives
    there, queued."""

    yielded = Signal(object)  # each value, in order
    errored = Signal(object)  # the exception the generator raised
    finished = Signal()  # the generator is done, has failed or was quit; always last


class GeneratorWorker(QRunnable):
    """Runs `function(*args, **kwargs)`, a generator function, when a QThreadPool starts
    it. `quit()` stops it between two values (the generator is closed, so its `finally`
    blocks run on the worker thread)."""

    def __init__(self, function: Callable[..., Generator], *args, **kwargs) -> None:
        super().__init__()
        self.signals = WorkerSignals()
        self.yielded = self.signals.yielded
        self.errored = self.signals.errored
        self.finished = self.signals.finished
        self._generator = function(*args, **kwargs)  # nothing runs until the first value
        self._quit = threading.Event()

    def quit(self) -> None:
        """Stop after the value being made now (from any thread)."""
        self._quit.set()

    def run(self) -> None:
        try:
            for value in self._generator:
                if self._quit.is_set():
                    break
                self.signals.yielded.emit(value)
        except Exception as error:  # noqa: BLE001 - the GUI thread decides what it means
            self.signals.errored.emit(error)
        finally:
            self._generator.close()
            self.signals.finished.emit()

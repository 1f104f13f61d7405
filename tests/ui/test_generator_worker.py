"""The worker that runs a generator on a pool thread and hands each value to the GUI
thread: in order, on the GUI thread, stoppable between values, errors reported."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThreadPool

from whisperscope.ui.generator_worker import GeneratorWorker


def _run(qtbot, worker: GeneratorWorker) -> list:
    got = []
    worker.yielded.connect(lambda value: got.append((value, threading.current_thread())))
    pool = QThreadPool()
    with qtbot.waitSignal(worker.finished, timeout=5000):
        pool.start(worker)
    assert pool.waitForDone(5000)
    return got


def test_values_arrive_in_order_on_the_gui_thread(qtbot):
    def count(n):
        yield from range(n)

    got = _run(qtbot, GeneratorWorker(count, 50))
    assert [value for value, _ in got] == list(range(50))
    assert {thread for _, thread in got} == {threading.main_thread()}


def test_quit_stops_between_values_and_closes_the_generator(qtbot):
    closed, release = threading.Event(), threading.Event()

    def endless():
        try:
            n = 0
            while True:
                yield n
                n += 1
                release.wait(5)  # the test quits while the worker waits here
        finally:
            closed.set()

    worker = GeneratorWorker(endless)
    got = []
    worker.yielded.connect(got.append)
    pool = QThreadPool()
    with qtbot.waitSignal(worker.finished, timeout=5000):
        pool.start(worker)
        qtbot.waitUntil(lambda: got == [0], timeout=5000)
        worker.quit()
        release.set()
    assert got == [0] and closed.is_set()  # the value made after quit() is not sent


def test_an_error_is_reported_then_finished(qtbot):
    def failing():
        yield 1
        raise ValueError("broken")

    worker = GeneratorWorker(failing)
    errors = []
    worker.errored.connect(errors.append)
    got = _run(qtbot, worker)
    assert [value for value, _ in got] == [1]
    assert len(errors) == 1 and str(errors[0]) == "broken"

"""SIGTERM and SIGHUP stop a run the way Ctrl+C does: by an exception that unwinds it.

`kill PID` (SIGTERM) and a closed terminal or ended login (SIGHUP) end a process at once by
default: no `finally` runs, so worker processes keep going and temporary files stay. Inside
`terminations_raised()` they raise `Terminated` in the main thread instead, as SIGINT raises
KeyboardInterrupt: workers are stopped, atomic writes drop their temporary files, and the
command exits with 128 + the signal's number (143, 129), as a shell reports a process
killed by it.

Child processes (corpus workers, the window's engine) call `end_with_parent()`: if their
parent dies without stopping them (kill -9), the kernel sends them SIGTERM (Linux).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                    if hasattr(signal, name))


class Terminated(BaseException):  # noqa: N818  (named like KeyboardInterrupt, its sibling)
    """The process was asked to stop (SIGTERM, SIGHUP). A BaseException, so no `except
    Exception` swallows it on its way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def raise_terminated(signum, frame) -> None:
    raise Terminated(signum)


@contextmanager
def terminations_raised() -> Iterator[None]:
    """For the block, SIGTERM and SIGHUP raise `Terminated` in the main thread; the previous
    handlers come back after it. Elsewhere than the main thread it changes nothing."""
    try:
        previous = {signum: signal.signal(signum, raise_terminated) for signum in TERMINATING}
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def end_with_parent() -> None:
    """Have the kernel send this process SIGTERM when its parent dies (Linux; elsewhere
    nothing). A parent that is killed outright cannot stop its children itself."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass

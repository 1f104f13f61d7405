"""A guard against a PySide6 bug that would abort the app after a few thousand signals.

PySide6 6.12.0's `SignalInstance.emit()` returns True without taking a reference to it, so
every `emit()` made from Python (ours and pyqtgraph's: range changes, playhead moves) drops
one reference to True. On CPython before 3.12, where True is an ordinary refcounted object,
its count reaches zero after a minute or so of playback and the interpreter aborts
("bool_dealloc: deallocating True or False").

`guard_emit_refcount()` detects the bug at run time with a private signal and, only where it
is present, gives True, False and None a reference count no session can use up (what
CPython 3.12+ does for them anyway: they are immortal there). Elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

RESERVE = 1 << 40  # references; at 10 000 leaked per second, enough for 3 years


class _Probe(QObject):
    fired = Signal()


def emit_drops_references() -> bool:
    """True when `emit()` from Python loses a reference to True (the PySide6 6.12.0 bug)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.fired.emit()
    return sys.getrefcount(True) <= before - 8


def guard_emit_refcount() -> bool:
    """Apply the guard where needed; True when it was applied."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # bools and None are immortal: the lost references are harmless
    if not emit_drops_references():
        return False
    for singleton in (True, False, None):
        count = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, the first field
        count.value += RESERVE
    return True

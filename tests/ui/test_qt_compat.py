"""The emit() refcount guard: after it, many signals do not abort the interpreter."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.gui

SCRIPT = """
from PySide6.QtCore import QObject, Signal
from whisperscope.ui.qt_compat import guard_emit_refcount
class T(QObject):
    moved = Signal(float)
t = T()
t.moved.connect(lambda x: None)
guard_emit_refcount()
for i in range(200_000):
    t.moved.emit(float(i))
import gc; gc.collect()
print("ok")
"""


def test_two_hundred_thousand_emits_do_not_abort():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"

"""Catch what a C library prints on file descriptor 2 while it decodes.

libmpg123 (inside libsndfile) writes its notes ("Illegal Audio-MPEG-Header ... Trying to
resync", "Xing stream size off") straight to fd 2, past Python's `sys.stderr`. Those notes
are the only sign that it skipped damaged bytes, so they are caught here and folded into one
warning of ours instead of reaching the user raw.

fd 2 is the process's: while the block runs, anything any thread writes there lands in the
capture. The loader holds it only around a decoder call, before the analysis starts.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_LOCK = threading.Lock()  # one capture at a time: a second would restore the wrong fd
MAX_CAPTURED_BYTES = 16 * 1024  # the notes that matter come first; a flood is cut here


@dataclass
class Captured:
    """What was written to fd 2 inside the block; `text` is set when the block ends."""

    text: str = ""


@contextmanager
def captured_stderr() -> Iterator[Captured]:
    """Redirect fd 2 into a temporary file for the block; `Captured.text` holds it after."""
    captured = Captured()
    with _LOCK, tempfile.TemporaryFile() as sink:
        try:
            sys.stderr.flush()
        except (AttributeError, OSError, ValueError):
            pass
        try:
            saved = os.dup(2)
        except OSError:  # no fd 2 at all (a detached process): nothing to catch
            yield captured
            return
        try:
            os.dup2(sink.fileno(), 2)
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.text = sink.read(MAX_CAPTURED_BYTES).decode("utf-8", "replace")

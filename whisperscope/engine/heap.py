"""Giving freed heap memory back to the system between windows.

Each window's decoding and alignment pass allocate and free tens of megabytes of tensors;
glibc keeps the freed memory mapped, scattered between live blocks, so a long run's RSS
creeps above what it holds (~230 MB at the end of an hour with base, `bench/memory.py`).
`malloc_trim` returns every whole free page; the next window faults back in only what it
touches. A few milliseconds a window. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back_freed_memory() -> bool:
    """Return freed heap pages to the system; whether this platform can."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True

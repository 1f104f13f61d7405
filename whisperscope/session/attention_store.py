"""Attention arrays kept in a temporary file and read back through read-only memory maps.

An hour of base's alignment heads is ~300 MB of float16 that the window reads in bulk once
per block (to make its uint8 image) and then only for a hover, another head, a save or an
export. Kept in a file, only the pages being read count in the process's memory: each array
is written once as it arrives and handed back as a read-only array mapped from the file,
and `release_pages` gives a bulk reader's pages back when it is done (the values stay in the
file, and in the page cache while there is room for them).

The file is unlinked from the start (`tempfile.TemporaryFile`): nothing is left on disk
however the process ends, and its space is freed once the store is closed and the last
array mapped from it has gone. A store that cannot write (a full disk) hands back the
array itself: the values are kept either way.
"""

from __future__ import annotations

import logging
import mmap
import tempfile

import numpy as np

log = logging.getLogger(__name__)

_GRANULE = mmap.ALLOCATIONGRANULARITY  # a map's offset in the file must be a multiple of it


class AttentionStore:
    """One temporary file; `keep` appends an array to it and returns it mapped."""

    def __init__(self, folder: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(prefix="whisperscope-attention-", dir=folder)
        self._end = 0
        self.bytes_kept = 0  # in the file (arrays kept in memory after a failure excluded)
        self._failed = False

    def keep(self, array: np.ndarray | None) -> np.ndarray | None:
        """`array`'s values as a read-only array mapped from the file (None and empty
        arrays are returned as they are)."""
        if array is None or array.size == 0 or self._file.closed or self._failed:
            return array
        array = np.ascontiguousarray(array)
        offset = self._end
        try:
            self._file.seek(offset)
            self._file.write(memoryview(array.reshape(-1)).cast("B"))
            self._file.flush()
            mapped = mmap.mmap(self._file.fileno(), array.nbytes, access=mmap.ACCESS_READ,
                               offset=offset)
        except (OSError, ValueError) as error:  # a full disk, no mmap: keep it in memory
            log.warning("attention kept in memory, not in a temporary file: %s", error)
            self._failed = True
            return array
        self._end = offset + -(-array.nbytes // _GRANULE) * _GRANULE  # its own pages
        self.bytes_kept += array.nbytes
        return np.frombuffer(mapped, array.dtype, array.size).reshape(array.shape)

    def keep_window(self, window):
        """`window` (a WindowAttention) with its heads and pass rows mapped from the file,
        changed in place (an analysis may refer to this same object) and returned."""
        window.heads = self.keep(window.heads)
        window.pass_rows = self.keep(window.pass_rows)
        return window

    def close(self) -> None:
        """No more arrays: the arrays already kept stay readable."""
        self._file.close()

    def __enter__(self) -> AttentionStore:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def mapped_from(array) -> mmap.mmap | None:
    """The memory map `array` reads from, or None for an array in memory."""
    base = array
    while base is not None:
        if isinstance(base, mmap.mmap):
            return base
        if isinstance(base, memoryview):
            base = base.obj
        elif isinstance(base, np.ndarray):
            base = base.base
        else:
            return None
    return None


def is_mapped(array) -> bool:
    return mapped_from(array) is not None


_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)  # not on Windows: there, pages stay


def release_pages(*arrays) -> None:
    """Give back the pages a bulk read of these arrays brought in (a block drawn, a window
    saved); arrays in memory are left alone. Reading them again reads the file."""
    for array in arrays:
        mapped = mapped_from(array) if array is not None else None
        if mapped is not None and _DONTNEED is not None and not mapped.closed:
            mapped.madvise(_DONTNEED)

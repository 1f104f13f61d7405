"""The attention store: arrays written to an unlinked temporary file and read back through
read-only maps, whose pages a bulk reader gives back."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from whisperscope.session.attention_store import (
    AttentionStore,
    is_mapped,
    release_pages,
)


def _rss_file_mb() -> float:
    """Pages of mapped files resident in this process (MB)."""
    for line in open("/proc/self/status"):
        if line.startswith("RssFile:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no RssFile line")


def test_kept_arrays_read_back_the_same_values_read_only(tmp_path):
    rng = np.random.default_rng(3)
    arrays = [rng.random((6, 40 + i, 1500)).astype(np.float16) for i in range(3)]
    with AttentionStore(str(tmp_path)) as store:
        kept = [store.keep(a) for a in arrays]
    for a, k in zip(arrays, kept, strict=True):  # closed: what was kept stays readable
        assert is_mapped(k) and not is_mapped(a)
        assert k.dtype == a.dtype and k.shape == a.shape
        np.testing.assert_array_equal(k, a)
        assert not k.flags.writeable
        with pytest.raises(ValueError):
            k[0, 0, 0] = 1
    assert store.bytes_kept == sum(a.nbytes for a in arrays)
    assert os.listdir(tmp_path) == []  # unlinked from the start: nothing left behind


def test_none_and_empty_arrays_pass_through(tmp_path):
    with AttentionStore(str(tmp_path)) as store:
        empty = np.zeros((0, 3, 1500), np.float16)
        assert store.keep(None) is None
        assert store.keep(empty) is empty
        assert store.bytes_kept == 0


def test_a_store_that_cannot_write_keeps_the_array_in_memory(tmp_path, monkeypatch):
    store = AttentionStore(str(tmp_path))
    array = np.ones((2, 3, 4), np.float16)

    def full_disk(_data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store._file, "write", full_disk)
    assert store.keep(array) is array
    store.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_only_pages_being_read_count_and_release_gives_them_back(tmp_path):
    """64 MB kept: resident only once read, and no longer after `release_pages`."""
    store = AttentionStore(str(tmp_path))
    kept = []
    for i in range(8):
        kept.append(store.keep(np.full((4, 700, 1500), i, np.float16)))  # 8.4 MB each
    store.close()
    before = _rss_file_mb()
    total = sum(float(k.astype(np.float32).sum()) for k in kept)  # a bulk read of all
    assert total == sum(i * 4 * 700 * 1500 for i in range(8))
    read = _rss_file_mb()
    assert read - before > 50
    release_pages(*kept)
    assert read - _rss_file_mb() > 50
    release_pages(np.zeros(3), None)  # arrays in memory: nothing to do

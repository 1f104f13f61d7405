"""The parent's half of the engine process, on a real pipe with no child and no model: a
finished window's attention is moved into a file as it arrives, the values unchanged, and
the Finished analysis refers to those same objects."""

from __future__ import annotations

import multiprocessing
import threading
from types import SimpleNamespace

import numpy as np

from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.events import Finished, WindowDone
from whisperscope.engine.process import EngineProcess, _send_event
from whisperscope.session.attention_store import AttentionStore, is_mapped
from whisperscope.session.model import (
    Analysis,
    AnalysisSettings,
    AudioInfo,
    ModelInfo,
    WindowAttention,
)


class _Parent(EngineProcess):
    """EngineProcess's receiving methods on one end of a pipe (no child started)."""

    def __init__(self, conn) -> None:
        self._analysis = conn
        self._cancel = threading.Event()
        self.process = SimpleNamespace(is_alive=lambda: True)


def _window(index: int, rng) -> WindowAttention:
    heads = rng.random((6, 40, 1500)).astype(np.float16)
    window = WindowAttention(index, 30.0 * index, 1500, np.arange(40), (" w",) * 40, heads,
                             tuple((2, h) for h in range(6)), np.arange(2, 38))
    window.pass_rows = rng.random((36, 1500)).astype(np.float16)
    return window


def test_a_finished_windows_attention_arrives_in_a_file_unchanged(tmp_path):
    rng = np.random.default_rng(5)
    sent_windows = [_window(i, rng) for i in range(3)]
    here, there = multiprocessing.Pipe()
    analysis = Analysis(AudioInfo("a.wav", "0", 90.0, 16000, 1),
                        ModelInfo("base", "test", "cpu", "float32", True, ()),
                        AnalysisSettings(), windows=sent_windows)

    def child() -> None:  # the child's own sending, on a thread (a pipe holds 64 KB)
        sent: set[int] = set()
        for w in sent_windows:
            _send_event(there, WindowDone(w.index, w, (), (), ()), sent)
        _send_event(there, Finished(analysis), sent)  # refers to the windows by index

    sender = threading.Thread(target=child)
    sender.start()
    parent, windows = _Parent(here), {}
    with AttentionStore(str(tmp_path)) as store:
        received = [parent._next_event(CancelToken(), windows, store) for _ in range(4)]
    sender.join()
    for event, original in zip(received[:3], sent_windows, strict=True):
        att = event.attention
        assert is_mapped(att.heads) and is_mapped(att.pass_rows)
        np.testing.assert_array_equal(att.heads, original.heads)
        np.testing.assert_array_equal(att.pass_rows, original.pass_rows)
    assert store.bytes_kept == sum(w.heads.nbytes + w.pass_rows.nbytes for w in sent_windows)
    finished = received[3].analysis
    assert all(a is e.attention for a, e in zip(finished.windows, received, strict=False))

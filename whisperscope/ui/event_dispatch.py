"""The one place where analysis events meet the views.

The controller hands every event of the current job to `EventDispatcher.dispatch`, and one
`match` on its type (`route`) says which view takes it, in which order. A new event type is
a new dataclass in `engine/events.py` (or `ui/analysis_worker.py` for UI-side facts) and a
new `case` in `route` calling the view that shows it; nothing else changes.

Tokens come one event each; the views take them at most once a frame: `TokenDecoded`s wait
in a queue that a single-shot timer flushes (at once when the last flush was a frame ago,
else when the frame is up), as one batch to each view, so a burst of tokens is one insert
into the token list, one heatmap update and one progress update, not one of each per token.
Any other event flushes the queue first: every view still sees the events in their order.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from whisperscope.engine.events import (
    AnalysisStarted,
    Failed,
    Finished,
    HypothesisChanged,
    Progress,
    TokenDecoded,
    WindowDone,
    WindowRetried,
    WindowStarted,
)
from whisperscope.ui.analysis_worker import AudioLoaded, ModelLoaded, Notice, SpectrogramReady

if TYPE_CHECKING:
    from whisperscope.ui.main_window import MainWindow

FRAME_MS = 16  # one 60 Hz frame: tokens reach the views at most this often


class EventDispatcher(QObject):
    tokens_flushed = Signal(int)  # a batch of this many tokens reached the views

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._tokens: list[TokenDecoded] = []
        self._last_flush = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    def dispatch(self, event: object) -> None:
        if isinstance(event, TokenDecoded):
            self._tokens.append(event)
            if not self._timer.isActive():
                since_ms = (time.monotonic() - self._last_flush) * 1000
                self._timer.start(max(0, int(FRAME_MS - since_ms)))
            return
        self.flush()
        self.route(event)

    def flush(self) -> None:
        """The queued tokens to the views now, in order."""
        self._timer.stop()
        tokens, self._tokens = self._tokens, []
        if tokens:
            self._last_flush = time.monotonic()
            self.window.results.tokens_decoded(tokens)
            self.window.show_live_progress(tokens[-1])
            self.tokens_flushed.emit(len(tokens))

    def stop(self) -> None:
        """The window closes: queued tokens are dropped with their job."""
        self._timer.stop()
        self._tokens = []

    def route(self, event: object) -> None:
        w = self.window
        match event:
            case AudioLoaded():
                w.on_audio_loaded(event)
            case SpectrogramReady():
                w.on_spectrogram_ready(event)
            case ModelLoaded():
                w.on_model_loaded(event)
            case AnalysisStarted():
                w.on_analysis_started(event)
            case WindowStarted():
                w.results.window_started(event)
            case TokenDecoded():
                w.results.tokens_decoded([event])
                w.show_live_progress(event)
            case WindowRetried():
                w.results.window_retried(event)
            case HypothesisChanged():  # beam search: the best hypothesis's rows so far
                w.results.rows.void_window(event.window)
                w.results.token_list.window_voided()
                w.results.tokens_decoded(list(event.tokens))
            case WindowDone():
                w.results.window_done(event, w.timeline.playhead)
                w.workbench.window_done(event)  # after the results: it reads their index
            case Progress():
                w.analysis_bar.set_progress(event)
            case Finished():
                w.on_finished(event)
                w.aligner.analysis_finished(event)
                w.heads.refresh_soon()
            case Failed():
                w.on_failed(event)
            case Notice():
                w.on_notice(event)

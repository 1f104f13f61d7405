"""The one place where analysis events meet the views.

The controller hands every event of the current job to `EventDispatcher.dispatch`, and one
`match` on its type says which view takes it, in which order. A new event type is a new
dataclass in `engine/events.py` (or `ui/analysis_worker.py` for UI-side facts) and a new
`case` here calling the view that shows it; nothing else changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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


class EventDispatcher:
    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def dispatch(self, event: object) -> None:
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
                w.results.token_decoded(event)
                w.show_live_progress(event)
            case WindowRetried():
                w.results.window_retried(event)
            case HypothesisChanged():  # beam search: the best hypothesis's rows so far
                w.results.rows.void_window(event.window)
                w.results.token_list.window_voided()
                for token in event.tokens:
                    w.results.token_decoded(token)
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

"""What the analysis is doing, said where the user looks: the analysis bar's stage and
progress, the status line, the file's facts, and a dialog when a run fails. Follows the
document's announcements; changes nothing but these widgets (and the remembered model)."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

from whisperscope.engine.events import Progress
from whisperscope.session.document import AnnotationDocument
from whisperscope.ui.analysis_bar import AnalysisBar
from whisperscope.ui.heatmap_controls import HeatmapControls
from whisperscope.ui.notifier import STATUS_MS, Notifier
from whisperscope.ui.settings_store import Preferences
from whisperscope.ui.spectrogram_view import SpectrogramPlot
from whisperscope.ui.timefmt import format_duration

FAILURE_TITLES = {"audio": "Cannot open this file", "model": "Model not available",
                  "out_of_memory": "Out of memory"}


class AnalysisStatus(QObject):
    def __init__(self, document: AnnotationDocument, bar: AnalysisBar, file_label: QLabel,
                 controls: HeatmapControls, spectrogram: SpectrogramPlot,
                 preferences: Preferences, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.bar = bar
        self.file_label = file_label
        self.controls = controls
        self.spectrogram = spectrogram
        self.preferences = preferences
        self.notifier = notifier
        self._started_at = 0.0
        self._live_done = 0.0
        ev = document.events
        ev.running_changed.connect(self._running_changed)
        ev.audio_loaded.connect(self._audio_loaded)
        ev.spectrogram_ready.connect(lambda e: spectrogram.set_pyramid(e.pyramid))
        ev.model_loaded.connect(self._model_loaded)
        ev.tokens_decoded.connect(self._tokens_decoded)
        ev.progress.connect(bar.set_progress)
        ev.run_finished.connect(self._finished)
        ev.run_failed.connect(self._failed)
        ev.notice.connect(lambda text: notifier.status(text, STATUS_MS * 2))

    def _running_changed(self, running: bool) -> None:
        if running:
            self._started_at = time.monotonic()
            self._live_done = 0.0

    def _audio_loaded(self, audio) -> None:
        channels = "mono" if audio.channels == 1 else f"{audio.channels} ch"
        self.file_label.setText(f"{os.path.basename(str(audio.path))} · "
                                f"{format_duration(audio.duration)} · "
                                f"{audio.original_rate / 1000:g} kHz {channels}")
        self.bar.set_stage("Loading model…")

    def _model_loaded(self, event) -> None:
        info = event.model.info
        self.bar.set_model(info.name)
        self.controls.set_model_info(info)
        self.bar.set_stage(f"{info.name} on {event.device}")
        self.preferences.update(model=info.name, device=self.bar.device_name)
        if event.devices:
            self.bar.set_available_devices(event.devices)

    def _tokens_decoded(self, tokens) -> None:
        """Where the decoder is tells how far it got: progress inside a window."""
        audio = self.document.audio
        if audio is not None and tokens:
            duration = float(audio.duration)
            self._live_done = max(self._live_done, min(tokens[-1].position, duration))
            self.bar.set_progress(Progress(self._live_done, duration,
                                           time.monotonic() - self._started_at))

    def _finished(self, a) -> None:
        self.bar.set_done(
            f"{len(a.tokens)} tokens · {len(a.words)} words · {format_duration(a.elapsed)} · "
            f"{a.audio.duration / max(a.elapsed, 1e-9):.1f}× real time")
        self.bar.set_stage(f"{a.model.name} on {a.model.device}")
        if a.warnings:  # a truncated file, clipping ...: said where the user looks
            self.notifier.status("Analysis finished. Warning: " + " · ".join(a.warnings),
                                 STATUS_MS * 4)
        else:
            self.notifier.status("Analysis finished")

    def _failed(self, event) -> None:
        kept = self.document.analysis is not None
        self.bar.set_stage("")
        if event.kind == "cancelled":
            self.bar.set_idle_text("Cancelled")
            self.notifier.status("Analysis cancelled"
                                 + ("; the previous results are kept" if kept else ""))
            return
        self.bar.set_idle_text("Failed")
        path = self.document.path
        if event.kind == "audio" and path and not os.path.exists(path):
            prefs = self.preferences  # gone: forget it
            prefs.update(recent_files=prefs.settings.without_recent(path).recent_files)
        if self.document.audio is None:
            self.spectrogram.set_message("Open a recording (Ctrl+O) or drop a file here")
        self.notifier.status(event.message, STATUS_MS * 2)
        self.notifier.error(FAILURE_TITLES.get(event.kind, "Analysis failed"), event.message)

"""Opening a recording or a saved session, and analysing it again (with a transcript or as
it was): each is a job for the analysis controller and a new state of the document. What
is shown stays until the new run's events replace it, and comes back if it fails."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject

from whisperscope.session.anchors import anchor_words
from whisperscope.session.annotation import Annotation
from whisperscope.session.document import AnnotationDocument
from whisperscope.session.job import AnalysisJob
from whisperscope.ui.analysis_bar import AnalysisBar
from whisperscope.ui.analysis_controller import AnalysisController
from whisperscope.ui.playback import PlaybackController
from whisperscope.ui.settings_store import Preferences
from whisperscope.ui.spectrogram_view import SpectrogramPlot
from whisperscope.ui.timeline import Timeline


class Runs(QObject):
    def __init__(self, document: AnnotationDocument, controller: AnalysisController,
                 analysis_bar: AnalysisBar, preferences: Preferences,
                 playback: PlaybackController, timeline: Timeline,
                 spectrogram: SpectrogramPlot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.controller = controller
        self.analysis_bar = analysis_bar
        self.preferences = preferences
        self.playback = playback
        self.timeline = timeline
        self.spectrogram = spectrogram
        self._pending_view = None  # view range and playhead of a session being opened
        self._recovering = False  # the session being opened is work restored after a crash
        document.events.run_finished.connect(lambda _a: self._restore_view())

    def open_file(self, path: str) -> None:
        """Load `path` and analyse it now with the chosen model (cancels a running one)."""
        path = os.path.abspath(os.fspath(path))
        self._pending_view = None
        self._recovering = False
        self.controller.stop()
        self.document.open_recording(path)
        prefs = self.preferences
        prefs.update(recent_files=prefs.settings.with_recent(path).recent_files)
        self._start(path, fresh=True)

    def analyse_again(self) -> None:
        """Run the analysis again; what is shown stays until the new run has its result,
        and stays if it is cancelled or fails. Pinned boundaries stay where they are."""
        if self.document.path:
            self._start(self.document.path, anchors=anchor_words(self.document.annotation))

    def align_transcript(self, text: str) -> None:
        """Analyse the open recording again timing `text`'s words, kept as written; the
        pinned boundaries stay where they are (their words found in the text)."""
        if self.document.path:
            self._start(self.document.path, transcript=text,
                        anchors=anchor_words(self.document.annotation))

    def open_session(self, session, recovered: bool = False) -> None:
        """Show a saved session: its recording and its annotation, without running a model;
        the reference it was compared with comes back if it is still there. `recovered`:
        it is work restored after a crash, in no saved file."""
        from whisperscope.errors import WhisperScopeError
        from whisperscope.session.reference import read_reference

        path = str(session.audio_path)
        self.controller.stop()
        self.document.open_recording(path, Annotation(
            None, dict(session.edits), dict(session.token_edits), session.pins,
            session.tiers))
        self.document.session_path = str(session.path) if session.path else None
        reference = session.extra.get("reference")
        if isinstance(reference, str) and os.path.isfile(reference):
            try:
                self.document.set_reference(read_reference(reference))
            except WhisperScopeError:
                pass
        self._pending_view = (session.extra.get("view_range"), session.extra.get("playhead"))
        self._recovering = recovered
        # Analyse Again re-runs the session as it was made (and the dialog shows it).
        self.preferences.update(analysis=session.analysis.settings)
        self._start(path, analysis=session.analysis, fresh=True)

    def cancel(self) -> None:
        self.controller.cancel()

    def _start(self, path: str, analysis=None, fresh: bool = False,
               transcript: str | None = None, anchors=()) -> None:
        self.playback.stop()
        if fresh:
            self.spectrogram.set_pyramid(None)
            self.spectrogram.set_message(f"Loading {os.path.basename(path)}…")
        settings = self.preferences.settings
        job = AnalysisJob(path, self.analysis_bar.model_name or settings.model,
                          self.analysis_bar.device_name, settings=settings.analysis,
                          analysis=analysis, transcript=transcript, anchors=tuple(anchors))
        self.analysis_bar.set_stage("Loading audio…")
        self.analysis_bar.set_idle_text("Starting")
        kind = "session" if analysis is not None else \
            "transcript" if transcript is not None else "analyse"
        self.controller.start(job, kind)

    def _restore_view(self) -> None:
        if self._recovering:
            self._recovering = False
            self.document.mark_recovered()
        if self._pending_view is None:
            return
        view, playhead = self._pending_view
        self._pending_view = None
        if view and len(view) == 2:
            self.timeline.set_view_range(float(view[0]), float(view[1]))
        if playhead is not None:
            self.playback.seek(float(playhead))

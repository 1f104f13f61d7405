"""The main window: composes the views and wires them to the timeline, the player and the
analysis controller. It owns no data of its own beyond "what is open now"."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from importlib import resources

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from whisperscope.engine.events import (
    Failed,
    Finished,
    Progress,
    TokenDecoded,
)
from whisperscope.settings import SPEEDS, Settings
from whisperscope.ui import about, session_actions
from whisperscope.ui.actions import WindowActions
from whisperscope.ui.analysis_bar import AnalysisBar
from whisperscope.ui.analysis_controller import AnalysisController
from whisperscope.ui.analysis_worker import (
    AnalysisJob,
    AudioLoaded,
    ModelLoaded,
    Notice,
    SpectrogramReady,
)
from whisperscope.ui.attention_recompute import AttentionRecomputer
from whisperscope.ui.attention_rows import AttentionRows
from whisperscope.ui.event_dispatch import EventDispatcher
from whisperscope.ui.heads_explorer import HeadsExplorer
from whisperscope.ui.navigation import Navigator
from whisperscope.ui.playback import PlaybackController
from whisperscope.ui.plots_panel import PlotsPanel
from whisperscope.ui.results_sync import ResultsSync
from whisperscope.ui.settings_store import SettingsStore
from whisperscope.ui.timefmt import format_duration
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.token_list import TokenListPanel
from whisperscope.ui.transcript_align import TranscriptAligner
from whisperscope.ui.transport import TransportBar
from whisperscope.ui.workbench import Workbench

log = logging.getLogger(__name__)
DEFAULT_MODELS = ["tiny.en", "base"]
STATUS_MS = 8000
AUDIO_FILTER = ("Audio (*.wav *.flac *.mp3 *.ogg *.opus *.m4a *.aac *.aiff *.aif *.webm "
                "*.mp4 *.mkv);;All files (*)")


def sample_path() -> str:
    return str(resources.files("whisperscope.resources") / "sample.flac")


def _model_choices(last: str) -> tuple[list[str], str, dict[str, str]]:
    """The models found on this machine (engine.models.catalog) with a tooltip each, and the
    one to preselect: the last used, else the best bundled."""
    from whisperscope.engine.models import best_offline_model
    from whisperscope.engine.models.catalog import discover_models

    try:
        entries = discover_models()
    except Exception:  # an unreadable cache must not keep the window from opening
        log.exception("model discovery failed")
        entries = []
    names = [entry.name for entry in entries] or list(DEFAULT_MODELS)
    details = {entry.name: entry.description() for entry in entries}
    try:
        return names, last or best_offline_model(), details
    except Exception:  # no model installed: the analysis will say how to get one
        return names, last, details


class MainWindow(QMainWindow):
    def __init__(self, store: SettingsStore | None = None, engine=None,
                 player_factory=None) -> None:
        super().__init__()
        self.setWindowTitle("WhisperScope")
        self.setAcceptDrops(True)
        self.store = store or SettingsStore()
        self.settings: Settings = self.store.load()
        self.audio = None  # LoadedAudio of the open recording
        self.model = None  # LoadedModel of the last analysis
        self.analysis = None  # Analysis, once finished
        self.mel = None  # float log-mel of the open recording (for recomputing attention)
        self._pending_view = None  # view range / playhead to restore from a saved session
        self._previous = None  # the Analysis shown before "Analyse Again", until it finishes
        self.path: str | None = None
        self.error_box: QMessageBox | None = None
        self.settings_dialog = None  # the open Analysis Settings dialog
        self._started_at = 0.0
        self._live_done = 0.0
        self._closed = False

        # --- parts ---
        self.timeline = Timeline(self)
        self.rows = AttentionRows()
        self.controller = AnalysisController(engine, self)
        self.playback = PlaybackController(self.timeline, player_factory, self)
        self.recomputer = AttentionRecomputer(self)
        self.actions = WindowActions(self)
        self.analysis_bar = AnalysisBar()
        self.plots = PlotsPanel(self.timeline, self.rows)
        self.token_list = TokenListPanel()
        self.transport = TransportBar()
        self.file_label = QLabel("")
        self.results = ResultsSync(self.plots, self.token_list, self.recomputer, self.rows,
                                   self)
        self.dispatcher = EventDispatcher(self)  # analysis events -> views
        self._compose()
        self._wire()
        self.workbench = Workbench(self)
        self.navigator = Navigator(self)
        self.heads = HeadsExplorer(self)
        self.aligner = TranscriptAligner(self)  # after the workbench: it edits its words
        self._restore()

    # --- layout --------------------------------------------------------------------------
    def _compose(self) -> None:
        toolbar = QToolBar("Analysis")
        toolbar.setMovable(False)
        toolbar.addAction(self.actions.open)
        toolbar.addSeparator()
        toolbar.addWidget(self.analysis_bar)
        self.addToolBar(toolbar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.plots)
        self.splitter.addWidget(self.token_list)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([1080, 340])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.transport)
        self.setCentralWidget(central)
        self.statusBar().addPermanentWidget(self.file_label)
        self.plots.spectrogram_widget.setFocus()  # not the model box: Space plays
        self.resize(_first_size(self))

    def _wire(self) -> None:
        a, c, t = self.actions, self.controller, self.timeline
        a.open.triggered.connect(self.choose_file)
        a.open_sample.triggered.connect(lambda: self.open_file(sample_path()))
        a.quit.triggered.connect(self.close)
        a.zoom_in.triggered.connect(lambda: t.zoom(0.5, t.playhead))
        a.zoom_out.triggered.connect(lambda: t.zoom(2.0, t.playhead))
        a.zoom_all.triggered.connect(t.show_all)
        a.follow.toggled.connect(self._set_follow)
        a.normalise.toggled.connect(self.plots.controls.normalise.setChecked)
        a.play.triggered.connect(self.playback.toggle)
        a.back.triggered.connect(lambda: self.playback.step(-1.0))
        a.forward.triggered.connect(lambda: self.playback.step(1.0))
        a.slower.triggered.connect(lambda: self._nudge_speed(-1))
        a.faster.triggered.connect(lambda: self._nudge_speed(1))
        a.analyse.triggered.connect(self.analyse_again)
        a.cancel.triggered.connect(self.cancel_analysis)
        a.analysis_settings.triggered.connect(self.edit_analysis_settings)
        a.about.triggered.connect(lambda: about.show_about(self, self.model))
        session_actions.wire(self)

        bar = self.analysis_bar
        bar.analyse_requested.connect(self.analyse_again)
        bar.cancel_requested.connect(self.cancel_analysis)
        bar.browse_model_requested.connect(self.choose_model_file)

        tr = self.transport
        tr.play_toggled.connect(self.playback.toggle)
        tr.step_requested.connect(self.playback.step)
        tr.seek_requested.connect(self.playback.seek)
        tr.speed_changed.connect(self._set_speed)
        tr.follow_changed.connect(a.follow.setChecked)
        self.playback.playing_changed.connect(tr.set_playing)
        self.playback.sound_unavailable.connect(self._on_sound_unavailable)
        t.playhead_moved.connect(self._on_playhead)

        self.token_list.seek_requested.connect(self._seek_and_show)
        self.token_list.play_requested.connect(self.playback.play_range)
        self.plots.heatmap.row_clicked.connect(self._on_row_clicked)
        self.plots.controls.normalised_changed.connect(self._on_normalised_changed)
        self.results.message.connect(lambda text: self.statusBar().showMessage(text, STATUS_MS))

        c.event.connect(self.dispatcher.dispatch)
        c.busy_changed.connect(self._on_busy_changed)

    def _restore(self) -> None:
        s = self.settings
        geometry = self.store.geometry("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for key, splitter in (("splitter", self.splitter), ("plots", self.plots.splitter)):
            state = self.store.geometry(key)
            if state is not None:
                splitter.restoreState(state)
        self.analysis_bar.set_models(*_model_choices(s.model))
        self.analysis_bar.set_device(s.device)
        self.transport.set_speed(s.speed)
        self.playback.set_speed(s.speed)
        self.actions.follow.setChecked(s.follow_playhead)
        self._set_follow(s.follow_playhead)
        self.plots.controls.normalise.setChecked(s.normalised_attention)
        self.plots.heatmap.set_normalised(s.normalised_attention)
        self.actions.normalise.setChecked(s.normalised_attention)
        self._update_recent()
        self._on_busy_changed(False)

    # --- opening -------------------------------------------------------------------------
    def choose_file(self) -> None:
        start = os.path.dirname(self.settings.recent_files[0]) if self.settings.recent_files \
            else os.path.expanduser("~")
        path, _ = QFileDialog.getOpenFileName(self, "Open recording", start, AUDIO_FILTER)
        if path:
            self.open_file(path)

    def choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Whisper model", os.path.expanduser(
            "~"), "Whisper model (*.pt model.bin *.safetensors config.json);;All files (*)")
        if path:
            self.analysis_bar.set_model(path)

    def open_file(self, path: str) -> None:
        """Load `path` and analyse it now with the chosen model (cancels a running one)."""
        path = os.path.abspath(os.fspath(path))
        self.path = path
        self._pending_view = None
        self._previous = None
        self.workbench.set_reference(None)  # it was another recording's
        self.settings = self.settings.with_recent(path)
        self._update_recent()
        self.setWindowTitle(f"{os.path.basename(path)} — WhisperScope")
        self._start(path)

    def analyse_again(self) -> None:
        """Run the analysis again; what is shown stays until the new run starts decoding,
        and comes back if it is cancelled or fails."""
        if self.path:
            self._previous = self.analysis or self._previous
            self._start(self.path, keep=self._previous is not None)

    def align_transcript(self, text: str) -> None:
        """Analyse the open recording again timing `text`'s words, kept as written, instead
        of decoded ones; like Analyse Again, a cancelled or failed run gives back what was
        shown."""
        if self.path:
            self._previous = self.analysis or self._previous
            self._start(self.path, keep=self._previous is not None, transcript=text)

    def cancel_analysis(self) -> None:
        self.controller.cancel()

    def edit_analysis_settings(self) -> None:
        """Analysis › Analysis Settings…: whisper's options for the next run, remembered
        at once (they are also what a saved session reopens with)."""
        from whisperscope.ui.analysis_settings_dialog import AnalysisSettingsDialog

        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return
        dialog = self.settings_dialog = AnalysisSettingsDialog(self.settings.analysis, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settings_changed.connect(self._set_analysis_settings)
        dialog.finished.connect(lambda _r: setattr(self, "settings_dialog", None))
        dialog.open()

    def _set_analysis_settings(self, settings) -> None:
        self.settings = replace(self.settings, analysis=settings)
        self.store.save(self.settings)
        if self.path:
            self.statusBar().showMessage("The analysis settings apply from the next Analyse "
                                         "Again (Ctrl+R)", STATUS_MS)

    def open_session(self, session) -> None:
        """Show a saved session: its recording and its analysis, without running a model."""
        path = str(session.audio_path)
        self.path = path
        self._previous = None
        self.workbench.expect_session(session)
        self.setWindowTitle(f"{os.path.basename(str(session.path or path))} — WhisperScope")
        view = session.extra.get("view_range")
        self._pending_view = (view, session.extra.get("playhead"))
        # Analyse Again re-runs the session as it was made (and the dialog shows it).
        self.settings = replace(self.settings, analysis=session.analysis.settings)
        self._start(path, session.analysis)

    def _start(self, path: str, analysis=None, keep: bool = False,
               transcript: str | None = None) -> None:
        """Analyse `path` (or show `analysis`); with `keep`, the recording and results
        on screen stay until the new run's first event replaces them."""
        self.playback.stop()
        if not keep:
            self.audio = None
            self.mel = None
            self.model = None
            self.analysis = None
            self.recomputer.set_source(None, None)
            self._reset_results()
            self.plots.spectrogram.set_pyramid(None)
            self.plots.spectrogram.set_message(f"Loading {os.path.basename(path)}…")
        model = self.analysis_bar.model_name or self.settings.model
        job = AnalysisJob(path, model, self.analysis_bar.device_name,
                          settings=self.settings.analysis, analysis=analysis,
                          transcript=transcript)
        self.analysis_bar.set_stage("Loading audio…")
        self.analysis_bar.set_idle_text("Starting")
        self._started_at = time.monotonic()
        self.controller.start(job)

    def _reset_results(self) -> None:
        self.results.reset()
        self.workbench.reset()
        self._live_done = 0.0

    def _update_recent(self) -> None:
        self.actions.set_recent(self.settings.recent_files, self.open_file)

    # --- analysis events -----------------------------------------------------------------
    def on_audio_loaded(self, event: AudioLoaded) -> None:
        audio = self.audio = event.audio
        self.playback.load(audio)
        self.transport.set_duration(float(audio.duration))
        channels = "mono" if audio.channels == 1 else f"{audio.channels} ch"
        self.file_label.setText(f"{os.path.basename(str(audio.path))} · "
                                f"{format_duration(audio.duration)} · "
                                f"{audio.original_rate / 1000:g} kHz {channels}")
        self.analysis_bar.set_stage("Loading model…")

    def on_spectrogram_ready(self, event: SpectrogramReady) -> None:
        self.mel = event.mel
        self.plots.spectrogram.set_pyramid(event.pyramid)

    def on_model_loaded(self, event: ModelLoaded) -> None:
        self.model = event.model
        info = event.model.info
        self.analysis_bar.set_model(info.name)
        self.plots.controls.set_model_info(info)
        self.recomputer.set_source(event.model, self.audio.samples if self.audio else None,
                                   self.mel, self.controller.engine)
        self.analysis_bar.set_stage(f"{info.name} on {event.device}")
        self.settings = replace(self.settings, model=info.name,
                                device=self.analysis_bar.device_name)
        if event.devices:
            self.analysis_bar.set_available_devices(event.devices)

    def show_live_progress(self, event: TokenDecoded) -> None:
        """Where the decoder is tells how far it got: progress inside a window."""
        if self.audio is not None:
            duration = float(self.audio.duration)
            self._live_done = max(self._live_done, min(event.position, duration))
            self.analysis_bar.set_progress(Progress(
                self._live_done, duration, time.monotonic() - self._started_at))

    def on_analysis_started(self, _event) -> None:
        self.analysis = None
        self._reset_results()

    def _restore_previous(self) -> bool:
        """After a cancelled or failed "Analyse Again": show the results it replaced."""
        previous, self._previous = self._previous, None
        if previous is None or self.analysis is not None:
            return False
        self._reset_results()
        self.results.show_analysis(previous, self.timeline.playhead)
        self.analysis = previous
        self.workbench.analysis_finished(previous)
        session_actions.update_enabled(self)
        return True

    def on_finished(self, event: Finished) -> None:
        self._previous = None
        self.analysis = a = event.analysis
        self.analysis_bar.set_done(
            f"{len(a.tokens)} tokens · {len(a.words)} words · {format_duration(a.elapsed)} · "
            f"{a.audio.duration / max(a.elapsed, 1e-9):.1f}× real time")
        self.analysis_bar.set_stage(f"{a.model.name} on {a.model.device}")
        if a.warnings:  # a truncated file, clipping ...: said where the user looks
            self.statusBar().showMessage("Analysis finished. Warning: " + " · ".join(a.warnings),
                                         STATUS_MS * 4)
        else:
            self.statusBar().showMessage("Analysis finished", STATUS_MS)
        self.workbench.analysis_finished(a)
        if self._pending_view is not None:
            view, playhead = self._pending_view
            self._pending_view = None
            if view and len(view) == 2:
                self.timeline.set_view_range(float(view[0]), float(view[1]))
            if playhead is not None:
                self.playback.seek(float(playhead))
        session_actions.update_enabled(self)

    def on_failed(self, event: Failed) -> None:
        kept = self._restore_previous()
        if event.kind == "cancelled":
            self.analysis_bar.set_idle_text("Cancelled")
            self.analysis_bar.set_stage("")
            self.statusBar().showMessage(
                "Analysis cancelled" + ("; the previous results are kept" if kept else ""),
                STATUS_MS)
            return
        titles = {"audio": "Cannot open this file", "model": "Model not available",
                  "out_of_memory": "Out of memory"}
        self.analysis_bar.set_idle_text("Failed")
        self.analysis_bar.set_stage("")
        if event.kind == "audio" and self.path and not os.path.exists(self.path):
            self.settings = self.settings.without_recent(self.path)  # gone: forget it
            self._update_recent()
        if self.audio is None:
            self.plots.spectrogram.set_message("Open a recording (Ctrl+O) or drop a file here")
        self.statusBar().showMessage(event.message, STATUS_MS * 2)
        self.show_error(titles.get(event.kind, "Analysis failed"), event.message)

    def on_notice(self, event: Notice) -> None:
        self.statusBar().showMessage(event.message, STATUS_MS * 2)

    def _on_busy_changed(self, busy: bool) -> None:
        self.analysis_bar.set_busy(busy, can_analyse=self.path is not None)
        self.actions.cancel.setEnabled(busy)
        self.actions.analyse.setEnabled(not busy and self.path is not None)
        session_actions.update_enabled(self)

    def show_error(self, title: str, message: str) -> None:
        """A non-blocking message box (one at a time)."""
        if self.error_box is not None:
            self.error_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: setattr(self, "error_box", None))
        self.error_box = box
        box.open()

    # --- playhead and navigation ---------------------------------------------------------
    def _on_playhead(self, t: float) -> None:
        self.transport.set_position(t)
        self.results.playhead_moved(t)

    def _seek_and_show(self, seconds: float) -> None:
        self.playback.seek(seconds)
        self.timeline.ensure_visible(seconds)

    def _on_row_clicked(self, row: int) -> None:
        span = self.rows.row_span(row)
        if span is not None:
            self._seek_and_show(span[0])

    def _set_follow(self, follow: bool) -> None:
        self.playback.follow = follow
        self.transport.follow.setChecked(follow)
        self.settings = replace(self.settings, follow_playhead=follow)

    def _set_speed(self, speed: float) -> None:
        self.playback.set_speed(speed)
        self.settings = replace(self.settings, speed=speed)

    def _nudge_speed(self, direction: int) -> None:
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.playback.speed))
        speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + direction))]
        self.transport.set_speed(speed)
        self._set_speed(speed)

    def _on_normalised_changed(self, normalised: bool) -> None:
        self.actions.normalise.setChecked(normalised)
        self.settings = replace(self.settings, normalised_attention=normalised)

    def _on_sound_unavailable(self, reason: str) -> None:
        self.transport.set_sound_available(False, reason)
        self.statusBar().showMessage(
            f"Sound is unavailable ({reason}): playback runs silently, in real time.",
            STATUS_MS * 2)

    # --- drag and drop, closing ----------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_file(files[0]))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop playback, cancel and join the workers, remember the settings."""
        if self._closed:
            return
        self._closed = True
        self.playback.close()
        self.plots.stop()
        self.heads.stop()
        self.dispatcher.stop()
        self.statusBar().clearMessage()  # and its timeout timer
        self.recomputer.shutdown()  # first: its last request still needs the engine
        self.aligner.shutdown()
        self.controller.shutdown()
        self.store.set_geometry("geometry", self.saveGeometry())
        self.store.set_geometry("splitter", self.splitter.saveState())
        self.store.set_geometry("plots", self.plots.splitter.saveState())
        self.store.save(self.settings)


DEFAULT_SIZE = (1440, 880)


def _first_size(window: QMainWindow) -> QSize:
    """The size before any is remembered: the default, shrunk to fit a small screen (a
    1366 x 768 laptop), so the transport and the word list's times are never cut off."""
    width, height = DEFAULT_SIZE
    screen = window.screen()
    if screen is not None:
        room = screen.availableGeometry()
        width = min(width, int(room.width() * 0.95))
        height = min(height, int(room.height() * 0.92))
    return QSize(width, height)

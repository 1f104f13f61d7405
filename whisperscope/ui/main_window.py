"""The main window: composes the views and wires them to the document, the timeline, the
player and the analysis. It owns no data: the document holds what is open and worked on
(session/document.py), each part takes the document and the widgets it uses."""

from __future__ import annotations

import logging
import os
from importlib import resources

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QToolBar, QVBoxLayout, QWidget

from whisperscope.session.document import AnnotationDocument
from whisperscope.ui import about
from whisperscope.ui.actions import WindowActions
from whisperscope.ui.analysis_bar import AnalysisBar
from whisperscope.ui.analysis_controller import AnalysisController
from whisperscope.ui.analysis_settings_dialog import SettingsEditor
from whisperscope.ui.analysis_status import AnalysisStatus
from whisperscope.ui.attention_recompute import AttentionRecomputer
from whisperscope.ui.attention_rows import AttentionRows
from whisperscope.ui.boundary_editing import BoundaryEditing
from whisperscope.ui.file_dialogs import choose_model_file, choose_recording, model_choices
from whisperscope.ui.heads_explorer import HeadsExplorer
from whisperscope.ui.navigation import Navigator
from whisperscope.ui.notifier import Notifier
from whisperscope.ui.playback import PlaybackController
from whisperscope.ui.plots_panel import PlotsPanel
from whisperscope.ui.reference_view import ReferenceView
from whisperscope.ui.results_view import ResultsView
from whisperscope.ui.runs import Runs
from whisperscope.ui.selection_readout import SelectionReadout
from whisperscope.ui.session_actions import SessionActions
from whisperscope.ui.settings_store import Preferences, SettingsStore
from whisperscope.ui.shortcuts_help import ShortcutsDialog
from whisperscope.ui.tier_editing import TierEditing
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.token_list import TokenListPanel
from whisperscope.ui.transcript_align import TranscriptAligner
from whisperscope.ui.transport import TransportBar
from whisperscope.ui.transport_control import TransportControl
from whisperscope.ui.undo_actions import UndoActions
from whisperscope.ui.unsaved_work import Autosaver, Recovery, UnsavedGuard
from whisperscope.ui.workers import Workers

log = logging.getLogger(__name__)
DEFAULT_SIZE = (1440, 880)


def sample_path() -> str:
    return str(resources.files("whisperscope.resources") / "sample.flac")


class MainWindow(QMainWindow):
    def __init__(self, store: SettingsStore | None = None, engine=None,
                 player_factory=None) -> None:
        super().__init__()
        self.setWindowTitle("WhisperScope")
        self.setAcceptDrops(True)
        self._closed = False
        self.store = store or SettingsStore()
        self.preferences = Preferences(self.store)
        self.document = d = AnnotationDocument()
        self.workers = Workers(self)
        # --- the parts ---
        self.timeline = Timeline(self)
        self.rows = AttentionRows()
        self.controller = AnalysisController(d, engine, self.workers, self)
        self.engine = self.controller.engine
        self.playback = PlaybackController(self.timeline, player_factory, self)
        self.recomputer = AttentionRecomputer(d, self.engine, self.workers, self)
        self.actions = WindowActions(self)
        self.analysis_bar = AnalysisBar()
        self.plots = PlotsPanel(self.timeline, self.rows)
        self.token_list = TokenListPanel()
        self.transport = TransportBar()
        self.file_label = QLabel("")
        self._compose()
        self.notifier = n = Notifier(self.statusBar(), self)
        a, p, t = self.actions, self.plots, self.timeline
        self.results = ResultsView(d, t, p, self.token_list, self.recomputer, self.rows, self)
        self.status = AnalysisStatus(d, self.analysis_bar, self.file_label, p.controls,
                                     p.spectrogram, self.preferences, n, self)
        self.runs = Runs(d, self.controller, self.analysis_bar, self.preferences,
                         self.playback, t, p.spectrogram, self)
        self.undo = UndoActions(d, self, a.edit_menu)
        self.editing = BoundaryEditing(d, p, n, self)
        self.reference = ReferenceView(d, p, self.token_list, a.load_reference,
                                       a.export_comparison, n, self)
        self.sessions = SessionActions(d, a, self.runs, t, p.heatmap, self.store, n, self)
        self.navigator = Navigator(a, t, self.playback, p, self.token_list,
                                   self.results.index, n, self)
        self.heads = HeadsExplorer(d, t, self.rows, self.results, self.recomputer,
                                   self.playback, p.controls, self.workers, n, self,
                                   a.view_menu)
        self.aligner = TranscriptAligner(d, self.runs, self.engine, self.workers,
                                         self.token_list.words, a.align_transcript, n, self)
        self.tier_editing = TierEditing(d, p, t, self.playback, self.aligner.edit_word, n,
                                        self.menuBar(), self)
        self.transport_control = TransportControl(
            a, self.transport, self.playback, t, self.rows, self.token_list, p.heatmap,
            self.preferences, n, self)
        self.settings_editor = SettingsEditor(self.preferences, n,
                                              lambda: d.path is not None, self)
        folder = self.store.autosave_folder()
        self.autosaver = Autosaver(d, t, folder, self)
        self.recovery = Recovery(folder, lambda s: self.runs.open_session(s, recovered=True),
                                 self)
        self.guard = UnsavedGuard(d, self.sessions.save_dialog, self)
        self.sessions.guard = self.guard
        self._wire()
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
        self.statusBar().addPermanentWidget(SelectionReadout(self.timeline))
        self.statusBar().addPermanentWidget(self.file_label)
        self.plots.spectrogram_widget.setFocus()  # not the model box: Space plays
        self.resize(_first_size(self))

    def _wire(self) -> None:
        a, t, d, prefs = self.actions, self.timeline, self.document, self.preferences
        runs, bar = self.runs, self.analysis_bar
        a.open.triggered.connect(lambda: choose_recording(self, prefs.settings, self.open_file))
        a.open_sample.triggered.connect(lambda: self.open_file(sample_path()))
        a.quit.triggered.connect(self.close)
        a.zoom_in.triggered.connect(lambda: t.zoom_on_focus(0.5))
        a.zoom_out.triggered.connect(lambda: t.zoom_on_focus(2.0))
        a.zoom_all.triggered.connect(t.show_all)
        a.normalise.toggled.connect(self.plots.controls.normalise.setChecked)
        a.analyse.triggered.connect(runs.analyse_again)
        a.cancel.triggered.connect(runs.cancel)
        a.analysis_settings.triggered.connect(self.settings_editor.open)
        a.about.triggered.connect(lambda: about.show_about(self, d.model))
        a.shortcuts.triggered.connect(lambda: ShortcutsDialog(self.menuBar(), self).open())
        bar.analyse_requested.connect(runs.analyse_again)
        bar.cancel_requested.connect(runs.cancel)
        bar.browse_model_requested.connect(lambda: choose_model_file(self, bar.set_model))
        self.plots.controls.normalised_changed.connect(self._on_normalised_changed)
        self.results.message.connect(self.notifier.status)
        self.controller.busy_changed.connect(self._on_busy_changed)
        d.events.audio_loaded.connect(self._on_audio_loaded)
        d.events.waveform_ready.connect(self.plots.waveform.set_pyramid)
        d.events.recording_opened.connect(lambda _p: self.plots.waveform.set_pyramid(None))
        d.events.recording_opened.connect(lambda _p: self._update_title())
        d.events.history_changed.connect(self._update_title)

    def _restore(self) -> None:
        s = self.preferences.settings
        geometry = self.store.geometry("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for key, splitter in (("splitter", self.splitter), ("plots", self.plots.splitter)):
            state = self.store.geometry(key)
            if state is not None:
                splitter.restoreState(state)
        self.analysis_bar.set_models(*model_choices(s.model))
        self.analysis_bar.set_device(s.device)
        self.transport_control.restore()
        self.plots.controls.normalise.setChecked(s.normalised_attention)
        self.plots.heatmap.set_normalised(s.normalised_attention)
        self.actions.normalise.setChecked(s.normalised_attention)
        self._update_recent()
        self._on_busy_changed(False)

    # --- what the menus and the app entry call ---------------------------------------------
    def open_file(self, path: str) -> bool:
        if not self.guard.confirm("opening another recording"):
            return False
        self.runs.open_file(path)
        self._update_recent()
        return True

    def _update_recent(self) -> None:
        self.actions.set_recent(self.preferences.settings.recent_files, self.open_file)

    def _update_title(self) -> None:
        d = self.document
        name = os.path.basename(d.session_path or d.path or "")
        self.setWindowTitle(f"{name}[*] — WhisperScope" if name else "WhisperScope")
        self.setWindowModified(d.has_user_work)

    def _on_audio_loaded(self, audio) -> None:
        self.playback.load(audio)
        self.transport.set_duration(float(audio.duration))

    def _on_busy_changed(self, busy: bool) -> None:
        has_path = self.document.path is not None
        self.analysis_bar.set_busy(busy, can_analyse=has_path)
        self.actions.cancel.setEnabled(busy)
        self.actions.analyse.setEnabled(not busy and has_path)

    def _on_normalised_changed(self, normalised: bool) -> None:
        self.actions.normalise.setChecked(normalised)
        self.preferences.update(normalised_attention=normalised)

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
        if not self._closed and not self.guard.confirm("closing"):
            event.ignore()
            return
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
        self.controller.stop()
        self.autosaver.stop()
        self.statusBar().clearMessage()  # and its timeout timer
        self.workers.shutdown()
        self.engine.close()
        self.store.set_geometry("geometry", self.saveGeometry())
        self.store.set_geometry("splitter", self.splitter.saveState())
        self.store.set_geometry("plots", self.plots.splitter.saveState())
        self.preferences.save()


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

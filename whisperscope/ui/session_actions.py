"""File › Export, Save Session and Open Saved Session: dialogs around the session layer,
reading and marking the document (a saved session is its unsaved work made safe)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from whisperscope.errors import WhisperScopeError
from whisperscope.session.document import AnnotationDocument
from whisperscope.ui.actions import WindowActions
from whisperscope.ui.heatmap_view import HeatmapPlot
from whisperscope.ui.notifier import Notifier
from whisperscope.ui.runs import Runs
from whisperscope.ui.settings_store import SettingsStore
from whisperscope.ui.timeline import Timeline

SESSION_FILTER = "WhisperScope session (*.wscope)"
PNG = "png"


class _BusyCursor:
    def __enter__(self):
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    def __exit__(self, *exc):
        QGuiApplication.restoreOverrideCursor()


@dataclass(frozen=True)
class ExportChoice:
    """One entry of the export dialog's type list."""

    fmt: str  # an exporter format, or "png"
    label: str  # the filter text the dialog shows
    suffix: str
    options: tuple[tuple[str, bool], ...] = ()


WORD_LEVEL = (("word_level", True),)


def _filters() -> list[ExportChoice]:
    """Every export format (word-level SRT/VTT after their segment versions), PNG last."""
    from whisperscope.session.exporters import FORMATS, format_module

    rows = []
    for fmt, description in FORMATS.items():
        suffixes = list(format_module(fmt).SUFFIXES)
        patterns = " ".join(f"*{s}" for s in suffixes)
        rows.append(ExportChoice(fmt, f"{description} ({patterns})", suffixes[0]))
        if fmt in ("srt", "vtt"):
            rows.append(ExportChoice(fmt, f"{description}, one cue per word ({patterns})",
                                     suffixes[0], WORD_LEVEL))
    rows.append(ExportChoice(PNG, "PNG figure: spectrogram, attention, tokens (*.png)", ".png"))
    return rows


def resolve_export(path: str, chosen: str, filters: list[ExportChoice]
                   ) -> tuple[str, ExportChoice]:
    """The file and format to write: a typed suffix that names a format wins over the type
    chosen in the list (talk.TextGrid is a TextGrid whatever the list said); with no suffix
    the chosen type decides and adds its suffix."""
    choice = next((row for row in filters if row.label == chosen), filters[0])
    suffix = Path(path).suffix.lower()
    if not suffix:
        return path + choice.suffix, choice
    if suffix == choice.suffix:
        return path, choice
    named = next((row for row in filters if row.suffix == suffix), None)
    return path, named or choice


class SessionActions(QObject):
    def __init__(self, document: AnnotationDocument, actions: WindowActions, runs: Runs,
                 timeline: Timeline, heatmap: HeatmapPlot, store: SettingsStore,
                 notifier: Notifier, host: QWidget) -> None:
        super().__init__(host)
        self.document = document
        self.actions = actions
        self.runs = runs
        self.timeline = timeline
        self.heatmap = heatmap
        self.store = store
        self.notifier = notifier
        self.host = host
        self.guard = None  # asked before another session replaces unsaved work
        actions.export.triggered.connect(self.export_dialog)
        actions.save_session.triggered.connect(self.save_dialog)
        actions.open_session.triggered.connect(self.open_dialog)
        for signal in (document.events.running_changed, document.events.analysis_changed):
            signal.connect(lambda *_a: self.update_enabled())
        self.update_enabled()

    def update_enabled(self) -> None:
        ready = self.document.analysis is not None and not self.document.running
        self.actions.export.setEnabled(ready)
        self.actions.save_session.setEnabled(ready)

    def _default_path(self, suffix: str) -> str:
        return str(Path(self.document.path or "recording").with_suffix(suffix))

    # --- export --------------------------------------------------------------------------
    def export_dialog(self) -> None:
        if self.document.analysis is None:
            return
        try:
            filters = _filters()
        except ImportError as error:
            self.notifier.error("Export unavailable", f"Exporters are not installed ({error}).")
            return
        store = self.store
        labels = [row.label for row in filters]
        last = store.value("export/filter")
        chosen = last if last in labels else labels[1]
        suffix = next(row.suffix for row in filters if row.label == chosen)
        folder = store.value("export/folder")
        start = self._default_path(suffix)
        if folder and os.path.isdir(folder):
            start = os.path.join(folder, os.path.basename(start))
        path, chosen = QFileDialog.getSaveFileName(self.host, "Export", start,
                                                   ";;".join(labels), chosen)
        if not path:
            return
        path, choice = resolve_export(path, chosen, filters)
        if self.export_to(path, choice.fmt, **dict(choice.options)):
            store.set_value("export/filter", choice.label)
            store.set_value("export/folder", os.path.dirname(os.path.abspath(path)))

    def export_to(self, path: str, fmt: str, **options) -> bool:
        """Write the shown analysis (with the edits) to `path` as `fmt` ("png": the
        figure)."""
        analysis = self.document.shown
        try:
            with _BusyCursor():
                if fmt == PNG:
                    from whisperscope.session.render import pass_attention, render_png

                    audio = self.document.audio
                    attention, label = None, None
                    if self.heatmap.choice.kind == "pass" and any(
                            w.pass_rows is not None for w in analysis.windows):  # as shown
                        attention, label = pass_attention(analysis)
                    render_png(analysis, path, audio.samples if audio is not None else None,
                               attention=attention, attention_label=label,
                               time_range=self.timeline.view_range)
                else:
                    from whisperscope.session.exporters import export

                    if fmt == "json":  # which times were moved by hand, beside them
                        annotation = self.document.annotation
                        options = {**options, "edited_words": annotation.edited_words,
                                   "edited_tokens": annotation.edited_tokens}
                    export(analysis, path, fmt, **options)
        except (WhisperScopeError, OSError) as error:
            self.notifier.error("Export failed", str(error))
            return False
        self.notifier.status(f"Exported {os.path.basename(path)}", 6000)
        return True

    # --- sessions ------------------------------------------------------------------------
    def save_dialog(self) -> bool:
        """Save Session…: False when the user cancelled or it could not be written."""
        if self.document.analysis is None:
            return False
        start = self.document.session_path or self._default_path(".wscope")
        path, _ = QFileDialog.getSaveFileName(self.host, "Save session", start,
                                              SESSION_FILTER)
        if not path:
            return False
        if not path.endswith(".wscope"):
            path += ".wscope"
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        from whisperscope.session.store import save_session

        document = self.document
        annotation = document.annotation
        start, end = self.timeline.view_range
        extra = {"view_range": [start, end], "playhead": self.timeline.playhead}
        if document.reference is not None:
            extra["reference"] = os.path.abspath(document.reference.path)
        try:
            with _BusyCursor():
                save_session(annotation.analysis, path, extra, edits=annotation.edits,
                             token_edits=annotation.token_edits, pins=annotation.pins,
                             tiers=annotation.tiers)
        except (WhisperScopeError, OSError) as error:
            self.notifier.error("Could not save the session", str(error))
            return False
        document.mark_saved(os.path.abspath(path))
        self.notifier.status(f"Saved {os.path.basename(path)}", 6000)
        return True

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.host, "Open session",
                                              os.path.expanduser("~"),
                                              SESSION_FILTER + ";;All files (*)")
        if path:
            self.open_from(path)

    def open_from(self, path: str) -> bool:
        from whisperscope.session.store import (
            SessionAudioMissing,
            load_session,
            relink_audio,
        )

        if self.guard is not None and not self.guard.confirm("opening another session"):
            return False
        try:
            session = load_session(path)
        except SessionAudioMissing as missing:
            answer = QMessageBox.question(
                self.host, "Recording not found", f"{missing}\n\nLocate the recording?",
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Open:
                return False
            audio, _ = QFileDialog.getOpenFileName(self.host, "Locate the recording")
            if not audio:
                return False
            try:
                session = relink_audio(missing.session, audio, accept_different=True)
            except WhisperScopeError as error:
                self.notifier.error("Could not open the session", str(error))
                return False
        except WhisperScopeError as error:
            self.notifier.error("Could not open the session", str(error))
            return False
        self.runs.open_session(session)
        return True

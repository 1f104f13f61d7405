"""File > Export, Save Session and Open Saved Session: dialogs around the session layer."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from whisperscope.errors import WhisperScopeError

if TYPE_CHECKING:
    from whisperscope.ui.main_window import MainWindow

SESSION_FILTER = "WhisperScope session (*.wscope)"
PNG = "png"


def wire(window: MainWindow) -> None:
    a = window.actions
    a.export.triggered.connect(lambda: export_dialog(window))
    a.save_session.triggered.connect(lambda: save_dialog(window))
    a.open_session.triggered.connect(lambda: open_dialog(window))
    update_enabled(window)


def update_enabled(window: MainWindow) -> None:
    ready = window.analysis is not None and not window.controller.busy
    window.actions.export.setEnabled(ready)
    window.actions.save_session.setEnabled(ready)


def _default_path(window: MainWindow, suffix: str) -> str:
    base = window.path or "recording"
    return str(Path(base).with_suffix(suffix))


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


def export_dialog(window: MainWindow) -> None:
    if window.analysis is None:
        return
    try:
        filters = _filters()
    except ImportError as error:
        window.show_error("Export unavailable", f"Exporters are not installed ({error}).")
        return
    store = window.store
    labels = [row.label for row in filters]
    last = store.value("export/filter")
    chosen = last if last in labels else labels[1]
    suffix = next(row.suffix for row in filters if row.label == chosen)
    folder = store.value("export/folder")
    start = _default_path(window, suffix)
    if folder and os.path.isdir(folder):
        start = os.path.join(folder, os.path.basename(start))
    path, chosen = QFileDialog.getSaveFileName(window, "Export", start, ";;".join(labels),
                                               chosen)
    if not path:
        return
    path, choice = resolve_export(path, chosen, filters)
    if export_to(window, path, choice.fmt, **dict(choice.options)):
        store.set_value("export/filter", choice.label)
        store.set_value("export/folder", os.path.dirname(os.path.abspath(path)))


def export_to(window: MainWindow, path: str, fmt: str, **options) -> bool:
    """Write the open analysis to `path` as `fmt` ("png" for the figure)."""
    try:
        with _BusyCursor():
            if fmt == PNG:
                from whisperscope.session.render import pass_attention, render_png

                samples = window.audio.samples if window.audio is not None else None
                analysis = window.workbench.analysis
                attention, label = None, None
                if window.plots.heatmap.choice.kind == "pass" and any(
                        w.pass_rows is not None for w in analysis.windows):  # as shown
                    attention, label = pass_attention(analysis)
                render_png(analysis, path, samples, attention=attention,
                           attention_label=label, time_range=window.timeline.view_range)
            else:
                from whisperscope.session.exporters import export

                if fmt == "json":  # which times were moved by hand, beside them
                    editor = window.workbench.editor
                    options = {**options, "edited_words": editor.edited_words,
                               "edited_tokens": editor.edited_tokens}
                export(window.workbench.analysis, path, fmt, **options)  # with the edits
    except (WhisperScopeError, OSError) as error:
        window.show_error("Export failed", str(error))
        return False
    window.statusBar().showMessage(f"Exported {os.path.basename(path)}", 6000)
    return True


def save_dialog(window: MainWindow) -> None:
    if window.analysis is None:
        return
    path, _ = QFileDialog.getSaveFileName(window, "Save session",
                                          _default_path(window, ".wscope"), SESSION_FILTER)
    if path:
        if not path.endswith(".wscope"):
            path += ".wscope"
        save_to(window, path)


def save_to(window: MainWindow, path: str) -> bool:
    from whisperscope.session.store import save_session

    start, end = window.timeline.view_range
    extra = {"view_range": [start, end], "playhead": window.timeline.playhead}
    bench = window.workbench
    if bench.reference is not None:
        extra["reference"] = os.path.abspath(bench.reference.path)
    try:
        with _BusyCursor():
            save_session(window.analysis, path, extra, edits=bench.editor.edits,
                         token_edits=bench.editor.token_edits)
    except (WhisperScopeError, OSError) as error:
        window.show_error("Could not save the session", str(error))
        return False
    window.statusBar().showMessage(f"Saved {os.path.basename(path)}", 6000)
    return True


def open_dialog(window: MainWindow) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Open session", os.path.expanduser("~"),
                                          SESSION_FILTER + ";;All files (*)")
    if path:
        open_from(window, path)


def open_from(window: MainWindow, path: str) -> bool:
    from whisperscope.session.store import SessionAudioMissing, load_session, relink_audio

    try:
        session = load_session(path)
    except SessionAudioMissing as missing:
        answer = QMessageBox.question(
            window, "Recording not found",
            f"{missing}\n\nLocate the recording?",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Open:
            return False
        audio, _ = QFileDialog.getOpenFileName(window, "Locate the recording")
        if not audio:
            return False
        try:
            session = relink_audio(missing.session, audio, accept_different=True)
        except WhisperScopeError as error:
            window.show_error("Could not open the session", str(error))
            return False
    except WhisperScopeError as error:
        window.show_error("Could not open the session", str(error))
        return False
    window.open_session(session)
    return True

"""File > Export, Save Session and Open Saved Session: dialogs around the session layer."""

from __future__ import annotations

import os
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


def _filters() -> list[tuple[str, str, str]]:
    """(format, filter text, suffix) for every export format, PNG figure last."""
    from whisperscope.session.exporters import FORMATS, format_module

    rows = []
    for fmt, description in FORMATS.items():
        suffixes = list(format_module(fmt).SUFFIXES)
        patterns = " ".join(f"*{s}" for s in suffixes)
        rows.append((fmt, f"{description} ({patterns})", suffixes[0]))
    rows.append((PNG, "PNG figure: spectrogram, attention, tokens (*.png)", ".png"))
    return rows


def export_dialog(window: MainWindow) -> None:
    if window.analysis is None:
        return
    try:
        filters = _filters()
    except ImportError as error:
        window.show_error("Export unavailable", f"Exporters are not installed ({error}).")
        return
    path, chosen = QFileDialog.getSaveFileName(
        window, "Export", _default_path(window, ".srt"), ";;".join(f for _, f, _ in filters),
        filters[1][1] if len(filters) > 1 else "")
    if not path:
        return
    fmt, _, suffix = next((row for row in filters if row[1] == chosen), filters[0])
    if not Path(path).suffix:
        path += suffix
    export_to(window, path, fmt)


def export_to(window: MainWindow, path: str, fmt: str) -> bool:
    """Write the open analysis to `path` as `fmt` ("png" for the figure)."""
    try:
        with _BusyCursor():
            if fmt == PNG:
                from whisperscope.session.render import render_png

                samples = window.audio.samples if window.audio is not None else None
                render_png(window.analysis, path, samples,
                           time_range=window.timeline.view_range)
            else:
                from whisperscope.session.exporters import export

                export(window.analysis, path, fmt)
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
    try:
        with _BusyCursor():
            save_session(window.analysis, path, extra)
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

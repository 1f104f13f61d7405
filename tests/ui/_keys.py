"""Undo and redo as a user types them, with the focus on the spectrogram (not a text field,
which would take Ctrl+Z for itself)."""

from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest


def undo(window) -> None:
    window.plots.spectrogram_widget.setFocus()
    QTest.keySequence(window, QKeySequence("Ctrl+Z"))


def redo(window) -> None:
    window.plots.spectrogram_widget.setFocus()
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+Z"))

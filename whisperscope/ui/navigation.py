"""Moving around a recording from the keyboard: word by word (Ctrl+Left/Right), to either
end (Home/End), looping the selected range (L), finding a word (Ctrl+F) and copying the
selected rows with their times (Ctrl+C). Wires the window's actions to the views."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from whisperscope.ui.selection_region import SelectionRegion

if TYPE_CHECKING:
    from whisperscope.ui.main_window import MainWindow

STEP_BACK_SLACK = 0.25  # s: just after a word's start, Ctrl+Left goes to the word before


def word_step(starts, t: float, direction: int) -> float | None:
    """The start of the next (1) or previous (-1) word from time t; None past either end."""
    starts = np.asarray(starts, float)
    if direction > 0:
        i = int(np.searchsorted(starts, t + 1e-3, side="right"))
        return float(starts[i]) if i < len(starts) else None
    i = int(np.searchsorted(starts, t - STEP_BACK_SLACK, side="left")) - 1
    return float(starts[i]) if i >= 0 else None


class Navigator(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        a, plots = window.actions, window.plots
        for plot in (plots.spectrogram, plots.tiers, plots.heatmap):
            plot.addItem(SelectionRegion(window.timeline), ignoreBounds=True)
        a.word_back.triggered.connect(lambda: self.step_word(-1))
        a.word_forward.triggered.connect(lambda: self.step_word(1))
        a.home.triggered.connect(lambda: self._seek(0.0))
        a.end.triggered.connect(lambda: self._seek(window.timeline.duration))
        a.loop.triggered.connect(self.toggle_loop)
        a.find.triggered.connect(window.token_list.show_search)
        a.copy.triggered.connect(self.copy)

    def _seek(self, t: float) -> None:
        self.window.playback.seek(t)
        self.window.timeline.ensure_visible(self.window.timeline.playhead)

    def step_word(self, direction: int) -> None:
        words = self.window.results.index.words
        t = word_step([w.start for w in words], self.window.timeline.playhead, direction)
        if t is not None:
            self._seek(t)

    def toggle_loop(self) -> None:
        playback, selection = self.window.playback, self.window.timeline.selection
        if playback.loop is not None:
            playback.pause()
        elif selection is None:
            self.window.statusBar().showMessage(
                "Shift+drag on the time axis to select a range to loop", 6000)
        else:
            playback.play_loop(*selection)

    def copy(self) -> None:
        text = self.window.token_list.selected_tsv()
        if text:
            QApplication.clipboard().setText(text)
            rows = text.count("\n") - 1
            self.window.statusBar().showMessage(
                f"Copied {rows} row{'s' if rows != 1 else ''} with their times", 4000)

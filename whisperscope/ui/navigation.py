"""Moving around a recording from the keyboard: word by word (Ctrl+Left/Right), to either
end (Home/End), looping the selected range (L), finding a word (Ctrl+F) and copying the
selected rows with their times (Ctrl+C). Wires the window's actions to the views."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from whisperscope.ui.actions import WindowActions
from whisperscope.ui.notifier import Notifier
from whisperscope.ui.playback import PlaybackController
from whisperscope.ui.playhead_index import PlayheadIndex
from whisperscope.ui.plots_panel import PlotsPanel
from whisperscope.ui.selection_region import SelectionRegion
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.token_list import TokenListPanel

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
    def __init__(self, actions: WindowActions, timeline: Timeline,
                 playback: PlaybackController, plots: PlotsPanel, token_list: TokenListPanel,
                 index: PlayheadIndex, notifier: Notifier, parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.playback = playback
        self.token_list = token_list
        self.index = index
        self.notifier = notifier
        for plot in (plots.waveform, plots.spectrogram, plots.tiers, plots.heatmap):
            plot.addItem(SelectionRegion(timeline), ignoreBounds=True)
        a = actions
        a.word_back.triggered.connect(lambda: self.step_word(-1))
        a.word_forward.triggered.connect(lambda: self.step_word(1))
        a.home.triggered.connect(lambda: self._seek(0.0))
        a.end.triggered.connect(lambda: self._seek(timeline.duration))
        a.loop.triggered.connect(self.toggle_loop)
        a.find.triggered.connect(token_list.show_search)
        a.copy.triggered.connect(self.copy)

    def _seek(self, t: float) -> None:
        self.playback.seek(t)
        self.timeline.ensure_visible(self.timeline.playhead)

    def step_word(self, direction: int) -> None:
        words = self.index.words
        t = word_step([w.start for w in words], self.timeline.playhead, direction)
        if t is not None:
            self._seek(t)

    def toggle_loop(self) -> None:
        playback, selection = self.playback, self.timeline.selection
        if playback.loop is not None:
            playback.pause()
        elif selection is None:
            self.notifier.status("Shift+drag on the time axis to select a range to loop", 6000)
        else:
            playback.play_loop(*selection)

    def copy(self) -> None:
        text = self.token_list.selected_tsv()
        if text:
            QApplication.clipboard().setText(text)
            rows = text.count("\n") - 1
            self.notifier.status(f"Copied {rows} row{'s' if rows != 1 else ''} with their "
                                 "times", 4000)

"""The selection's start, end and duration, to the millisecond (Praat shows them above its
tiers): a label in the status bar, the cursor's time when nothing is selected."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from whisperscope.ui.timefmt import format_time
from whisperscope.ui.timeline import Timeline


def selection_text(selection: tuple[float, float] | None, cursor: float) -> str:
    if selection is None:
        return f"cursor {format_time(cursor, 3)}"
    start, end = selection
    return f"selection {format_time(start, 3)} – {format_time(end, 3)} ({end - start:.3f} s)"


class SelectionReadout(QLabel):
    def __init__(self, timeline: Timeline) -> None:
        super().__init__()
        self.setObjectName("selection_readout")
        self.timeline = timeline
        self.setToolTip("Shift+drag (or double-click an interval) selects; Tab plays the "
                        "selection, Ctrl+N zooms to it")
        timeline.selection_changed.connect(lambda _s: self.refresh())
        timeline.playhead_moved.connect(self._on_playhead)
        self.refresh()

    def _on_playhead(self, _t: float) -> None:
        if self.timeline.selection is None:
            self.refresh()

    def refresh(self) -> None:
        self.setText(selection_text(self.timeline.selection, self.timeline.playhead))

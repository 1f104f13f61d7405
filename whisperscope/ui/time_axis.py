"""The bottom axis of every time plot: minutes:seconds ticks; a click seeks there, a
Shift+drag selects a time range."""

from __future__ import annotations

from PySide6.QtCore import Qt

from whisperscope.ui.fast_axis import FastAxis
from whisperscope.ui.time_viewbox import select_by_drag
from whisperscope.ui.timefmt import time_ticks
from whisperscope.ui.timeline import Timeline


class TimeAxis(FastAxis):
    def __init__(self, timeline: Timeline, orientation: str = "bottom", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self._timeline = timeline
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def ticks(self, low, high, pixels):
        return time_ticks(low, high, pixels, self.label_width)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802
        view = self.linkedView()
        if view is None or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        self._timeline.request_seek(view.mapSceneToView(ev.scenePos()).x())

    def mouseDragEvent(self, ev) -> None:  # noqa: N802
        view = self.linkedView()
        if view is None or ev.button() != Qt.MouseButton.LeftButton or not (
                ev.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            super().mouseDragEvent(ev)
            return
        ev.accept()
        select_by_drag(self._timeline, view, ev)

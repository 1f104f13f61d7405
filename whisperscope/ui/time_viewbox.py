"""A pyqtgraph ViewBox whose x axis is the shared Timeline.

Wheel pans in time, Ctrl+wheel zooms around the pointer, drag pans, Shift+drag selects a
time range, a click seeks; a double-click is reported (a tier selects its interval). The y
axis never moves with the mouse: the plot that owns the box decides what y shows.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from whisperscope.ui.timeline import Timeline

ZOOM_STEP = 1.25  # span factor per wheel notch
PAN_STEP = 0.1  # fraction of the visible span per wheel notch


class TimeViewBox(pg.ViewBox):
    clicked = Signal(float, float)  # x (seconds), y in view coordinates
    double_clicked = Signal(float, float)

    def __init__(self, timeline: Timeline, **kwargs) -> None:
        super().__init__(enableMenu=False, **kwargs)
        self._timeline = timeline
        self._syncing = False
        self.setMouseEnabled(x=True, y=False)
        self.setDefaultPadding(0.0)
        self.sigXRangeChanged.connect(self._on_own_range_changed)
        timeline.view_range_changed.connect(self._on_timeline_range_changed)
        timeline.duration_changed.connect(self._on_duration_changed)
        self._on_timeline_range_changed(*timeline.view_range)

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802 (Qt naming)
        notches = ev.delta() / 120.0
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            center = self.mapSceneToView(ev.scenePos()).x()
            self._timeline.zoom(ZOOM_STEP ** (-notches), center)
        else:
            self._timeline.pan(-notches * PAN_STEP * self._timeline.span)
        ev.accept()

    def mouseClickEvent(self, ev) -> None:  # noqa: N802
        if ev.button() == Qt.MouseButton.LeftButton:
            point = self.mapSceneToView(ev.scenePos())
            ev.accept()
            if ev.double():
                self.double_clicked.emit(point.x(), point.y())
                return
            self.clicked.emit(point.x(), point.y())
            self._timeline.request_seek(point.x())
        else:
            ev.ignore()

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802
        if ev.button() == Qt.MouseButton.LeftButton and (
                ev.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            ev.accept()
            select_by_drag(self._timeline, self, ev)
            return
        super().mouseDragEvent(ev, axis)

    def updateViewRange(self, forceX=False, forceY=False) -> None:  # noqa: N802
        super().updateViewRange(forceX, forceY)
        # Apply the new range now, not in the next paint's prepareForPaint: the items whose
        # bounds follow the view (boundary lines, tiers, the playhead) change their geometry
        # in the transform's update, and a geometry change during a paint makes Qt paint the
        # whole plot a second time (every step of a zoom, pan or followed playback).
        self.updateMatrix()

    def _on_own_range_changed(self, _box, x_range) -> None:
        if not self._syncing:
            self._timeline.set_view_range(*x_range)

    def _on_timeline_range_changed(self, start: float, end: float) -> None:
        self._syncing = True
        try:
            self.setXRange(start, end, padding=0.0)
        finally:
            self._syncing = False

    def _on_duration_changed(self, duration: float) -> None:
        if duration > 0:
            self.setLimits(xMin=0.0, xMax=duration, minXRange=0.05)


def select_by_drag(timeline: Timeline, view: pg.ViewBox, ev) -> None:
    """A Shift+drag in `view` (a plot or its time axis) selects the range it covers."""
    start = view.mapSceneToView(ev.buttonDownScenePos()).x()
    timeline.set_selection(start, view.mapSceneToView(ev.scenePos()).x())

"""The base of the plots on the shared time axis (spectrogram, tiers, heatmap): the Timeline's
view box, a time axis at the bottom, the playhead, no pyqtgraph menus or buttons."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF

from whisperscope.ui import theme
from whisperscope.ui.time_axis import TimeAxis
from whisperscope.ui.time_viewbox import TimeViewBox
from whisperscope.ui.timeline import Timeline

PLAYHEAD_Z = 10
PLAYHEAD_HALF_PX = 2.0  # half the strip repainted around the playhead when it moves


class Playhead(pg.GraphicsObject):
    """A vertical line at one time across the whole plot. pyqtgraph's InfiniteLine made its
    bounds anew at every move (its rotated frame moves with it) and changed its geometry
    inside the paint; this one's bounds are a few pixels' strip in the plot's own seconds,
    changed before the paint, so a move repaints the old and the new strip only."""

    def __init__(self) -> None:
        super().__init__()
        self.time = 0.0  # not `x`: that is QGraphicsItem.x()
        self.pen = theme.playhead_pen()
        self.setZValue(PLAYHEAD_Z)

    def value(self) -> float:
        return self.time

    def setValue(self, x: float) -> None:  # noqa: N802 (InfiniteLine's name, for its callers)
        x = float(x)
        if x != self.time:
            self.prepareGeometryChange()
            self.time = x

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph hook: zoom, pan, resize)
        super().viewTransformChanged()
        self.prepareGeometryChange()

    def boundingRect(self) -> QRectF:  # noqa: N802
        view = self.viewRect()
        if view is None:
            return QRectF()
        half = PLAYHEAD_HALF_PX * (self.pixelWidth() or 0.0)
        return QRectF(self.time - half, view.top(), 2 * half, view.height())

    def paint(self, p, *_args) -> None:
        view = self.viewRect()
        if view is None:
            return
        p.setPen(self.pen)
        p.drawLine(QPointF(self.time, view.top()), QPointF(self.time, view.bottom()))


class TimePlot(pg.PlotItem):
    def __init__(self, timeline: Timeline, left_axis: pg.AxisItem | None = None) -> None:
        axes = {"bottom": TimeAxis(timeline)}
        if left_axis is not None:
            axes["left"] = left_axis
        super().__init__(viewBox=TimeViewBox(timeline), axisItems=axes)
        self.timeline = timeline
        self.hideButtons()
        self.setMenuEnabled(False)
        for name in ("top", "bottom", "left", "right"):
            # no SI prefixes on seconds, rows or Hz; with them on, every range change of
            # every axis (hidden ones too) re-set its label's HTML (~0.1 ms each, 6 a frame
            # while the view follows playback)
            self.getAxis(name).enableAutoSIPrefix(False)
        self.getAxis("left").setWidth(theme.AXIS_WIDTH)  # the plots' time columns line up
        self.playhead = Playhead()
        self.addItem(self.playhead, ignoreBounds=True)
        timeline.playhead_moved.connect(self.playhead.setValue)

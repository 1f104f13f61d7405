"""A colour scale beside a plot: the colour map, its value range and what the values are.

Display only (the images keep their own fixed levels); every bar is exactly `WIDTH` pixels
wide, so plots stacked with one keep their time columns aligned with each other.

Two axes and a painted gradient, not pyqtgraph's ColorBarItem: that is a whole PlotItem
(a view box, four axes, an image, menus), ~10 ms each to build at launch, for a picture
that never moves.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QGradient, QPainter
from PySide6.QtWidgets import QGraphicsGridLayout

BAR_PX, LABEL_PX, TICKS_PX = 12, 20, 40
WIDTH = BAR_PX + LABEL_PX + TICKS_PX


class _Gradient(pg.GraphicsWidget):
    """The colour map from its low end (bottom) to its high end (top), framed."""

    def __init__(self, colormap: pg.ColorMap) -> None:
        super().__init__()
        self.gradient = colormap.getGradient(QPointF(0.0, 1.0), QPointF(0.0, 0.0))
        self.gradient.setCoordinateMode(QGradient.CoordinateMode.ObjectBoundingMode)
        self.setFixedWidth(BAR_PX)

    def paint(self, painter: QPainter, *args) -> None:
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.fillRect(rect, QBrush(self.gradient))
        painter.setPen(pg.mkPen(pg.getConfigOption("foreground")))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)


class ColourBar(pg.GraphicsWidget):
    def __init__(self, colormap: pg.ColorMap, values: tuple[float, float], label: str,
                 bottom_px: float = 0.0) -> None:
        """`bottom_px`: the height of the plot's time axis, so the bar spans its image."""
        super().__init__()
        layout = QGraphicsGridLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.setLayout(layout)
        self.title = pg.AxisItem("left", showValues=False)  # only its label, turned
        self.title.setTicks([])
        self.title.setStyle(tickLength=0)
        self.title.setPen(pg.mkPen(None))
        self.title.setWidth(LABEL_PX)
        self.bar = _Gradient(colormap)
        self.axis = pg.AxisItem("right")
        self.axis.setWidth(TICKS_PX)
        layout.addItem(self.title, 0, 0)
        layout.addItem(self.bar, 0, 1)
        layout.addItem(self.axis, 0, 2)
        layout.setRowFixedHeight(1, bottom_px)
        self.setMinimumWidth(WIDTH)
        self.setMaximumWidth(WIDTH)
        self._levels = (0.0, 1.0)
        self.label = ""
        self.set_scale(values, label)

    def levels(self) -> tuple[float, float]:
        return self._levels

    def set_scale(self, values: tuple[float, float], label: str) -> None:
        """Show `values` (low, high) as the colour map's ends, described by `label`."""
        self._levels = (float(values[0]), float(values[1]))
        self.axis.setRange(*self._levels)
        if label != self.label:
            self.label = label
            self.title.setLabel(label)


def spacer() -> pg.GraphicsWidget:
    """An empty column as wide as a bar, for a plot stacked with barred plots."""
    widget = pg.GraphicsWidget()
    widget.setMinimumWidth(WIDTH)
    widget.setMaximumWidth(WIDTH)
    return widget

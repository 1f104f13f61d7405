"""An AxisItem that makes its picture fast: one labelled level of ticks and one plain one.

pyqtgraph's `generateDrawSpecs` formats and measures the labels of every tick level with a
QPainter.boundingRect call each, then drops most of them: ~1 ms an axis on this box, and the
two time axes are remade at every step of a followed playback, a zoom or a pan (the largest
Python cost of those frames, bench/ui_latency.py). Here a subclass says which ticks carry
which labels (`ticks`), labels are measured once per text with the font's metrics, and the
picture is drawn by pyqtgraph's own `drawPicture`, so it looks as before.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPen

MEASURED_KEPT = 4096  # label sizes remembered per axis (a session's worth of tick texts)
MINOR_ALPHA = 128  # what pyqtgraph gives its second level (255 / 2)
MINOR_LENGTH = 1 / 1.5  # ... and its length


class FastAxis(pg.AxisItem):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sizes: dict[str, tuple[float, float]] = {}
        self._sizes_font = None
        self._font_metrics: QFontMetricsF | None = None

    def ticks(self, low: float, high: float, pixels: float
              ) -> tuple[list[tuple[float, str]], list[float]]:
        """(labelled ticks as (value, text), plain ticks) for the range `low..high` drawn
        over `pixels`; `label_width` measures a text."""
        raise NotImplementedError

    def generateDrawSpecs(self, p):  # noqa: N802 (pyqtgraph hook)
        if self.orientation not in ("bottom", "left") or self._tickLevels is not None:
            return super().generateDrawSpecs(p)
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        bounds = self.mapRectFromParent(self.geometry())
        vertical = self.orientation == "left"
        length = bounds.height() if vertical else bounds.width()
        low, high = self.range
        if length <= 0 or high == low:
            return None
        scale = length / (high - low)

        def position(value: float) -> float:
            return bounds.bottom() - (value - low) * scale if vertical else \
                bounds.left() + (value - low) * scale

        if vertical:
            span = (bounds.topRight() + QPointF(-1, -1), bounds.bottomRight() + QPointF(-1, 1))
            base = bounds.right()  # the edge the ticks stand on
            direction = -1
        else:
            span = (bounds.topLeft() + QPointF(-1, 1), bounds.topRight() + QPointF(1, 1))
            base = bounds.top()
            direction = 1
        self._use_font(p)
        labelled, plain = self.ticks(min(low, high), max(low, high), length)
        tick_length = self.style["tickLength"]
        major_pen = self.tickPen()
        minor_pen = QPen(major_pen)
        if major_pen.brush().style() == Qt.BrushStyle.SolidPattern:
            colour = QColor(major_pen.color())
            colour.setAlpha(MINOR_ALPHA)
            minor_pen.setColor(colour)
        edge = (min(bounds.top(), bounds.bottom()), max(bounds.top(), bounds.bottom())) if \
            vertical else (bounds.left(), bounds.right())

        def tick(pen, value, size):
            x = position(value)
            if not edge[0] <= x <= edge[1]:
                return None
            end = base + size * direction
            return (pen, QPointF(base, x), QPointF(end, x)) if vertical else \
                (pen, QPointF(x, base), QPointF(x, end))

        tick_specs = [s for s in (tick(major_pen, v, tick_length) for v, _ in labelled) if s]
        tick_specs += [s for s in (tick(minor_pen, v, tick_length * MINOR_LENGTH)
                                   for v in plain) if s]
        axis_spec = (self.pen(), span[0], span[1])
        if not self.style["showValues"]:
            return axis_spec, tick_specs, []
        offset = max(0, tick_length) + self.style["tickTextOffset"][0 if vertical else 1]
        box = self.boundingRect()
        text_specs, widest = [], 0.0
        for value, text in labelled:
            width, height = self._size(text)
            x = position(value)
            if vertical:
                rect = QRectF(base - offset - width, x - height / 2, width, height)
                flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            else:
                rect = QRectF(x - width / 2, base + offset, width, height)
                flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
            if box & rect != rect:  # cut by the axis's edge: pyqtgraph leaves it out too
                continue
            widest = max(widest, width if vertical else height)
            text_specs.append((rect, flags | Qt.TextFlag.TextDontClip, text))
        self._updateMaxTextSize(widest)
        return axis_spec, tick_specs, text_specs

    def label_width(self, text: str) -> float:
        """A label's width in pixels, in the font of the picture being made."""
        return self._size(text)[0]

    def _use_font(self, p) -> None:
        """Measure labels in the painter's font (sizes measured in another one are dropped)."""
        key = p.font().key()
        if key != self._sizes_font:
            self._sizes_font, self._sizes = key, {}
            self._font_metrics = QFontMetricsF(p.font())

    def _size(self, text: str) -> tuple[float, float]:
        """A label's box as pyqtgraph measures it (its boundingRect, 0.8 of the height)."""
        size = self._sizes.get(text)
        if size is None:
            if len(self._sizes) >= MEASURED_KEPT:
                self._sizes.clear()
            rect = self._font_metrics.boundingRect(QRectF(0, 0, 100, 100),
                                                   Qt.AlignmentFlag.AlignCenter, text)
            size = self._sizes[text] = (rect.width(), rect.height() * 0.8)
        return size

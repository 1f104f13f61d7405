"""A layer x head grid of small attention maps, each with its alignment score.

Drawn as one mosaic image (one ImageItem, however many heads) with a score in each cell's
corner;
the model's alignment heads are outlined, the heads the user picked are outlined in the
accent colour. A click shows that head in the main heatmap; Shift+click picks it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGraphicsRectItem

from whisperscope.ui import theme

GAP = 3  # pixels of the mosaic between cells
LABEL_ROWS = 0  # mosaic rows under each cell (the score sits in its corner)
LABEL_FILL = QColor(12, 12, 16, 170)


class ScoreLabels(pg.GraphicsObject):
    """Each cell's score in its top-left corner, in screen pixels whatever the zoom; one
    item painting them all (made in no time, unlike one TextItem per head)."""

    def __init__(self) -> None:
        super().__init__()
        self.corners: list[tuple[float, float]] = []
        self.texts: list[str] = []
        self._bounds = QRectF()

    def set_labels(self, corners: list[tuple[float, float]], texts: list[str],
                   bounds: QRectF) -> None:
        """`bounds`: the mosaic, which the labels never leave (each sits in its cell)."""
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = QRectF(bounds)
        if (corners, texts) != (self.corners, self.texts):
            self.corners, self.texts = corners, texts
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt naming)
        return self._bounds

    def paint(self, painter: QPainter, *_args) -> None:
        to_device = painter.transform()
        painter.resetTransform()  # text in pixels, not in mosaic cells
        metrics = painter.fontMetrics()
        painter.setPen(QColor(theme.TEXT))
        for (x, y), text in zip(self.corners, self.texts, strict=True):
            corner = to_device.map(QPointF(x, y))
            box = QRectF(corner.x(), corner.y(), metrics.horizontalAdvance(text) + 6,
                         metrics.height() + 2)
            painter.fillRect(box, LABEL_FILL)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class MosaicPlot:
    """The grid's view box with layer labels on the left and head labels on top: what the
    grid used of a pyqtgraph PlotItem, without its menus, buttons and four axes (a PlotItem
    was ~8 ms of the panel's build, bench/ui_latency.py)."""

    def __init__(self, layout: pg.GraphicsLayout) -> None:
        self.vb = pg.ViewBox(enableMenu=False, invertY=True)
        self.vb.setMouseEnabled(x=False, y=False)
        self.axes = {"left": pg.AxisItem("left"), "top": pg.AxisItem("top")}
        for axis in self.axes.values():
            axis.linkToView(self.vb)
            axis.enableAutoSIPrefix(False)
        layout.addItem(self.axes["top"], row=0, col=1)
        layout.addItem(self.axes["left"], row=1, col=0)
        layout.addItem(self.vb, row=1, col=1)

    def addItem(self, item) -> None:  # noqa: N802 (PlotItem's names)
        self.vb.addItem(item)

    def removeItem(self, item) -> None:  # noqa: N802
        self.vb.removeItem(item)

    def getAxis(self, name: str) -> pg.AxisItem:  # noqa: N802
        return self.axes[name]

    def setRange(self, **kwargs) -> None:  # noqa: N802
        self.vb.setRange(**kwargs)


class HeadGrid(pg.GraphicsLayoutWidget):
    head_clicked = Signal(int, int)  # layer, head
    picks_changed = Signal(object)  # the picked (layer, head) pairs, sorted

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = MosaicPlot(self.ci)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(theme.heatmap_lut())
        self.plot.addItem(self.image)
        self.shape = (0, 0, 0, 0)  # layers, heads, cell rows, cell columns
        self.scores = np.zeros((0, 0))
        self.alignment_heads: set[tuple[int, int]] = set()
        self.picked: set[tuple[int, int]] = set()
        self.labels = ScoreLabels()  # one item for every score: 24-48 TextItems cost 30+ ms
        self.labels.setZValue(5)
        self.plot.addItem(self.labels)
        self._outlines: list[QGraphicsRectItem] = []
        self.scene().sigMouseClicked.connect(self._on_click)

    def set_cells(self, cells: np.ndarray, scores: np.ndarray,
                  alignment_heads=()) -> None:
        """`cells`: (layers, heads, rows, columns) in 0..1; `scores`: (layers, heads)."""
        n_layers, n_heads, h, w = cells.shape
        if (n_layers, n_heads) != self.shape[:2]:
            self.picked = {p for p in self.picked if p[0] < n_layers and p[1] < n_heads}
        self.shape, self.scores = cells.shape, scores
        previous_marks = self.alignment_heads if self.shape[:2] == (n_layers, n_heads) \
            and self.labels.texts else None
        self.alignment_heads = {tuple(map(int, p)) for p in alignment_heads}
        step_y, step_x = h + LABEL_ROWS + GAP, w + GAP
        mosaic = np.zeros((n_layers * step_y, n_heads * step_x), np.float32)
        for layer in range(n_layers):
            for head in range(n_heads):
                y, x = layer * step_y, head * step_x
                mosaic[y: y + h, x: x + w] = cells[layer, head]
        self.image.setImage(mosaic, autoLevels=False, levels=(0.0, 1.0))
        self._place_labels(n_layers, n_heads, h, w)
        self.plot.getAxis("left").setTicks([[(layer * step_y + h / 2, f"L{layer}")
                                             for layer in range(n_layers)], []])
        self.plot.getAxis("top").setTicks([[(head * step_x + w / 2, f"H{head}")
                                            for head in range(n_heads)], []])
        self.plot.setRange(xRange=(0, mosaic.shape[1]), yRange=(0, mosaic.shape[0]),
                           padding=0.01)
        if self.alignment_heads != previous_marks:
            self._outline()

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        n_layers, n_heads, h, w = self.shape
        step_y, step_x = h + LABEL_ROWS + GAP, w + GAP
        layer, head = int(y // step_y), int(x // step_x)
        if 0 <= layer < n_layers and 0 <= head < n_heads:
            return layer, head
        return None

    def _place_labels(self, n_layers: int, n_heads: int, h: int, w: int) -> None:
        corners = [(head * (w + GAP), layer * (h + LABEL_ROWS + GAP))
                   for layer in range(n_layers) for head in range(n_heads)]
        texts = [f"{score:.2f}" for score in self.scores.ravel()]
        self.labels.set_labels(corners, texts, QRectF(0, 0, n_heads * (w + GAP),
                                                      n_layers * (h + LABEL_ROWS + GAP)))

    def _outline(self) -> None:
        for item in self._outlines:
            self.plot.removeItem(item)
        self._outlines = []
        _, _, h, w = self.shape
        for pair in sorted(self.alignment_heads | self.picked):
            rect = QGraphicsRectItem(QRectF(pair[1] * (w + GAP) - 1,
                                            pair[0] * (h + LABEL_ROWS + GAP) - 1, w + 2, h + 2))
            color = theme.EDITED if pair in self.picked else theme.TEXT
            style = Qt.PenStyle.SolidLine if pair in self.alignment_heads else \
                Qt.PenStyle.DashLine
            rect.setPen(pg.mkPen(color, width=2 if pair in self.picked else 1, style=style))
            self.plot.addItem(rect)
            self._outlines.append(rect)

    def toggle_pick(self, layer: int, head: int) -> None:
        self.picked ^= {(layer, head)}
        self._outline()
        self.picks_changed.emit(sorted(self.picked))

    def _on_click(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        point = self.plot.vb.mapSceneToView(ev.scenePos())
        cell = self.cell_at(point.x(), point.y())
        if cell is None:
            return
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.toggle_pick(*cell)
        else:
            self.head_clicked.emit(*cell)

"""Tiers between the spectrogram and the heatmap, as in Praat's TextGrid editor: our words,
our tokens and, when one is loaded, the reference's words, as labelled intervals on the
shared time axis. Word boundaries can be dragged here as in the other plots, and token
boundaries in the tokens tier (inside their word: see `session.edits`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics

from whisperscope.ui import theme
from whisperscope.ui.boundary_lines import BoundaryLines
from whisperscope.ui.time_plot import TimePlot
from whisperscope.ui.timeline import Timeline

ROW_PX = 20  # height of one tier
MAX_LABELLED = 800  # intervals in view; zoomed further out only their spans are drawn
WORDS, TOKENS, REFERENCE = "words", "tokens", "reference"


class TierItem(pg.GraphicsObject):
    """The intervals of every tier, painted in screen pixels (labels never stretch)."""

    def __init__(self) -> None:
        super().__init__()
        self.tiers: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
        self.order: list[str] = []
        self.marked: dict[str, frozenset[int]] = {}
        self.unaligned: dict[str, frozenset[int]] = {}  # words the audio does not support
        self.current: dict[str, int] = {}
        self.font = QFont()
        self.font.setPointSizeF(8.5)
        self.metrics = QFontMetrics(self.font)

    def set_tier(self, name: str, items, marked=frozenset()) -> None:
        items = list(items)
        self.tiers[name] = (np.array([i.start for i in items], float),
                            np.array([i.end for i in items], float),
                            [i.text.strip() for i in items])
        self.marked[name] = frozenset(marked)
        self.unaligned[name] = frozenset(
            i for i, item in enumerate(items) if getattr(item, "unaligned", False))
        self.update()

    def set_current(self, name: str, index: int) -> None:
        if self.current.get(name) != index:
            self.current[name] = index
            self.update()

    def viewTransformChanged(self) -> None:  # noqa: N802
        super().viewTransformChanged()
        self.prepareGeometryChange()

    def boundingRect(self) -> QRectF:  # noqa: N802
        rect = self.viewRect()
        return QRectF() if rect is None else rect

    def paint(self, p, *_args) -> None:
        view = self.viewRect()
        if view is None:
            return
        transform = p.transform()
        p.resetTransform()
        p.setFont(self.font)
        for row, name in enumerate(self.order):
            if name in self.tiers:
                self._paint_tier(p, transform, view, row, name)

    def _paint_tier(self, p, transform, view, row: int, name: str) -> None:
        starts, ends, texts = self.tiers[name]
        i0 = int(np.searchsorted(ends, view.left(), side="right"))
        i1 = int(np.searchsorted(starts, view.right(), side="left"))
        top = transform.map(QPointF(0, row + 0.08)).y()
        bottom = transform.map(QPointF(0, row + 0.92)).y()
        labelled = i1 - i0 <= MAX_LABELLED
        fill = QColor(theme.REFERENCE if name == REFERENCE else theme.SURFACE)
        fill.setAlpha(90 if name == REFERENCE else 255)
        marked, current = self.marked.get(name, frozenset()), self.current.get(name, -1)
        unaligned, unaligned_fill = self.unaligned.get(name, frozenset()), QColor(
            theme.UNALIGNED).darker(250)
        for i in range(max(i0, 0), i1):
            x0 = transform.map(QPointF(starts[i], 0)).x()
            x1 = transform.map(QPointF(ends[i], 0)).x()
            box = QRectF(x0, top, max(x1 - x0, 1.0), bottom - top)
            p.setPen(QColor(theme.PLAYHEAD) if i == current else QColor(theme.EDITED)
                     if i in marked else QColor(90, 92, 102))
            p.setBrush(unaligned_fill if i in unaligned else fill)
            p.drawRect(box)
            if labelled and box.width() > 12:
                text = self.metrics.elidedText(texts[i], Qt.TextElideMode.ElideRight,
                                               int(box.width()) - 4)
                if len(text) > 2 or text == texts[i]:  # a bare "…" or "c…" only clutters
                    p.setPen(QColor(theme.TEXT))
                    p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class TierPlot(TimePlot):
    def __init__(self, timeline: Timeline) -> None:
        super().__init__(timeline)
        self.hideAxis("bottom")
        self.invertY(True)
        self.tiers = TierItem()
        self.boundaries = BoundaryLines()
        # above the word lines: a press in the tokens tier is a token boundary's first
        self.token_boundaries = BoundaryLines(dash=0.8)
        self.token_boundaries.setZValue(self.boundaries.zValue() + 1)
        self.addItem(self.tiers, ignoreBounds=True)
        self.addItem(self.boundaries, ignoreBounds=True)
        self.addItem(self.token_boundaries, ignoreBounds=True)
        self.set_order([WORDS, TOKENS])

    def set_order(self, names: list[str]) -> None:
        """Which tiers are shown, top to bottom."""
        self.tiers.order = list(names)
        self.getAxis("left").setTicks([[(i + 0.5, n) for i, n in enumerate(names)], []])
        self.setYRange(0, len(names), padding=0)
        row = names.index(TOKENS) if TOKENS in names else None
        self.token_boundaries.set_rows(None if row is None else (row, row + 1))
        self.token_boundaries.setVisible(row is not None)
        self.tiers.update()

    def preferred_height(self) -> int:
        return ROW_PX * len(self.tiers.order) + 4

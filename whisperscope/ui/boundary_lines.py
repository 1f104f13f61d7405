"""Boundaries as lines through a plot, like Praat's TextGrid editor: the words' in each of
the spectrogram, the tiers and the heatmap, drawn from the same spans; the tokens' only
across the tokens tier (`rows`).

Dragging within a few pixels of a boundary moves it (the boundary editor decides where it
may go); anywhere else the drag passes to the item below or to the view (pan). Edited
boundaries are drawn in the accent colour. Only the boundaries in view are painted, in
screen pixels.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPen

from whisperscope.session.edits import END, START
from whisperscope.ui import theme
from whisperscope.ui.view_rect_item import ViewRectItem

GRAB_PX = 4.0  # a press this close to a boundary grabs it
MAX_PAINTED = 2000  # boundaries; zoomed further out none are drawn


class BoundaryLines(ViewRectItem):
    dragged = Signal(int, str, float)  # word (token) index, START | END, time: while dragging
    drag_finished = Signal(int, str, float)  # ... and where it was let go

    def __init__(self, editable: bool = True, dash: float = 1.0) -> None:
        super().__init__()
        self.editable = editable
        self.dash = dash  # line width of a plain boundary
        self.rows: tuple[float, float] | None = None  # y span drawn and grabbed; None: all
        self.starts = np.zeros(0)
        self.ends = np.zeros(0)
        self.edited: frozenset[int] = frozenset()
        self._drag: tuple[int, str] | None = None
        self.setZValue(8)
        if editable:
            self.setAcceptHoverEvents(True)

    def set_spans(self, starts, ends, edited=frozenset()) -> None:
        self.starts = np.asarray(starts, float)
        self.ends = np.asarray(ends, float)
        self.edited = frozenset(edited)
        self.update()

    def set_rows(self, rows: tuple[float, float] | None) -> None:
        """Draw and grab only between these y values (view coordinates); None: the whole
        height."""
        self.rows = rows
        self.update()

    def _in_rows(self, y: float) -> bool:
        return self.rows is None or min(self.rows) <= y <= max(self.rows)

    def boundary_near(self, t: float, tolerance: float) -> tuple[int, str] | None:
        """The word edge within `tolerance` seconds of `t` (the nearest), or None."""
        if not len(self.starts):
            return None
        ds, de = np.abs(self.starts - t), np.abs(self.ends - t)
        i, j = int(np.argmin(ds)), int(np.argmin(de))
        best = (i, START, ds[i]) if ds[i] < de[j] else (j, END, de[j])
        return (best[0], best[1]) if best[2] <= tolerance else None

    # --- mouse ---------------------------------------------------------------------------
    def _tolerance(self) -> float:
        width = self.pixelWidth()
        return GRAB_PX * (width if width else 0.0)

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph hook)
        if not self.editable or ev.button() != Qt.MouseButton.LeftButton or (
                ev.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            ev.ignore()
            return
        if ev.isStart():
            down = ev.buttonDownPos()
            self._drag = self.boundary_near(down.x(), self._tolerance()) \
                if self._in_rows(down.y()) else None
        if self._drag is None:
            ev.ignore()
            return
        ev.accept()
        index, side = self._drag
        t = float(ev.pos().x())
        if ev.isFinish():
            self._drag = None
            self.drag_finished.emit(index, side, t)
        else:
            self.dragged.emit(index, side, t)

    def hoverEvent(self, ev) -> None:  # noqa: N802
        near = self.editable and not ev.isExit() and self._in_rows(ev.pos().y()) and \
            self.boundary_near(ev.pos().x(), self._tolerance())
        if near and ev.acceptDrags(Qt.MouseButton.LeftButton):  # a drag from here is ours
            self.setCursor(Qt.CursorShape.SplitHCursor)
        else:
            self.unsetCursor()

    # --- QGraphicsItem -------------------------------------------------------------------
    def paint(self, p, *_args) -> None:
        view = self.viewRect()
        if view is None or not len(self.starts):
            return
        i0 = int(np.searchsorted(self.ends, view.left(), side="left"))
        i1 = int(np.searchsorted(self.starts, view.right(), side="right"))
        if i1 <= i0 or i1 - i0 > MAX_PAINTED:
            return
        transform = p.transform()
        top, bottom = self.rows if self.rows is not None else (view.top(), view.bottom())
        y0 = transform.map(QPointF(0, top)).y()
        y1 = transform.map(QPointF(0, bottom)).y()
        p.resetTransform()
        # each pen's lines in one call, a plot's x being linear in time: painted at every
        # tick while the view follows playback, a drawLine per boundary cost more
        scale, shift = transform.m11(), transform.dx()
        plain: list[QLineF] = []
        edited: list[QLineF] = []
        for i, start, end in zip(range(i0, i1), self.starts[i0:i1].tolist(),
                                 self.ends[i0:i1].tolist(), strict=True):
            lines = edited if i in self.edited else plain
            for t in (start, end):
                x = t * scale + shift
                lines.append(QLineF(x, y0, x, y1))
        if plain:
            p.setPen(QPen(QColor(255, 255, 255, 70), self.dash, Qt.PenStyle.DashLine))
            p.drawLines(plain)
        if edited:
            p.setPen(QPen(QColor(theme.EDITED), 1.5))
            p.drawLines(edited)

"""The heatmap's left axis: one label per token row, thinned so labels never overlap;
clicking a label seeks to that token."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from whisperscope.ui.attention_rows import AttentionRows
from whisperscope.ui.timefmt import token_label

MIN_LABEL_PX = 13.0


class TokenAxis(pg.AxisItem):
    row_clicked = Signal(int)

    def __init__(self, rows: AttentionRows, **kwargs) -> None:
        super().__init__("left", **kwargs)
        self.rows = rows
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph naming)
        lo, hi = sorted((minVal, maxVal))
        first, last = max(0, math.ceil(lo - 0.5)), min(self.rows.n_rows - 1,
                                                       math.floor(hi - 0.5))
        if last < first or size <= 0:
            return []
        per_row = size / max(hi - lo, 1e-9)
        step = max(1, math.ceil(MIN_LABEL_PX / per_row))
        first += (-first) % step
        return [(float(step), [r + 0.5 for r in range(first, last + 1, step)])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        return [token_label(self.rows.label(int(v))) for v in values]

    def mouseClickEvent(self, ev) -> None:  # noqa: N802
        view = self.linkedView()
        if view is None or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        row = int(math.floor(view.mapSceneToView(ev.scenePos()).y()))
        if 0 <= row < self.rows.n_rows:
            self.row_clicked.emit(row)

"""The heatmap's left axis: one label per token row when the rows have room; when they do
not, every n-th row, and the heatmap says how many are shown. Clicking a label seeks to
that token."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal

from whisperscope.ui.attention_rows import AttentionRows
from whisperscope.ui.fast_axis import FastAxis
from whisperscope.ui.timefmt import token_label

MIN_LABEL_PX = 13.0


class TokenAxis(FastAxis):
    row_clicked = Signal(int)

    def __init__(self, rows: AttentionRows, **kwargs) -> None:
        super().__init__("left", **kwargs)
        self.rows = rows
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def ticks(self, low, high, pixels):
        rows, _step = labelled_rows(low, high, pixels, self.rows.n_rows)
        return [(r + 0.5, token_label(self.rows.label(r))) for r in rows], []

    def mouseClickEvent(self, ev) -> None:  # noqa: N802
        view = self.linkedView()
        if view is None or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        row = int(math.floor(view.mapSceneToView(ev.scenePos()).y()))
        if 0 <= row < self.rows.n_rows:
            self.row_clicked.emit(row)


def labelled_rows(y0: float, y1: float, pixels: float, n_rows: int) -> tuple[list[int], int]:
    """The rows labelled when rows `y0..y1` of `n_rows` fill `pixels`: all of them when a
    label fits each row, else every `step`-th (returned with the step)."""
    lo, hi = sorted((y0, y1))
    first, last = max(0, math.ceil(lo - 0.5)), min(n_rows - 1, math.floor(hi - 0.5))
    if last < first or pixels <= 0:
        return [], 1
    per_row = pixels / max(hi - lo, 1e-9)
    step = max(1, math.ceil(MIN_LABEL_PX / per_row))
    first += (-first) % step
    return list(range(first, last + 1, step)), step


def labels_note(y0: float, y1: float, pixels: float, n_rows: int) -> str:
    """"n of m labels shown" when the rows in view are thinned, else ""."""
    lo, hi = sorted((y0, y1))
    in_view = max(0, min(n_rows - 1, math.floor(hi - 0.5)) - max(0, math.ceil(lo - 0.5)) + 1)
    shown = len(labelled_rows(y0, y1, pixels, n_rows)[0])
    return f"{shown} of {in_view} labels shown (zoom in for all)" if shown < in_view else ""

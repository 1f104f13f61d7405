"""The selected time range, shaded in a plot; one item per plot, all following the
Timeline's selection."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor

from whisperscope.ui import theme
from whisperscope.ui.timeline import Timeline


class SelectionRegion(pg.LinearRegionItem):
    def __init__(self, timeline: Timeline) -> None:
        fill = QColor(theme.ACCENT)
        fill.setAlpha(45)
        super().__init__(values=(0.0, 0.0), movable=False, brush=fill,
                         pen=pg.mkPen(theme.ACCENT, width=1))
        self.setZValue(4)
        self.hide()
        timeline.selection_changed.connect(self._show)

    def _show(self, selection) -> None:
        if selection is None:
            self.hide()
            return
        self.setRegion(selection)
        self.show()

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 (clicks seek, through to the view)
        ev.ignore()

    def mouseDragEvent(self, ev) -> None:  # noqa: N802
        ev.ignore()

"""A graphics item that draws over whatever part of its plot is in view."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF


class ViewRectItem(pg.GraphicsObject):
    """Bounded by the view rectangle, which it re-reads on every zoom, pan and resize:
    items that paint only what is visible (tiers, boundaries, the waveform envelope)."""

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph hook)
        super().viewTransformChanged()  # drops the cached view rectangle
        self.prepareGeometryChange()

    def boundingRect(self) -> QRectF:  # noqa: N802
        rect = self.viewRect()
        return QRectF() if rect is None else rect

"""Transport icons drawn in the theme's text colour (the style's own are too faint on dark)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QPolygonF

from whisperscope.ui import theme

SIZE = 64


def _icon(draw) -> QIcon:
    icon = QIcon()
    for mode, color in ((QIcon.Mode.Normal, theme.TEXT), (QIcon.Mode.Disabled, "#55575f"),
                        (QIcon.Mode.Active, "#ffffff")):
        pixmap = QPixmap(SIZE, SIZE)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(color))
        draw(p)
        p.end()
        icon.addPixmap(pixmap, mode)
    return icon


def _triangle(p: QPainter, x0: float, x1: float, right: bool = True) -> None:
    tip, base = (x1, x0) if right else (x0, x1)
    p.drawPolygon(QPolygonF([QPointF(base, 14), QPointF(tip, 32), QPointF(base, 50)]))


def play() -> QIcon:
    return _icon(lambda p: _triangle(p, 20, 50))


def pause() -> QIcon:
    def draw(p: QPainter) -> None:
        p.drawRoundedRect(QRectF(18, 14, 10, 36), 2, 2)
        p.drawRoundedRect(QRectF(36, 14, 10, 36), 2, 2)
    return _icon(draw)


def step_back() -> QIcon:
    def draw(p: QPainter) -> None:
        _triangle(p, 10, 32, right=False)
        _triangle(p, 30, 52, right=False)
    return _icon(draw)


def step_forward() -> QIcon:
    def draw(p: QPainter) -> None:
        _triangle(p, 12, 34)
        _triangle(p, 32, 54)
    return _icon(draw)

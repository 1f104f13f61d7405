"""Words over the spectrogram: along its top, each word's span as a bar and its label
below it, in two alternating lanes so neighbours do not collide.

Only the words in view are painted, in screen pixels (text never stretches with the zoom);
the word under the playhead is outlined, low-confidence words are coloured.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics

from whisperscope.ui import theme
from whisperscope.ui.view_rect_item import ViewRectItem

MAX_PAINTED = 600  # words; zoomed further out, only their spans are drawn


class WordTrack(ViewRectItem):
    def __init__(self) -> None:
        super().__init__()
        self.starts = np.zeros(0)
        self.ends = np.zeros(0)
        self.texts: list[str] = []
        self.probabilities: list[float] = []
        self.current = -1
        self.painted = (0, 0)  # [first, last) word painted last time
        self.font = QFont()
        self.font.setPointSizeF(8.5)
        self.metrics = QFontMetrics(self.font)
        self.setZValue(15)

    def clear(self) -> None:
        self.starts, self.ends, self.texts, self.probabilities = np.zeros(0), np.zeros(0), [], []
        self.current = -1
        self.update()

    def extend(self, words) -> None:
        words = list(words)
        if not words:
            return
        self.starts = np.concatenate([self.starts, [w.start for w in words]])
        self.ends = np.concatenate([self.ends, [w.end for w in words]])
        self.texts += [w.text.strip() for w in words]
        self.probabilities += [w.probability for w in words]
        self.update()

    def set_current(self, index: int) -> None:
        if index != self.current:
            self.current = index
            self.update()

    # --- QGraphicsItem -------------------------------------------------------------------
    def paint(self, p, *_args) -> None:
        view = self.viewRect()
        if view is None or not len(self.starts):
            return
        i0 = int(np.searchsorted(self.ends, view.left(), side="right"))
        i1 = int(np.searchsorted(self.starts, view.right(), side="left"))
        self.painted = (i0, i1)
        if i1 <= i0:
            return
        transform = p.transform()
        top = min(transform.map(QPointF(0, view.top())).y(),
                  transform.map(QPointF(0, view.bottom())).y())
        p.resetTransform()
        p.setFont(self.font)
        draw_text = i1 - i0 <= MAX_PAINTED
        right = max(transform.map(QPointF(view.left(), 0)).x(),
                    transform.map(QPointF(view.right(), 0)).x())
        xs0 = [transform.map(QPointF(self.starts[i], 0)).x() for i in range(i0, i1)]
        xs1 = [transform.map(QPointF(self.ends[i], 0)).x() for i in range(i0, i1)]
        height = self.metrics.height() + 2
        for k, i in enumerate(range(i0, i1)):
            x0, x1 = xs0[k], xs1[k]
            current = i == self.current
            color = QColor(theme.PLAYHEAD) if current else QColor(230, 230, 235, 150)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            p.drawRect(QRectF(x0, top + 1, max(x1 - x0, 1.0), 3))
            # two lanes, alternating, so a label may run on under its neighbour's
            room = (xs0[k + 2] if k + 2 < len(xs0) else right) - x0 - 3
            if not draw_text or room < 14:
                continue
            text = self.metrics.elidedText(self.texts[i], Qt.TextElideMode.ElideRight,
                                           int(room) - 4)
            lane = i % 2
            box = QRectF(x0, top + 6 + lane * (height + 1),
                         self.metrics.horizontalAdvance(text) + 6, height)
            p.setBrush(QColor(12, 12, 16, 185))
            p.drawRoundedRect(box, 3, 3)
            tint = theme.confidence_color(self.probabilities[i])
            p.setPen(QColor(theme.PLAYHEAD) if current else QColor(tint or theme.TEXT))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

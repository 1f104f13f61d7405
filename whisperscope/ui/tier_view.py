"""Tiers between the spectrogram and the heatmap, as in Praat's TextGrid editor: our words,
our tokens, the reference's words when one is loaded, and the tiers of the user's own, as
labelled intervals on the shared time axis. Word boundaries can be dragged here as in the
other plots, and token boundaries in the tokens tier (inside their word: see
`session.edits`).

Labels stay legible when the intervals are narrow: a label that does not fit its interval
goes to one of two lanes (the row's upper and lower half, alternating), where it may run
to the middle of each neighbour, whose own label is in the other lane; only what still
does not fit is elided, and a label of under three letters is left out. A gap between two
words (any time between one's end and the next one's start) is drawn in its own colour, at
least two pixels wide however far out the view is, since a drag stops at it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics

from whisperscope.ui import theme
from whisperscope.ui.boundary_lines import BoundaryLines
from whisperscope.ui.time_plot import TimePlot
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.view_rect_item import ViewRectItem

ROW_PX = 30  # height of one tier: two lanes of labels
MAX_LABELLED = 800  # intervals in view; zoomed further out only their spans are drawn
MIN_GAP_PX = 2.0  # a gap between words is drawn at least this wide
SOLID_GAP_PX = 6.0  # narrower gaps are drawn solid, wider ones tinted between solid edges
GAP = 0.0015  # seconds: an end and the next start further apart than this leave a gap
WORDS, TOKENS, REFERENCE = "words", "tokens", "reference"


class TierItem(ViewRectItem):
    """The intervals of every tier, painted in screen pixels (labels never stretch)."""

    def __init__(self) -> None:
        super().__init__()
        self.tiers: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
        self.order: list[str] = []
        self.marked: dict[str, frozenset[int]] = {}
        self.unaligned: dict[str, frozenset[int]] = {}  # words the audio does not support
        self.current: dict[str, int] = {}
        self.selected: str | None = None  # the tier the editing keys act on
        self.font = QFont()
        self.font.setPointSizeF(9.5)
        self.metrics = QFontMetrics(self.font)
        self.labelled: dict[str, set[int]] = {}  # per tier, the intervals whose whole
        #                                           label was drawn in the last paint

    def set_tier(self, name: str, items, marked=frozenset()) -> None:
        items = list(items)
        self.tiers[name] = (np.array([i.start for i in items], float),
                            np.array([i.end for i in items], float),
                            [i.text.strip() for i in items])
        self.marked[name] = frozenset(marked)
        self.unaligned[name] = frozenset(
            i for i, item in enumerate(items) if getattr(item, "unaligned", False))
        self.update()

    def set_selected(self, name: str | None) -> None:
        if name != self.selected:
            self.selected = name
            self.update()

    def set_current(self, name: str, index: int) -> None:
        if self.current.get(name) != index:
            self.current[name] = index
            self.update()

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
        top = transform.map(QPointF(0, row + 0.06)).y()
        bottom = transform.map(QPointF(0, row + 0.94)).y()
        if name == self.selected:  # the tier the keys act on
            left, right = (transform.map(QPointF(view.left(), 0)).x(),
                           transform.map(QPointF(view.right(), 0)).x())
            p.fillRect(QRectF(left, transform.map(QPointF(0, row)).y(), right - left,
                              bottom - top + 4), QColor(theme.ACCENT).darker(400))
        labelled = i1 - i0 <= MAX_LABELLED
        fill = QColor(theme.REFERENCE if name == REFERENCE else theme.SURFACE)
        fill.setAlpha(90 if name == REFERENCE else 255)
        marked, current = self.marked.get(name, frozenset()), self.current.get(name, -1)
        unaligned, unaligned_fill = self.unaligned.get(name, frozenset()), QColor(
            theme.UNALIGNED).darker(250)
        lo, hi = max(i0, 0), i1
        xs0 = [transform.map(QPointF(starts[i], 0)).x() for i in range(lo, hi)]
        xs1 = [transform.map(QPointF(ends[i], 0)).x() for i in range(lo, hi)]
        boxes = []
        for k, i in enumerate(range(lo, hi)):
            box = QRectF(xs0[k], top, max(xs1[k] - xs0[k], 1.0), bottom - top)
            boxes.append(box)
            p.setPen(QColor(theme.PLAYHEAD) if i == current else QColor(theme.EDITED)
                     if i in marked else QColor(90, 92, 102))
            p.setBrush(unaligned_fill if i in unaligned else fill)
            p.drawRect(box)
        if name in (WORDS, TOKENS):
            self._paint_gaps(p, starts, ends, lo, hi, xs0, xs1, top, bottom)
        self.labelled[name] = set()
        if labelled and boxes:
            self._paint_labels(p, name, texts, lo, boxes, top, bottom)

    def _paint_gaps(self, p, starts, ends, lo, hi, xs0, xs1, top, bottom) -> None:
        """Time between one interval's end and the next one's start: a thin gap drawn
        solid, never under MIN_GAP_PX (a drag stops there); a wide one (a pause) only
        tinted, with solid edges."""
        solid, tint = QColor(theme.GAP), QColor(theme.GAP)
        tint.setAlpha(45)
        p.setPen(Qt.PenStyle.NoPen)
        for k in range(hi - lo - 1):
            i = lo + k
            if starts[i + 1] - ends[i] <= GAP:
                continue
            a, b = xs1[k], xs0[k + 1]
            if b - a < SOLID_GAP_PX:
                if b - a < MIN_GAP_PX:
                    a, b = (a + b) / 2 - MIN_GAP_PX / 2, (a + b) / 2 + MIN_GAP_PX / 2
                p.fillRect(QRectF(a, top, b - a, bottom - top), solid)
                continue
            p.fillRect(QRectF(a, top, b - a, bottom - top), tint)
            p.fillRect(QRectF(a, top, MIN_GAP_PX, bottom - top), solid)
            p.fillRect(QRectF(b - MIN_GAP_PX, top, MIN_GAP_PX, bottom - top), solid)

    def _paint_labels(self, p, name, texts, lo, boxes, top, bottom) -> None:
        fits = [self.metrics.horizontalAdvance(texts[lo + k]) + 4 <= box.width()
                for k, box in enumerate(boxes)]
        lanes = sum(fits) < 0.8 * len(fits)  # most do not fit: two lanes
        height = bottom - top
        for k, box in enumerate(boxes):
            i, text = lo + k, texts[lo + k]
            if lanes:  # to the middle of each neighbour (theirs are in the other lane)
                left = boxes[k - 1].center().x() if k > 0 else box.left()
                right = boxes[k + 1].center().x() if k + 1 < len(boxes) else box.right()
                lane = QRectF(left, top + (0 if i % 2 == 0 else height / 2), right - left,
                              height / 2)
            else:
                lane = box
            room = int(lane.width()) - 4
            shown = self.metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
            if not shown or (shown != text and len(shown) < 4):
                continue  # a bare "…" or "c…" only clutters
            if shown == text:
                self.labelled[name].add(i)
            width = self.metrics.horizontalAdvance(shown) + 4
            centre = min(max(box.center().x(), lane.left() + width / 2),
                         lane.right() - width / 2)
            target = QRectF(centre - width / 2, lane.top(), width, lane.height())
            p.setPen(QColor(theme.TEXT))
            p.drawText(target, Qt.AlignmentFlag.AlignCenter, shown)


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
        """Which tiers are shown, top to bottom (ours, the reference, the user's own)."""
        self.tiers.order = list(names)
        self.getAxis("left").setTicks([[(i + 0.5, n) for i, n in enumerate(names)], []])
        self.setYRange(0, len(names), padding=0)
        row = names.index(TOKENS) if TOKENS in names else None
        self.token_boundaries.set_rows(None if row is None else (row, row + 1))
        self.token_boundaries.setVisible(row is not None)
        self.tiers.update()

    def preferred_height(self) -> int:
        return ROW_PX * len(self.tiers.order) + 4

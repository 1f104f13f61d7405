"""The live cross-attention heatmap: one row per token, columns on the shared time axis.

Each window is one ImageItem placed in seconds with `setRect`; its rows are written into a
buffer as `TokenDecoded` events arrive and redrawn at most ~25 times a second. The image is
uint8 colour indices quantised once per row (`Block.image`), drawn through the lookup table:
pyqtgraph's float path rescaled the whole image on every render. The rows in view follow the
time range, so the alignment reads as a diagonal.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QCursor
from PySide6.QtWidgets import QGraphicsRectItem, QToolTip

from whisperscope.session.model import FRAME_SECONDS
from whisperscope.ui import theme
from whisperscope.ui.attention_rows import MEAN, AttentionRows, Block, HeadChoice
from whisperscope.ui.fast_image import FastImage
from whisperscope.ui.time_plot import TimePlot
from whisperscope.ui.timefmt import format_time
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.token_axis import TokenAxis, labels_note

RAW_LEVELS = (0.0, 0.25)  # softmax weight; a sharp alignment head peaks well above this
NORMALISED_LEVELS = (0.0, 1.0)  # each row scaled to its own peak
MIN_ROWS_SHOWN = 12
REDRAW_MS = 40
INDEX_LEVELS = (0, 255)  # the images hold colour indices already (identity through the lut)
PREMULTIPLIED_PX = 160  # a block drawn at least this wide keeps a 32-bit copy to paint



class HeatmapPlot(TimePlot):
    row_clicked = Signal(int)  # a token row's label was clicked
    recompute_needed = Signal(int)  # a finished window needs all layers for the choice
    labels_thinned = Signal(str)  # "n of m labels shown", or "" when every row has one
    scale_changed = Signal(tuple, str)  # colour levels and what they are (for the bar)

    def __init__(self, timeline: Timeline, rows: AttentionRows) -> None:
        self.rows = rows
        self.token_axis = TokenAxis(rows)
        super().__init__(timeline, left_axis=self.token_axis)
        self.invertY(True)
        self.getAxis("bottom").setHeight(36)
        self.getAxis("bottom").setLabel("time (m:ss)")
        self.choice: HeadChoice = MEAN
        self.normalised = True
        self.current_row: int | None = None
        self._images: dict[int, FastImage] = {}  # by window
        self._drawn: dict[int, tuple] = {}  # window -> (version, first_row, choice, normalised)
        self._requested: set[int] = set()
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self.redraw)

        self.row_band = QGraphicsRectItem()
        self.row_band.setPen(pg.mkPen(None))
        self.row_band.setBrush(QBrush(QColor(255, 255, 255, 28)))
        self.row_band.setZValue(5)
        self.span_box = QGraphicsRectItem()
        self.span_box.setPen(pg.mkPen(theme.PLAYHEAD, width=1.5))
        self.span_box.setZValue(6)
        for item in (self.row_band, self.span_box):
            item.hide()
            self.addItem(item, ignoreBounds=True)
        self.placeholder = pg.TextItem("Cross-attention appears here, row by row, as Whisper "
                                       "decodes", color=theme.MUTED, anchor=(0.5, 0.5))
        self.addItem(self.placeholder, ignoreBounds=True)
        self.setYRange(0, MIN_ROWS_SHOWN, padding=0)

        self._labels_note = ""
        self.vb.sigResized.connect(self._update_labels_note)
        self.token_axis.row_clicked.connect(self.row_clicked)
        timeline.view_range_changed.connect(self._on_view_changed)
        self._on_view_changed(*timeline.view_range)

    # --- data changes ------------------------------------------------------------------
    def rows_changed(self) -> None:
        """The AttentionRows changed (token, window done, retry): redraw soon."""
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def reset(self) -> None:
        self._redraw_timer.stop()
        for item in self._images.values():
            self.removeItem(item)
        self._images.clear()
        self._drawn.clear()
        self._requested.clear()
        self.set_current_row(None)
        self.redraw()

    def set_choice(self, choice: HeadChoice) -> None:
        self.choice = choice
        self._requested.clear()
        self.redraw()
        self.scale_changed.emit(*self.scale())

    def set_normalised(self, normalised: bool) -> None:
        self.normalised = normalised
        self.redraw()
        self.scale_changed.emit(*self.scale())

    def scale(self) -> tuple[tuple[float, float], str]:
        """The colour levels and their meaning: raw softmax weight or each row scaled to
        its peak, of which head(s)."""
        if self.normalised:
            return NORMALISED_LEVELS, f"weight ÷ row peak · {self.choice.label}"
        return RAW_LEVELS, f"softmax weight · {self.choice.label}"

    def stop(self) -> None:
        self._redraw_timer.stop()

    # --- drawing -----------------------------------------------------------------------
    def redraw(self) -> None:
        self._redraw_timer.stop()
        blocks = {b.window: b for b in self.rows.blocks}
        for window in list(self._images):
            if window not in blocks or blocks[window].n_rows == 0:
                self.removeItem(self._images.pop(window))
                self._drawn.pop(window, None)
        t0, t1 = self.timeline.view_range
        for block in blocks.values():
            if block.n_rows:
                self._draw_block(block, visible=block.end > t0 and block.start < t1)
        self.placeholder.setVisible(self.rows.n_rows == 0)
        self._fit_rows()
        self.token_axis.picture = None  # labels may have changed under the same ticks
        self.token_axis.update()

    def _draw_block(self, block: Block, visible: bool) -> None:
        key = (block.version, block.first_row, block.n_rows, self.choice, self.normalised)
        if self._drawn.get(block.window) == key:
            return
        levels = NORMALISED_LEVELS if self.normalised else RAW_LEVELS
        values = block.image(self.choice, self.normalised, levels)
        image = self._images.get(block.window)
        if image is None:
            image = FastImage(axisOrder="row-major", premultiplied=False)
            image.setLookupTable(theme.heatmap_lut())
            self._images[block.window] = image
            self.addItem(image)
        if values is None:  # this layer/head is being recomputed for a finished window
            image.hide()
            if visible and block.final and block.window not in self._requested:
                self._requested.add(block.window)
                self.recompute_needed.emit(block.window)
            return
        image.setImage(values, autoLevels=False, levels=INDEX_LEVELS)
        image.setRect(QRectF(block.start, block.first_row, block.n_frames * FRAME_SECONDS,
                             block.n_rows))
        self._set_premultiplied(block, image)
        image.render_ahead()
        image.show()
        self._drawn[block.window] = key

    def _set_premultiplied(self, block: Block, image: FastImage) -> None:
        """32-bit only for blocks in view and drawn wide (what the paint time goes on)."""
        t0, t1 = self.timeline.view_range
        in_view = block.end > t0 and block.start < t1
        width_px = (block.end - block.start) / max(t1 - t0, 1e-9) * self.vb.width()
        image.set_premultiplied(in_view and width_px >= PREMULTIPLIED_PX)

    def _on_view_changed(self, start: float, end: float) -> None:
        self.placeholder.setPos((start + end) / 2, MIN_ROWS_SHOWN / 2)
        blocks = {b.window: b for b in self.rows.blocks}
        for window, image in self._images.items():
            if window in blocks:
                self._set_premultiplied(blocks[window], image)
        if self.choice.kind == "layer":
            self.redraw()  # windows scrolled into view may need their layers recomputed
        else:
            self._fit_rows()

    def _fit_rows(self) -> None:
        """Show the rows of the tokens in the visible time range (at least a few)."""
        start, end = self.timeline.view_range
        r0, r1 = self.rows.visible_rows(start, end)
        if r1 - r0 < MIN_ROWS_SHOWN:
            pad = (MIN_ROWS_SHOWN - (r1 - r0)) / 2
            r0, r1 = r0 - pad, r1 + pad
            if r0 < 0:
                r0, r1 = 0, r1 - r0
        if tuple(self.vb.viewRange()[1]) != (r0, r1):  # setYRange costs ~5 ms even if equal
            self.setYRange(r0, r1, padding=0)
        self._update_labels_note()

    def _update_labels_note(self, *_args) -> None:
        y0, y1 = self.vb.viewRange()[1]
        note = labels_note(y0, y1, self.vb.height(), self.rows.n_rows)
        if note != self._labels_note:
            self._labels_note = note
            self.labels_thinned.emit(note)

    def row_images(self) -> int:
        """How many rows the drawn images hold (what a user sees right now)."""
        return sum(image.image.shape[0] for image in self._images.values()
                   if image.isVisible() and image.image is not None)

    # --- the token under the playhead --------------------------------------------------
    def set_current_row(self, row: int | None) -> None:
        self.current_row = row
        found = self.rows.locate(row) if row is not None else None
        span = self.rows.row_span(row) if row is not None else None
        if not found or not span:
            self.row_band.hide()
            self.span_box.hide()
            return
        block, _ = found
        self.row_band.setRect(QRectF(block.start, row, block.end - block.start, 1))
        self.span_box.setRect(QRectF(span[0], row, max(span[1] - span[0], FRAME_SECONDS), 1))
        self.row_band.show()
        self.span_box.show()

    # --- hover -------------------------------------------------------------------------
    def describe(self, x: float, y: float) -> str | None:
        """Tooltip text for the cell at view coordinates (x seconds, y row)."""
        row = int(math.floor(y))
        found = self.rows.locate(row)
        if not found:
            return None
        block, local = found
        frame = int(math.floor((x - block.start) / FRAME_SECONDS))
        weight = block.raw_value(local, frame, self.choice)
        if weight is None:
            return None
        text = block.labels[local].replace(" ", "␣")
        return (f"<b>{text}</b> &nbsp;row {row}<br>{format_time(x)} · frame {frame}<br>"
                f"weight {weight:.4f} ({block.shows(self.choice).lower()})<br>"
                f"p = {block.probabilities[local]:.2f}")

    def show_hover(self, scene_pos: QPointF) -> None:
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            return
        point = self.vb.mapSceneToView(scene_pos)
        text = self.describe(point.x(), point.y())
        if text:
            QToolTip.showText(QCursor.pos(), text)
        else:
            QToolTip.hideText()

"""An ImageItem that renders and paints fast: a uint8 image through a lookup table.

- Paint: pyqtgraph makes an Indexed8 QImage of a uint8 image with a <= 256-entry lookup
  table (wrapping the array, no rescale), which Qt's raster engine expands on every paint:
  drawn at full size that is 5-10 times slower than its own premultiplied 32-bit format
  (measured: the spectrogram's repaint 7.7 ms -> 1.5 ms). With `premultiplied` on, the
  conversion is made once per render (when the image or the lookup table change), never per
  paint; off, the item costs one byte a pixel (what a heatmap block far from the view keeps).
- Render: for a 2-D uint8 image drawn at levels (0, 255) through a (256, 3) uint8 table (what
  every caller here sets), the QImage wraps the array with a colour table made once per
  lookup table. pyqtgraph's general path took 0.13 ms a block, half of it making that table
  from 256 qRgb calls each time: the first view of a whole hour rendered 120 blocks in one
  16 ms frame (bench/ui_latency.py, zoom/pan an hour).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage

IDENTITY_LEVELS = (0.0, 255.0)


def colour_table(lut: np.ndarray) -> list[int]:
    """A (n, 3) uint8 lookup table as the opaque 0xAARRGGBB values QImage's colour table
    takes (what `qRgb` makes)."""
    rgb = lut.astype(np.uint32)
    return (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).tolist()


class FastImage(pg.ImageItem):
    def __init__(self, *args, premultiplied: bool = True, **kwargs) -> None:
        self.premultiplied = premultiplied
        self._table: tuple[np.ndarray, list[int]] | None = None  # (the lut, its colours)
        super().__init__(*args, **kwargs)

    def set_premultiplied(self, on: bool) -> None:
        if on != self.premultiplied:
            self.premultiplied = on
            self.qimage = None  # an image out of view lets its 32-bit copy go now
            self._renderRequired = True  # pyqtgraph's flag: render at the next paint
            self.update()

    def render(self) -> None:
        if not self._render_indexed():
            super().render()
        if self.premultiplied and self.qimage is not None and (
                self.qimage.format() == QImage.Format.Format_Indexed8):
            self.qimage = self.qimage.convertToFormat(
                QImage.Format.Format_ARGB32_Premultiplied)

    def render_ahead(self) -> None:
        """Render a 1-byte image now, where that is cheap (it wraps the array): the first
        view of a whole hour then paints 120 blocks without rendering each in that frame.
        A 32-bit image is left to its paint (it costs memory and a conversion)."""
        if self._renderRequired and not self.premultiplied:
            self._render_indexed()

    def _render_indexed(self) -> bool:
        """The fast path; False where the image or its settings need pyqtgraph's own."""
        image, lut, levels = self.image, self.lut, self.levels
        if not (isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim == 2
                and image.size and image.flags.c_contiguous and self.axisOrder == "row-major"
                and not self.autoDownsample and isinstance(lut, np.ndarray)
                and lut.dtype == np.uint8 and lut.ndim == 2 and lut.shape == (256, 3)
                and levels is not None and np.shape(levels) == (2,)
                and tuple(float(v) for v in levels) == IDENTITY_LEVELS):
            return False
        if self._table is None or self._table[0] is not lut:  # held: its id is never reused
            self._table = (lut, colour_table(lut))
        qimage = QImage(image, image.shape[1], image.shape[0], image.strides[0],
                        QImage.Format.Format_Indexed8)
        qimage.setColorTable(self._table[1])
        qimage.data = image  # the QImage wraps the array's memory: keep it alive with it
        self.qimage = qimage
        self._processingBuffer = self._displayBuffer = None
        self._renderRequired = self._unrenderable = False
        return True

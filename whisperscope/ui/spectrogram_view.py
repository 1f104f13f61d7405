"""The scrolling log-mel spectrogram: what Whisper hears, under the playhead.

Drawn from a SpectrogramPyramid: each view change slices about one column per pixel from
the right level, so an hour-long recording scrolls as smoothly as a short one. Levels are
fixed per recording (the image is already quantised), never re-scanned per frame.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal

from whisperscope.audio.spectrogram_pyramid import SpectrogramPyramid
from whisperscope.ui import theme
from whisperscope.ui.fast_image import FastImage
from whisperscope.ui.time_plot import TimePlot
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.word_track import WordTrack

SAMPLE_RATE = 16000
DB_PER_UNIT = 40.0  # whisper's log-mel: (log10 power + 4) / 4


def _hz_to_mel(f: float) -> float:
    """Slaney mel scale, as whisper's (librosa's) filter bank uses."""
    if f < 1000.0:
        return f / (200.0 / 3)
    return 15.0 + math.log(f / 1000.0) / (math.log(6.4) / 27.0)


def frequency_ticks(n_mels: int) -> list[tuple[float, str]]:
    """(y, label) for round frequencies on an image whose row i is mel band i."""
    step = _hz_to_mel(SAMPLE_RATE / 2) / (n_mels + 1)
    ticks = []
    for hz, label in ((250, "250"), (500, "500"), (1000, "1k"), (2000, "2k"),
                      (4000, "4k"), (8000, "8k")):
        y = _hz_to_mel(hz) / step - 0.5
        if 0 <= y <= n_mels:
            ticks.append((y, label))
    return ticks


class SpectrogramPlot(TimePlot):
    scale_changed = Signal(tuple, str)  # colour levels in dB and their label (for the bar)

    def __init__(self, timeline: Timeline) -> None:
        super().__init__(timeline)
        self.getAxis("left").setLabel("Hz (mel scale)")
        self.getAxis("bottom").setHeight(24)
        self.image = FastImage(axisOrder="row-major")  # 32-bit once per view change
        self.image.setLookupTable(theme.spectrogram_lut())
        self.image.setLevels((0, 255))
        self.addItem(self.image)
        self.words = WordTrack()
        self.addItem(self.words, ignoreBounds=True)
        self.placeholder = pg.TextItem(
            "Open a recording (Ctrl+O) or drop a file here", color=theme.MUTED, anchor=(0.5, 0.5))
        self.placeholder.setZValue(20)
        self.addItem(self.placeholder, ignoreBounds=True)
        self.pyramid: SpectrogramPyramid | None = None
        self.setYRange(0, 80, padding=0)
        self.getAxis("left").setTicks([frequency_ticks(80), []])
        self.placeholder.setPos(15, 40)
        timeline.view_range_changed.connect(self._refresh)
        self.vb.sigResized.connect(self._refresh)

    def set_pyramid(self, pyramid: SpectrogramPyramid | None) -> None:
        self.pyramid = pyramid
        if pyramid is None:
            self.image.clear()
            self.placeholder.show()
            return
        self.placeholder.hide()
        self.scale_changed.emit(*self.scale())
        self.setYRange(0, pyramid.n_mels, padding=0)
        self.getAxis("left").setTicks([frequency_ticks(pyramid.n_mels), []])
        self._refresh()

    def scale(self) -> tuple[tuple[float, float], str]:
        """The colour map's range in dB under the loudest level shown: whisper's log-mel is
        log10 power / 4, so one of its units is 40 dB."""
        low, high = self.pyramid.levels if self.pyramid else (-1.0, 1.0)
        return (DB_PER_UNIT * (low - high), 0.0), "dB re loudest"

    def set_message(self, text: str) -> None:
        """A hint in the middle of the empty plot (e.g. while the audio loads)."""
        self.placeholder.setText(text)
        start, end = self.timeline.view_range
        n_mels = self.pyramid.n_mels if self.pyramid else 80
        self.placeholder.setPos((start + end) / 2, n_mels / 2)
        self.placeholder.setVisible(self.pyramid is None)

    def _refresh(self, *_args) -> None:
        if self.pyramid is None:
            start, end = self.timeline.view_range
            self.placeholder.setPos((start + end) / 2, 40)
            return
        start, end = self.timeline.view_range
        width = max(64, int(self.vb.width()))
        image, t0, t1 = self.pyramid.view(start, end, width)
        if image.shape[1] == 0:
            self.image.clear()
            return
        self.image.setImage(np.ascontiguousarray(image), autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(t0, 0.0, t1 - t0, float(self.pyramid.n_mels)))

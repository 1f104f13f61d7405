"""The waveform over the spectrogram, on the shared time axis: a vertical line from the
lowest to the highest sample of each pixel's worth of audio (audio/waveform_pyramid.py),
the samples themselves as a line when zoomed closer than that. Only the view is drawn,
in screen pixels, from about one column a pixel: an hour scrolls like ten seconds.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF
from PySide6.QtGui import QColor, QPen, QPolygonF

from whisperscope.audio.waveform_pyramid import WaveformPyramid
from whisperscope.ui import theme
from whisperscope.ui.time_plot import TimePlot
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.view_rect_item import ViewRectItem

WAVE_COLOUR = QColor(150, 190, 230)


class EnvelopeItem(ViewRectItem):
    def __init__(self) -> None:
        super().__init__()
        self.pyramid: WaveformPyramid | None = None
        self.setZValue(2)

    def set_pyramid(self, pyramid: WaveformPyramid | None) -> None:
        self.pyramid = pyramid
        self.update()

    def paint(self, p, *_args) -> None:
        view = self.viewRect()
        if view is None or self.pyramid is None:
            return
        transform = p.transform()
        width = abs(transform.map(QPointF(view.right(), 0)).x()
                    - transform.map(QPointF(view.left(), 0)).x())
        lows, highs, t0, t1 = self.pyramid.view(view.left(), view.right(), int(width))
        if not len(lows):
            return
        scale = 1.0 / max(self.pyramid.peak, 1e-6)  # the loudest sample fills the pane
        dt = (t1 - t0) / len(lows)
        p.resetTransform()
        p.setPen(QPen(WAVE_COLOUR, 1.0))
        x0, sx = transform.m11() * t0 + transform.dx(), transform.m11() * dt
        y_of = lambda v: transform.m22() * v + transform.dy()  # noqa: E731
        if lows is highs:  # samples: the line through them
            xs = x0 + (np.arange(len(lows)) + 0.5) * sx
            ys = y_of(np.clip(lows * scale, -1.0, 1.0))
            p.drawPolyline(QPolygonF([QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist(),
                                                                      strict=True)]))
            return
        top, bottom = y_of(np.clip(highs * scale, -1, 1)), y_of(np.clip(lows * scale, -1, 1))
        xs = (x0 + (np.arange(len(lows)) + 0.5) * sx).tolist()
        p.drawLines([QLineF(x, a, x, b + 0.5) for x, a, b in zip(xs, top.tolist(),
                                                                 bottom.tolist(), strict=True)])


class WaveformPlot(TimePlot):
    def __init__(self, timeline: Timeline) -> None:
        super().__init__(timeline)
        self.hideAxis("bottom")
        self.getAxis("left").setTicks([[(0.0, "0")], []])
        self.getAxis("left").setTextPen(theme.MUTED)
        self.setYRange(-1.05, 1.05, padding=0)
        self.envelope = EnvelopeItem()
        self.addItem(self.envelope, ignoreBounds=True)

    def set_pyramid(self, pyramid: WaveformPyramid | None) -> None:
        self.envelope.set_pyramid(pyramid)

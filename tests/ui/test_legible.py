"""Colour scales, axis labels and a playhead in no colour map (issue 10, item 2)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from .conftest import QT_LOG_IGNORE
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


def test_the_playhead_colour_is_in_neither_colour_map(qapp):
    from PySide6.QtGui import QColor

    from whisperscope.ui import theme

    c = QColor(theme.PLAYHEAD)
    rgb = np.array([c.red(), c.green(), c.blue()], float)
    for lut in (theme.spectrogram_lut(), theme.heatmap_lut()):
        distance = np.sqrt(((lut[:, :3].astype(float) - rgb) ** 2).sum(axis=1)).min()
        assert distance > 100, f"the playhead is {distance:.0f} from a colour of the map"


def test_colour_bars_say_what_the_colours_mean(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    plots = window.plots
    spec = plots.spectrogram_bar
    assert spec.label == "dB re loudest"
    low, high = spec.levels()
    assert high == 0.0 and -81 < low < 0
    bar = plots.heatmap_bar
    assert bar.levels() == (0.0, 1.0) and "row peak" in bar.label
    assert "Alignment heads (mean)" in bar.label
    plots.controls.normalise.setChecked(False)
    assert bar.levels() == (0.0, 0.25) and bar.label.startswith("softmax weight")
    combo = plots.controls.heads
    combo.setCurrentIndex(combo.findText("Alignment head L3 H0"))
    assert bar.label == "softmax weight · Alignment head L3 H0"
    assert plots.spectrogram.getAxis("left").labelText == "Hz (mel scale)"
    assert plots.heatmap.getAxis("bottom").labelText == "time (m:ss)"
    # the bars take the same width beside both plots: a second is one screen column
    window.timeline.set_view_range(1.0, 5.0)
    xs = [p.vb.mapViewToScene(QPointF(4.0, 0)).x() for p in (plots.spectrogram, plots.heatmap)]
    assert xs[0] == pytest.approx(xs[1], abs=1.0)

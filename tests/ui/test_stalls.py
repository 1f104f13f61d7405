"""Issue 15, the window's side: no per-render rescale of the heatmap, no second copy of the
attention, 32-bit images only where they are drawn large. Real Qt (offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QImage

from whisperscope.engine.events import WindowDone
from whisperscope.ui.attention_rows import MEAN, AttentionRows, quantise
from whisperscope.ui.heatmap_view import INDEX_LEVELS, NORMALISED_LEVELS, RAW_LEVELS

from .conftest import QT_LOG_IGNORE, synthetic_analysis
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


def _finished_rows():
    analysis, _ = synthetic_analysis("x.wav", 6.0)
    rows = AttentionRows()
    rows.finish_window(WindowDone(0, analysis.windows[0], tuple(analysis.segments),
                                  tuple(analysis.words), tuple(analysis.tokens)))
    return analysis, rows.blocks[0]


def test_a_finished_block_views_the_analysis_attention_without_a_copy():
    analysis, block = _finished_rows()
    assert np.shares_memory(block.heads, analysis.windows[0].heads)
    # and its rows are still the text tokens' rows, in order
    text_rows = [t.row for t in analysis.tokens]
    assert np.array_equal(block.window_rows, text_rows)
    heads = analysis.windows[0].heads.astype(np.float32)
    assert np.allclose(block.values(MEAN, False), heads[:, text_rows].mean(axis=0))


def test_the_drawn_image_is_colour_indices_as_pyqtgraph_would_compute_them():
    import pyqtgraph.functions as fn

    analysis, block = _finished_rows()
    image = block.image(MEAN, False, RAW_LEVELS)
    assert image.dtype == np.uint8 and image.shape == (block.n_rows, block.n_frames)
    values = block.values(MEAN, False)
    low, high = RAW_LEVELS
    expected = fn.rescaleData(values, 256 / (high - low), low, dtype=np.uint8, clip=(0, 255))
    assert np.abs(image.astype(int) - expected.astype(int)).max() <= 1
    assert 118 <= image.max() <= 125 and image.min() == 0  # 0.12 of 0.25: the peaks
    # the hover reads the weights themselves, never the image
    r, f = np.unravel_index(int(np.argmax(values)), values.shape)
    assert block.raw_value(int(r), int(f), MEAN) == pytest.approx(float(values[r, f]))
    assert quantise(np.array([[0.0, 0.5, 1.0, 2.0]]), (0.0, 1.0)).tolist() == [[0, 128, 255,
                                                                               255]]


def test_heatmap_images_are_uint8_with_the_lut_and_wide_blocks_paint_32_bit(qtbot,
                                                                             make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    heatmap = window.plots.heatmap
    (image,) = heatmap._images.values()
    assert image.image.dtype == np.uint8
    assert image.lut is not None and len(image.lut) == 256
    assert tuple(image.levels) == INDEX_LEVELS
    assert heatmap.scale()[0] == NORMALISED_LEVELS  # the colour bar still tells weights
    window.timeline.set_view_range(0.0, 6.0)  # the block fills the plot
    window.plots.heatmap_widget.grab()
    assert image.premultiplied
    assert image.qimage.format() == QImage.Format.Format_ARGB32_Premultiplied
    window.timeline.set_duration(3600.0)
    window.timeline.set_view_range(0.0, 3600.0)  # a sliver of an hour: 1 byte a cell
    window.plots.heatmap_widget.grab()
    assert not image.premultiplied
    assert image.qimage is None or image.qimage.format() == QImage.Format.Format_Indexed8
    # hover still reads the raw weight of the cell
    token = window.document.analysis.tokens[3]
    text = heatmap.describe((token.start + token.end) / 2, 3.5)
    assert text is not None and "weight" in text and "fox" in text


@pytest.mark.parametrize("premultiplied", [False, True])
def test_the_fast_render_draws_the_pixels_pyqtgraph_draws(qapp, premultiplied):
    import pyqtgraph as pg

    from whisperscope.ui import theme
    from whisperscope.ui.fast_image import FastImage

    values = np.random.default_rng(3).integers(0, 256, (7, 13), dtype=np.uint8)
    lut = theme.heatmap_lut()
    fast, plain = FastImage(axisOrder="row-major", premultiplied=premultiplied), \
        pg.ImageItem(axisOrder="row-major")
    for item in (fast, plain):
        item.setLookupTable(lut)
        item.setImage(values, autoLevels=False, levels=INDEX_LEVELS)
        item.render()

    def pixels(qimage):
        argb = qimage.convertToFormat(QImage.Format.Format_ARGB32)
        return np.frombuffer(argb.constBits(), np.uint32, argb.width() * argb.height()).copy()

    assert fast._table is not None  # the fast path was taken, not pyqtgraph's
    assert fast.qimage.size() == plain.qimage.size()
    np.testing.assert_array_equal(pixels(fast.qimage), pixels(plain.qimage))
    fast.setImage(values.astype(np.float32), autoLevels=False, levels=(0.0, 255.0))
    fast.render()  # anything else still goes through pyqtgraph
    np.testing.assert_array_equal(pixels(fast.qimage), pixels(plain.qimage))


class _PaintCounter(QObject):
    def __init__(self, widgets) -> None:
        super().__init__()
        self.counts = {w: 0 for w in widgets}
        for w in widgets:
            w.viewport().installEventFilter(self)
        self._by_viewport = {w.viewport(): w for w in widgets}

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and obj in self._by_viewport:
            self.counts[self._by_viewport[obj]] += 1
        return False


def test_a_zoom_or_a_playhead_step_paints_each_plot_once(qtbot, make_window):
    """The items whose bounds follow the view (boundary lines, tiers, the playhead) used to
    change their geometry inside the paint (pyqtgraph applies a range in prepareForPaint),
    and Qt painted every plot twice per step of a zoom, a pan or followed playback."""
    window = make_window()
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    open_and_finish(qtbot, window)
    plots = window.plots
    views = [plots.spectrogram_widget, plots.tier_widget, plots.heatmap_widget]
    qtbot.wait(200)
    counter = _PaintCounter(views)
    for step, (start, end) in enumerate([(0.0, 3.0), (1.0, 4.0), (0.0, 6.0)]):
        window.timeline.set_view_range(start, end)
        window.timeline.set_playhead(start + 0.5)
        qtbot.wait(120)
        assert all(n == step + 1 for n in counter.counts.values()), counter.counts
    for step in range(3):  # the playhead alone (playing, the view still)
        window.timeline.set_playhead(1.0 + step * 0.3)
        qtbot.wait(120)
        assert all(n == step + 4 for n in counter.counts.values()), counter.counts
    for plot in (plots.spectrogram, plots.tiers, plots.heatmap):  # a strip, not the plot
        playhead = plot.playhead
        assert playhead.value() == pytest.approx(1.6)
        box = playhead.boundingRect()
        pixels = box.width() / playhead.pixelWidth()
        assert 3.0 <= pixels <= 5.0 and box.left() < 1.6 < box.right()


def test_time_columns_widen_for_longer_times_without_reading_every_row(qtbot):
    """Past 10 minutes the times are a character longer: the columns widen to fit them,
    measured on the time's shape (resizeColumnToContents read every row: 25 ms at the
    10-minute mark, 0.8 s a window at the end of an hour)."""
    from PySide6.QtGui import QFontMetrics

    from whisperscope.session.model import TokenTiming
    from whisperscope.ui.token_list import TokenListPanel
    from whisperscope.ui.transcript_model import END, START

    panel = TokenListPanel()
    qtbot.addWidget(panel)
    early = tuple(TokenTiming(i, 1000, f" w{i}", i * 0.5, i * 0.5 + 0.4, 0.9, 0, i, 0)
                  for i in range(1000))  # the first 8 minutes
    panel.window_done(WindowDone(0, None, (), (), early))
    narrow = panel.token_view.columnWidth(END)
    late = (TokenTiming(5000, 1000, " late", 3599.5, 3601.25, 0.9, 1, 0, 1),)
    panel.window_done(WindowDone(1, None, (), (), late))
    metrics = QFontMetrics(panel.tokens.number_font)
    for col in (START, END):
        width = panel.token_view.columnWidth(col)
        assert width > narrow and width >= metrics.horizontalAdvance("1:00:01.25") + 8

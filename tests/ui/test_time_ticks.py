"""The time axis's ticks: clock steps, labels that never crowd, plain ticks between them.
Pure logic (no Qt), planted answers."""

from __future__ import annotations

import pytest

from whisperscope.ui.timefmt import LABEL_GAP_PX, TIME_STEPS, format_time, tick_decimals, time_ticks


def width(text: str) -> float:
    return 7.0 * len(text)  # a monospace-like font: 7 px a character


@pytest.mark.parametrize(("start", "end", "step", "first", "last"), [
    (0.0, 5.0, 0.5, "0:00.0", "0:05.0"),
    (0.0, 30.0, 2.0, "0:00", "0:30"),
    (0.0, 3600.0, 300.0, "0:00", "1:00:00"),  # 5 min, not pyqtgraph's 500 s (8:20)
    (1800.0, 1805.0, 0.5, "30:00.0", "30:05.0"),
    (0.0, 0.5, 0.05, "0:00.00", "0:00.50"),
])
def test_labels_fall_on_clock_steps(start, end, step, first, last):
    labelled, plain = time_ticks(start, end, 900.0, width)
    values = [t for t, _ in labelled]
    assert labelled[0][1] == first and labelled[-1][1] == last
    assert values == pytest.approx([start + i * step for i in range(len(values))])
    parts = dict(TIME_STEPS)[step]
    assert len(plain) == (len(values) - 1) * (parts - 1)  # between each pair of labels
    assert not set(round(t, 6) for t in plain) & set(round(t, 6) for t in values)


def test_labels_never_crowd_and_the_step_is_the_smallest_that_fits():
    for span in (0.3, 2.0, 7.0, 45.0, 200.0, 1300.0, 5000.0, 40_000.0):
        for pixels in (300.0, 900.0, 2400.0):
            labelled, _ = time_ticks(100.0, 100.0 + span, pixels, width)
            per_second = pixels / span
            gaps = [(b - a) * per_second - width(text)
                    for (a, _), (b, text) in zip(labelled, labelled[1:], strict=False)]
            assert min(gaps) >= LABEL_GAP_PX - 1e-6, (span, pixels)
            steps = [s for s, _ in TIME_STEPS]
            chosen = steps.index(min(steps, key=lambda s: abs(s - (labelled[1][0] -
                                                                      labelled[0][0]))))
            if chosen:  # the next smaller step would crowd its labels
                smaller = steps[chosen - 1]
                decimals = tick_decimals(smaller)
                assert smaller * per_second < width(format_time(100.0 + span, decimals)) + \
                    LABEL_GAP_PX


def test_an_empty_or_reversed_range_has_no_ticks_and_a_huge_one_stays_bounded():
    assert time_ticks(5.0, 5.0, 900.0, width) == ([], [])
    assert time_ticks(5.0, 1.0, 900.0, width) == ([], [])
    assert time_ticks(0.0, 10.0, 0.0, width) == ([], [])
    labelled, plain = time_ticks(0.0, 1e7, 900.0, width)
    assert 0 < len(labelled) <= 2000 and len(plain) <= 2000


@pytest.mark.gui
def test_the_time_axis_draws_what_time_ticks_chose_and_no_label_past_its_ends(qtbot):
    """The fast axis picture (ui/fast_axis.py) in a real plot: one tick per chosen time
    inside the range, the labels of the labelled ones, none cut by the axis's edges."""
    import pyqtgraph as pg
    from PySide6.QtGui import QImage, QPainter

    from whisperscope.ui.time_plot import TimePlot
    from whisperscope.ui.timeline import Timeline

    timeline = Timeline()
    timeline.set_duration(60.0)
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = TimePlot(timeline)
    widget.addItem(plot)
    widget.resize(900, 300)
    widget.show()
    qtbot.waitExposed(widget)
    timeline.set_view_range(2.3, 7.3)
    qtbot.wait(50)
    axis = plot.getAxis("bottom")
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, tick_specs, text_specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    low, high = axis.range  # the view's: 2.3 .. 7.3 give or take a rounding
    assert (low, high) == pytest.approx((2.3, 7.3))
    labelled, plain = time_ticks(low, high, axis.geometry().width(), axis.label_width)
    assert [t for t, _ in labelled] == pytest.approx([2.5 + 0.5 * i for i in range(10)])
    # one per chosen time; one at an end may fall a rounding outside the axis and be left out
    assert len(labelled) + len(plain) - 1 <= len(tick_specs) <= len(labelled) + len(plain)
    texts = [text for _rect, _flags, text in text_specs]
    assert texts and set(texts) <= {text for _t, text in labelled}
    assert len(texts) >= len(labelled) - 1  # only a label cut at an edge may be left out
    box = axis.boundingRect()
    assert all(box.contains(rect) for rect, _flags, _text in text_specs)

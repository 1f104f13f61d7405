"""Navigation people expect (issue 10, item 6): Shift+drag selects, L loops, Ctrl+Left/Right
step by word, Home/End, Ctrl+F finds, Ctrl+C copies rows with times."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeySequence, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from .conftest import QT_LOG_IGNORE
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


def shift_drag_axis(plots, t0: float, t1: float) -> None:
    """Shift+drag along the spectrogram's time axis from t0 to t1."""
    widget, vb = plots.spectrogram_widget, plots.spectrogram.vb
    axis_y = plots.spectrogram.getAxis("bottom").sceneBoundingRect().center().y()
    shift, left = Qt.KeyboardModifier.ShiftModifier, Qt.MouseButton.LeftButton

    def send(kind, t, buttons):
        x = vb.mapViewToScene(QPointF(t, 0)).x()
        pos = QPointF(widget.mapFromScene(QPointF(x, axis_y)))
        event = QMouseEvent(kind, pos, QPointF(widget.viewport().mapToGlobal(pos.toPoint())),
                            left, buttons, shift)
        QApplication.sendEvent(widget.viewport(), event)

    send(QEvent.Type.MouseButtonPress, t0, left)
    for k in range(1, 5):
        QTest.qWait(15)  # pyqtgraph drops moves closer together than its rate limit
        send(QEvent.Type.MouseMove, t0 + (t1 - t0) * k / 4, left)
    send(QEvent.Type.MouseButtonRelease, t1, Qt.MouseButton.NoButton)


def test_shift_drag_on_the_time_axis_selects_and_l_loops_it(qtbot, make_window, clock):
    window = make_window()
    open_and_finish(qtbot, window)
    view = window.timeline.view_range
    shift_drag_axis(window.plots, 1.0, 2.0)
    start, end = window.timeline.selection
    assert start == pytest.approx(1.0, abs=0.05) and end == pytest.approx(2.0, abs=0.05)
    assert window.timeline.view_range == view  # selecting does not pan
    QTest.keyClick(window, Qt.Key.Key_L)
    assert window.playback.is_playing and window.playback.loop == (start, end)
    clock.advance(end - start + 0.1)  # past the end of the range...
    window.playback._tick()
    assert window.playback.is_playing  # ...it plays again from its start
    assert window.playback.position() == pytest.approx(start, abs=0.01)
    QTest.keyClick(window, Qt.Key.Key_L)
    assert not window.playback.is_playing and window.playback.loop is None


def test_word_steps_and_the_ends(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    starts = [w.start for w in analysis.words]
    QTest.keySequence(window, QKeySequence("Ctrl+Right"))
    assert window.timeline.playhead == pytest.approx(starts[0])
    QTest.keySequence(window, QKeySequence("Ctrl+Right"))
    assert window.timeline.playhead == pytest.approx(starts[1])
    window.playback.seek(starts[4] + 0.1)  # just inside a word: back to the one before
    QTest.keySequence(window, QKeySequence("Ctrl+Left"))
    assert window.timeline.playhead == pytest.approx(starts[3])
    QTest.keyClick(window, Qt.Key.Key_End)
    assert window.timeline.playhead == pytest.approx(window.timeline.duration)
    QTest.keyClick(window, Qt.Key.Key_Home)
    assert window.timeline.playhead == 0.0


def test_find_in_the_transcript_and_copy_rows_with_times(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    panel = window.token_list
    QTest.keySequence(window, QKeySequence("Ctrl+F"))
    assert panel.search.isVisible() and panel.search.hasFocus()
    QTest.keyClicks(panel.search, "THE")
    QTest.keyClick(panel.search, Qt.Key.Key_Return)
    assert window.timeline.playhead == pytest.approx(analysis.words[0].start)
    QTest.keyClick(panel.search, Qt.Key.Key_Return)  # the next match: " the" (row 6)
    assert window.timeline.playhead == pytest.approx(analysis.words[6].start)
    QTest.keyClick(panel.search, Qt.Key.Key_Escape)
    assert not panel.search.isVisible()
    view = panel.word_view
    view.selectRow(2)
    view.selectionModel().select(view.model().index(3, 0), view.selectionModel().SelectionFlag
                                 .Select | view.selectionModel().SelectionFlag.Rows)
    window.plots.spectrogram_widget.setFocus()
    QTest.keySequence(window, QKeySequence("Ctrl+C"))
    lines = QApplication.clipboard().text().splitlines()
    brown, fox = analysis.words[2], analysis.words[3]
    assert lines == ["text\tstart\tend\tprobability",
                     f"brown\t{brown.start:.3f}\t{brown.end:.3f}\t0.300",
                     f"fox\t{fox.start:.3f}\t{fox.end:.3f}\t0.900"]


def test_word_step_is_pure():
    from whisperscope.ui.navigation import word_step

    starts = [0.5, 1.0, 2.0]
    assert word_step(starts, 0.0, 1) == 0.5 and word_step(starts, 0.5, 1) == 1.0
    assert word_step(starts, 2.0, 1) is None
    assert word_step(starts, 2.1, -1) == 1.0 and word_step(starts, 2.5, -1) == 2.0
    assert word_step(starts, 0.6, -1) is None

"""Word boundaries as tiers through the plots: drag to move, undo/redo, marked, kept in
sessions and exports (issue 10, item 3)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from whisperscope.engine.events import Finished

from ._keys import redo, undo
from .conftest import QT_LOG_IGNORE, is_a
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


def drag(widget, vb, t0: float, t1: float, y: float, steps: int = 6) -> None:
    """Press at time t0, move with the button held, release at t1 (view coordinates). The
    moves are spaced out: pyqtgraph drops mouse moves closer together than its rate limit."""
    left = Qt.MouseButton.LeftButton

    def send(kind, t, buttons):
        pos = QPointF(widget.mapFromScene(vb.mapViewToScene(QPointF(t, y))))
        event = QMouseEvent(kind, pos, QPointF(widget.viewport().mapToGlobal(pos.toPoint())),
                            left, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget.viewport(), event)

    send(QEvent.Type.MouseButtonPress, t0, left)
    for k in range(1, steps + 1):
        QTest.qWait(15)
        send(QEvent.Type.MouseMove, t0 + (t1 - t0) * k / steps, left)
    send(QEvent.Type.MouseButtonRelease, t1, Qt.MouseButton.NoButton)


def tier_drag(window, t0, t1):
    plots = window.plots
    drag(plots.tier_widget, plots.tiers.vb, t0, t1, 0.5)


def test_dragging_a_boundary_moves_it_and_its_neighbour(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    brown, fox = analysis.words[2], analysis.words[3]
    tier_drag(window, brown.end, fox.start + 0.3)  # a free end stops at the next word
    edited = window.document.shown
    assert edited.words[2].end == pytest.approx(fox.start)
    assert edited.words[3].start == fox.start
    assert window.document.analysis.words[2].end == brown.end  # the aligned times are kept
    tier_drag(window, fox.start, fox.start + 0.1)  # now one shared boundary: both move
    edited = window.document.shown
    assert edited.words[2].end == pytest.approx(fox.start + 0.1, abs=0.01)
    assert edited.words[3].start == edited.words[2].end
    # every view reads the new times, and the words are marked as edited
    words = window.token_list.words
    assert words.marked == {2, 3}
    assert words.data(words.index(2, 0)).endswith("✎")
    assert words.item(3).start == edited.words[3].start
    lines = window.plots.boundaries
    assert all(line.ends[2] == edited.words[2].end for line in lines)
    assert window.plots.tiers.tiers.marked["words"] == {2, 3}
    window.playback.seek(edited.words[2].end - 0.02)
    assert window.token_list.words.current == 2  # the playhead reads the edited time
    assert window.document.undo_steps == 2


def test_dragging_on_the_spectrogram_too_and_undo_redo(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    word = analysis.words[5]
    plots = window.plots
    drag(plots.spectrogram_widget, plots.spectrogram.vb, word.start, word.start - 0.2, 40)
    moved = window.document.shown.words[5].start
    assert moved == pytest.approx(analysis.words[4].end)  # stopped at the word before
    undo(window)
    assert window.document.shown.words[5].start == word.start
    assert window.token_list.words.marked == frozenset()
    redo(window)
    assert window.document.shown.words[5].start == moved
    # a drag away from any boundary pans the view instead
    window.timeline.set_view_range(1.0, 4.0)
    drag(plots.spectrogram_widget, plots.spectrogram.vb, 2.4, 2.0, 40)
    assert window.timeline.view_range[0] > 1.0
    assert window.document.undo_steps == 1


def test_edits_are_kept_in_sessions_and_exports(qtbot, make_window, tmp_path):
    from whisperscope.session.store import load_session

    window = make_window()
    analysis = open_and_finish(qtbot, window)
    word = analysis.words[1]
    tier_drag(window, word.end, word.end - 0.1)
    end = window.document.shown.words[1].end
    assert end == pytest.approx(word.end - 0.1, abs=0.01)
    out = tmp_path / "out.json"
    assert window.sessions.export_to(str(out), "json")
    data = json.loads(out.read_text())
    words = [w for s in data["segments"] for w in s["words"]]
    assert words[1]["end"] == pytest.approx(end, abs=1e-3)
    assert 1 in data["edits"]["words"]
    assert data["edits"]["words"] == sorted(window.document.annotation.edited_words)
    grid = tmp_path / "out.TextGrid"
    assert window.sessions.export_to(str(grid), "textgrid")
    assert f"xmax = {round(end, 3)}" in grid.read_text()
    path = tmp_path / "edited.wscope"
    assert window.sessions.save_to(str(path))
    session = load_session(path, check_audio=False)
    assert session.edits == {1: (word.start, end)}
    other = make_window()
    with qtbot.waitSignal(other.controller.event, check_params_cb=is_a(Finished), timeout=10_000):
        other.runs.open_session(session)
    assert other.document.shown.words[1].end == end
    assert other.token_list.words.marked == {1}
    assert other.document.undo_steps == 0  # a fresh history, the edits kept

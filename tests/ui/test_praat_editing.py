"""Praat-level editing and selection (issue 25, item 4), keyboard and mouse: boundaries
added and removed at the cursor, labels typed in place, words split and merged, tiers of
one's own added and renamed; the selection's start, end and duration; Tab plays it (the
silent player's clock moves over it and stops at its end), Ctrl+N zooms to it, the zoom
keys centre on it; gaps between words drawn and a drag that stops at one says why; the
waveform; Help › Keyboard Shortcuts. Real Qt offscreen, the stand-in engine."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from whisperscope.session.edits import END, START
from whisperscope.session.store import Session
from whisperscope.ui import theme
from whisperscope.ui.tier_view import WORDS

from ._keys import undo
from .conftest import QT_LOG_IGNORE
from .test_editing import drag
from .test_token_editing import show, two_token_analysis
from .test_window import click_scene, open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


def key(window, sequence: str) -> None:
    """Press `sequence` with the focus in the plots, as a user at the tiers would."""
    window.plots.spectrogram_widget.setFocus()
    from PySide6.QtGui import QKeySequence

    combo = QKeySequence(sequence)[0]
    QTest.keyClick(window.plots.spectrogram_widget, combo.key(), combo.keyboardModifiers())


def double_click(widget, vb, t: float, y: float) -> None:
    """A double-click as Qt delivers one: press, release, double-click, release."""
    left = Qt.MouseButton.LeftButton
    pos = QPointF(widget.mapFromScene(vb.mapViewToScene(QPointF(t, y))))
    for kind, buttons in ((QEvent.Type.MouseButtonPress, left),
                          (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
                          (QEvent.Type.MouseButtonDblClick, left),
                          (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)):
        QApplication.sendEvent(widget.viewport(), QMouseEvent(
            kind, pos, QPointF(widget.viewport().mapToGlobal(pos.toPoint())), left, buttons,
            Qt.KeyboardModifier.NoModifier))


def tier_row(window, name: str) -> float:
    return window.plots.tiers.tiers.order.index(name) + 0.5


def test_a_tier_of_ones_own_split_labelled_merged_renamed_from_the_keyboard(qtbot,
                                                                            make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    editing = window.tier_editing
    assert editing.add_tier("notes")
    assert window.plots.tiers.tiers.order[-1] == "notes" and editing.selected == "notes"
    window.playback.seek(2.0)
    key(window, "Return")  # a boundary at the cursor
    window.playback.seek(4.0)
    key(window, "Return")
    tier = window.document.annotation.tiers[0]
    assert tier.boundaries == pytest.approx((2.0, 4.0))
    # a label typed in place: double-click the middle interval, type, Enter
    click_scene(qtbot, window.plots.tier_widget, window.plots.tiers.vb, 3.0,
                tier_row(window, "notes"))  # selects the tier, cursor there
    assert editing.start_label_edit(3.0)
    editor = editing.editor
    assert editor is not None and editor.isVisible()
    editor.setText("laughter")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert window.document.annotation.tiers[0].texts == ("", "laughter", "")
    assert editing.editor is None
    # the boundary at 4 s removed: the intervals merge
    window.playback.seek(4.0)
    key(window, "Alt+Backspace")
    assert window.document.annotation.tiers[0].boundaries == pytest.approx((2.0,))
    assert window.document.annotation.tiers[0].texts == ("", "laughter")
    assert editing.rename_tier("events")
    assert window.plots.tiers.tiers.order[-1] == "events"
    assert window.document.undo_text == "rename a tier to “events”"
    assert window.document.undo_steps == 6  # one a command: tier, 2 boundaries, label, ...
    for _ in range(6):
        undo(window)
    assert window.document.annotation.tiers == ()
    assert window.plots.tiers.tiers.order == ["words", "tokens"]


def test_double_click_selects_the_interval_and_edits_its_label(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    editing = window.tier_editing
    editing.add_tier("notes")
    window.playback.seek(3.0)
    key(window, "Return")
    double_click(window.plots.tier_widget, window.plots.tiers.vb, 4.5,
                 tier_row(window, "notes"))
    assert window.timeline.selection == pytest.approx((3.0, window.timeline.duration))
    assert editing.editor is not None
    editing.editor.setText("music")
    QTest.keyClick(editing.editor, Qt.Key.Key_Return)
    assert window.document.annotation.tiers[0].texts == ("", "music")


def test_words_split_at_the_cursor_and_merge_again(qtbot, make_window):
    window = make_window()
    analysis = show(qtbot, window, Session(two_token_analysis()))
    word = analysis.words[2]  # " brown": " br" + "own"
    t = analysis.tokens[word.tokens[1]].start + 0.02
    window.tier_editing.select(WORDS)
    window.playback.seek(t)
    key(window, "Return")
    shown = window.document.shown
    assert [w.text for w in shown.words[2:4]] == [" br", " own"]
    assert shown.words[2].end == pytest.approx(t) and shown.words[3].start == pytest.approx(t)
    assert {(2, END), (3, START)} <= window.document.annotation.pins
    assert window.token_list.words.items[3].text == " own"
    key(window, "Alt+Backspace")  # the boundary at the cursor goes: one word again
    shown = window.document.shown
    assert shown.words[2].text == " br own" and len(shown.words) == len(analysis.words)
    assert (shown.words[2].start, shown.words[2].end) == (word.start, word.end)


def test_a_word_of_one_token_says_how_to_split_it(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    word = analysis.words[3]
    window.playback.seek((word.start + word.end) / 2)
    key(window, "Return")
    assert "F2" in window.statusBar().currentMessage()
    assert window.document.undo_steps == 0


def test_p_pins_the_word_at_the_cursor(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    window.playback.seek(analysis.words[4].start + 0.01)
    key(window, "P")
    assert {(4, START), (4, END)} <= window.document.annotation.pins
    assert 4 in window.token_list.words.marked


def test_the_selection_shows_start_end_and_duration_to_the_millisecond(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    window.timeline.set_selection(1.2346, 2.5)
    readout = next(w for w in window.statusBar().findChildren(object)
                   if w.objectName() == "selection_readout")
    assert readout.text() == "selection 0:01.235 – 0:02.500 (1.265 s)"
    window.timeline.set_selection(None)
    window.playback.seek(3.25)
    assert readout.text() == "cursor 0:03.250"


def test_tab_plays_the_selection_and_stops_at_its_end(qtbot, make_window, clock):
    window = make_window()
    open_and_finish(qtbot, window)
    window.timeline.set_selection(2.0, 3.0)
    QTest.keyClick(window.token_list.word_view, Qt.Key.Key_Tab)  # Tab anywhere in the window
    assert window.playback.is_playing
    clock.advance(0.5)
    window.playback._tick()
    assert 2.4 <= window.timeline.playhead <= 2.6  # the clock moves over the selection
    clock.advance(1.0)
    window.playback._tick()
    assert not window.playback.is_playing
    assert window.timeline.playhead == pytest.approx(3.0, abs=0.01)


def test_ctrl_n_zooms_to_the_selection_and_zoom_keys_centre_on_it(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    assert window.timeline.view_range == (0.0, 6.0)  # the first view is the whole of it
    window.timeline.set_selection(4.0, 5.0)
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.timeline.view_range == pytest.approx((4.0, 5.0))
    window.actions.zoom_out.trigger()
    assert window.timeline.view_range == pytest.approx((3.5, 5.5))  # centred on it


def test_gaps_between_words_are_drawn_even_at_full_view(qtbot, make_window):
    """The stand-in's words are 0.11 s apart; the tier row shows the gap colour there."""
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    widget = window.plots.tier_widget
    image = QImage(widget.size(), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    widget.render(painter)
    painter.end()
    vb = window.plots.tiers.vb
    gap_at = (analysis.words[2].end + analysis.words[3].start) / 2
    inside = (analysis.words[2].start + analysis.words[2].end) / 2
    row = tier_row(window, WORDS)

    def colour(t: float) -> str:
        point = widget.mapFromScene(vb.mapViewToScene(QPointF(t, row + 0.3)))
        return image.pixelColor(point.x(), point.y()).name()

    gap_px = vb.mapViewToScene(QPointF(analysis.words[3].start, 0)).x() - \
        vb.mapViewToScene(QPointF(analysis.words[2].end, 0)).x()
    edge = analysis.words[2].end + 0.5 * (analysis.words[3].start - analysis.words[2].end) \
        / gap_px  # half a pixel into the gap
    assert colour(edge) == theme.GAP.lower()  # a solid edge (a wide gap is only tinted)
    assert colour(gap_at) != colour(inside)  # tinted
    assert colour(inside) != theme.GAP.lower()
    # zoomed out until the gap is under a pixel, it is still drawn, 2 px wide
    narrow = analysis.words[2].end + 0.001
    starts, ends, texts = window.plots.tiers.tiers.tiers[WORDS]  # as the tier draws them
    ends = ends.copy()
    ends[2] = narrow - 0.0100  # a 10 ms gap, far under a pixel at full view
    starts = starts.copy()
    starts[3] = narrow
    window.plots.tiers.tiers.tiers[WORDS] = (starts, ends, texts)
    image.fill(0)
    painter = QPainter(image)
    widget.render(painter)
    painter.end()
    assert colour(narrow - 0.005) == theme.GAP.lower()


def test_a_drag_that_stops_at_a_gap_says_why(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    brown, fox = analysis.words[2], analysis.words[3]
    drag(window.plots.tier_widget, window.plots.tiers.vb, brown.end, fox.start + 0.3,
         tier_row(window, WORDS))
    assert window.document.shown.words[2].end == pytest.approx(fox.start)
    message = window.statusBar().currentMessage()
    assert "gap" in message and "“fox”" in message


def test_the_waveform_pane_draws_the_recording(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    envelope = window.plots.waveform.envelope
    assert envelope.pyramid is not None and envelope.pyramid.duration == pytest.approx(6.0)
    widget = window.plots.waveform_widget
    image = QImage(widget.size(), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    widget.render(painter)
    painter.end()
    pixels = np.array([[image.pixelColor(x, y).blue() for x in range(0, image.width(), 7)]
                       for y in range(image.height())])
    assert (pixels > 180).sum() > 50  # the envelope's light blue, across the pane


def test_the_keyboard_shortcuts_sheet_lists_every_key(qtbot, make_window):
    from whisperscope.ui.shortcuts_help import shortcut_rows

    window = make_window()
    rows = dict(shortcut_rows(window.menuBar()))
    annotation = dict((text, keys) for keys, text in rows["Annotation"])
    assert annotation["Play Selection"] == "Tab"
    assert annotation["Zoom to Selection"] == "Ctrl+N"
    assert "Alt+Backspace" in annotation["Remove Boundary at Cursor"]
    window.actions.shortcuts.trigger()
    dialog = next(d for d in window.findChildren(object)
                  if type(d).__name__ == "ShortcutsDialog")
    assert dialog.isVisible() and "Tab" in dialog.text.toPlainText()
    dialog.close()


def test_tiers_and_pins_are_kept_in_a_saved_session(qtbot, make_window, tmp_path):
    from whisperscope.session.store import load_session

    window = make_window()
    open_and_finish(qtbot, window)
    window.tier_editing.add_tier("notes")
    window.playback.seek(2.5)
    key(window, "Return")
    window.tier_editing.set_label("notes", 1, "door slam")
    window.playback.seek(window.document.shown.words[1].start + 0.01)
    window.tier_editing.select(WORDS)
    key(window, "P")
    assert window.sessions.save_to(str(tmp_path / "s.wscope"))
    session = load_session(tmp_path / "s.wscope", check_audio=False)
    assert session.tiers == window.document.annotation.tiers
    assert session.pins == window.document.annotation.pins == {(1, START), (1, END)}
    other = make_window()
    show(qtbot, other, session)
    assert other.plots.tiers.tiers.order[-1] == "notes"
    assert other.document.annotation.tiers[0].texts == ("", "door slam")

"""Bugs from issue 10, each pinned by a test that failed before its fix."""

from __future__ import annotations

import pytest

from whisperscope.engine.events import Failed, TokenDecoded

from .conftest import QT_LOG_IGNORE, FakeEngine, is_a, only
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


def test_words_are_drawn_past_the_first_30_s(qtbot, make_window):
    window = make_window(FakeEngine(duration=45.0))
    analysis = open_and_finish(qtbot, window)
    track = window.plots.spectrogram.words
    window.plots.spectrogram_widget.grab()  # paint the first 30 s
    late = [i for i, w in enumerate(analysis.words) if w.start > 32.0]
    assert late
    window.timeline.set_view_range(31.0, 45.0)
    window.plots.spectrogram_widget.grab()
    assert track.viewRect().left() == pytest.approx(31.0, abs=0.5)
    assert set(late) <= set(range(*track.painted))


def test_export_writes_the_format_the_typed_suffix_names(qtbot, make_window, tmp_path,
                                                         monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from whisperscope.ui import session_actions

    window = make_window()
    open_and_finish(qtbot, window)
    srt_filter = next(r.label for r in session_actions._filters() if r.fmt == "srt")
    target = tmp_path / "talk.TextGrid"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *_a, **_k: (str(target), srt_filter))  # the dialog's answer
    window.sessions.export_dialog()
    text = target.read_text()
    assert text.startswith('File type = "ooTextFile"') and "-->" not in text
    # no suffix typed: the chosen type decides, and its suffix is added
    bare = tmp_path / "talk"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *_a, **_k: (str(bare), srt_filter))
    window.sessions.export_dialog()
    assert "-->" in (tmp_path / "talk.srt").read_text()


def test_the_export_dialog_offers_word_level_cues_and_remembers_its_choice(
        qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from whisperscope.ui import session_actions

    window = make_window()
    open_and_finish(qtbot, window)
    words_vtt = next(row for row in session_actions._filters()
                     if row.fmt == "vtt" and row.options)
    asked = []

    def answer(_parent, _title, start, _filters, selected):
        asked.append((start, selected))
        return str(tmp_path / "cues.vtt"), words_vtt.label

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    window.sessions.export_dialog()
    cues = (tmp_path / "cues.vtt").read_text()
    assert cues.count("-->") == len(window.document.analysis.words)  # one cue per word
    window.sessions.export_dialog()
    assert asked[1] == (str(tmp_path / "fake.vtt"), words_vtt.label)


def test_analyse_again_then_cancel_keeps_the_previous_results(qtbot, make_window):
    window = make_window(FakeEngine())
    first = open_and_finish(qtbot, window)
    window.controller.engine.delay = 0.1
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(TokenDecoded), timeout=5000):
        window.actions.analyse.trigger()  # Ctrl+R
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Failed), timeout=2000):
        window.actions.cancel.trigger()  # Esc
    assert window.document.analysis is first
    assert window.rows.n_rows == len(first.tokens)
    assert window.token_list.words.rowCount() == len(first.words)
    assert window.token_list.words.pending == []
    assert window.plots.spectrogram.words.texts == [w.text.strip() for w in first.words]
    assert window.actions.export.isEnabled()
    assert window.document.audio is not None
    qtbot.waitUntil(lambda: window.workers.running == 0,
                    timeout=2000)


def test_words_have_room_while_decoding(qtbot, make_window):
    from whisperscope.ui.transcript_model import TEXT

    window = make_window(FakeEngine(delay=0.05))
    window.resize(1440, 880)
    view = window.token_list.word_view
    widths = []
    window.controller.event.connect(
        only(TokenDecoded, lambda _e: widths.append(view.columnWidth(TEXT))))
    open_and_finish(qtbot, window)
    room = view.fontMetrics().horizontalAdvance("children") + 16
    assert widths and min(widths[:-1]) >= room, (widths, room)


def test_row_labels_are_all_shown_or_the_heatmap_says_how_many():
    from whisperscope.ui.token_axis import labelled_rows, labels_note

    assert labelled_rows(0, 12, 12 * 20, 9) == (list(range(9)), 1)
    rows, step = labelled_rows(0, 120, 120 * 4, 120)  # 4 px a row: every 4th
    assert step == 4 and rows[:3] == [0, 4, 8] and len(rows) == 30
    assert labels_note(0, 120, 480, 120) == "30 of 120 labels shown (zoom in for all)"
    assert labels_note(0, 12, 240, 9) == ""


def test_the_heatmap_names_thinned_labels(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    note = window.plots.controls.labels_note
    window.plots.splitter.setSizes([600, 140])  # a short heatmap
    qtbot.waitUntil(lambda: "of 9 labels shown" in note.text(), timeout=2000)
    window.plots.splitter.setSizes([200, 700])
    qtbot.waitUntil(lambda: note.text() == "", timeout=2000)


def test_model_device_and_analyse_are_reachable_at_1000_by_640(qtbot, make_window):
    from PySide6.QtWidgets import QToolBar, QToolButton

    window = make_window()
    open_and_finish(qtbot, window)
    window.resize(1000, 640)
    qtbot.waitUntil(lambda: window.width() == 1000, timeout=2000)
    toolbar = window.findChild(QToolBar)
    qtbot.wait(50)
    overflow = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert overflow is None or not overflow.isVisible()
    bar = window.analysis_bar
    for widget in (bar.model, bar.device, bar.analyse, bar.cancel):
        assert widget.isVisible()
        corner = widget.mapTo(window, widget.rect().bottomRight())
        assert corner.x() <= window.width() and corner.y() <= window.height()

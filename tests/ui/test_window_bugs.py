"""Bugs from issue 10, each pinned by a test that failed before its fix."""

from __future__ import annotations

import pytest

from .conftest import QT_LOG_IGNORE, FakeEngine
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
    session_actions.export_dialog(window)
    text = target.read_text()
    assert text.startswith('File type = "ooTextFile"') and "-->" not in text
    # no suffix typed: the chosen type decides, and its suffix is added
    bare = tmp_path / "talk"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *_a, **_k: (str(bare), srt_filter))
    session_actions.export_dialog(window)
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
    session_actions.export_dialog(window)
    cues = (tmp_path / "cues.vtt").read_text()
    assert cues.count("-->") == len(window.analysis.words)  # one cue per word
    session_actions.export_dialog(window)
    assert asked[1] == (str(tmp_path / "fake.vtt"), words_vtt.label)

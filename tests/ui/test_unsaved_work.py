"""Nothing lost (issue 25): quitting, closing or opening another recording with unsaved
work asks to save it; the work is autosaved as it changes; a relaunch after a kill offers
to restore it. Real Qt, real dialogs (answered by clicking their buttons), a real app
process killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from whisperscope.engine.events import Finished
from whisperscope.session.autosave import read_autosave

from .conftest import QT_LOG_IGNORE, is_a
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]
ROOT = Path(__file__).resolve().parents[2]


def answer_next_box(qtbot, button: QMessageBox.StandardButton, asked: list) -> None:
    """Click `button` of the next message box that comes up (modal), noting its text."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        asked.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, click)


def edited_window(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    word = analysis.words[2]
    window.editing.drop(2, "end", word.end + 0.05)
    assert window.document.has_user_work
    return window, analysis


def test_quit_with_unsaved_edits_asks_and_cancel_keeps_the_window(qtbot, make_window):
    window, _ = edited_window(qtbot, make_window)
    asked = []
    answer_next_box(qtbot, QMessageBox.StandardButton.Cancel, asked)
    window.actions.quit.trigger()  # Ctrl+Q
    assert asked and "not saved" in asked[0]
    assert window.isVisible() and window.document.has_user_work
    answer_next_box(qtbot, QMessageBox.StandardButton.Discard, asked)
    window.actions.quit.trigger()
    assert len(asked) == 2 and not window.isVisible()


def test_quit_and_save_writes_the_session_then_closes(qtbot, make_window, tmp_path,
                                                      monkeypatch):
    from whisperscope.session.store import load_session

    window, analysis = edited_window(qtbot, make_window)
    target = tmp_path / "work.wscope"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    asked = []
    answer_next_box(qtbot, QMessageBox.StandardButton.Save, asked)
    window.close()
    assert asked and not window.isVisible()
    saved = load_session(target, check_audio=False)
    assert saved.edits[2][1] == pytest.approx(analysis.words[2].end + 0.05)


def test_opening_another_recording_asks_first(qtbot, make_window):
    window, _ = edited_window(qtbot, make_window)
    asked = []
    answer_next_box(qtbot, QMessageBox.StandardButton.Cancel, asked)
    assert not window.open_file("/tmp/other.wav")
    assert asked and window.document.path == "/tmp/fake.wav"
    assert window.document.annotation.edits  # the work is still there


def test_a_plain_analysis_closes_without_asking(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    assert not window.document.has_user_work
    window.close()  # no dialog: it would block this test
    assert not window.isVisible()


def test_the_work_is_autosaved_small_and_removed_once_saved(qtbot, make_window, tmp_path):
    window, analysis = edited_window(qtbot, make_window)
    with qtbot.waitSignal(window.autosaver.written, timeout=5000) as written:
        pass
    path = Path(written.args[0])
    restored = read_autosave(path)
    assert restored.annotation.edits[2][1] == pytest.approx(analysis.words[2].end + 0.05)
    assert (2, "end") in restored.annotation.pins
    assert [w.text for w in restored.annotation.analysis.words] == \
        [w.text for w in analysis.words]
    assert all(w.heads.size == 0 for w in restored.annotation.analysis.windows)  # no attention
    assert path.stat().st_size < 20_000
    assert window.sessions.save_to(str(tmp_path / "s.wscope"))
    assert not path.exists()  # saved: nothing to keep
    window.undo.undo.trigger()  # unsaved again
    with qtbot.waitSignal(window.autosaver.written, timeout=5000):
        pass
    assert path.exists()


@pytest.mark.model
def test_kill_9_then_relaunch_offers_the_work_back(qtbot, make_window, real_engine,
                                                   speech_file, tmp_path):
    """A real app process analyses speech with tiny.en, the user's drag is autosaved, the
    process is killed (SIGKILL: no chance to clean up); the next launch offers the work,
    and restoring it shows the edit."""
    settings = tmp_path / "settings.ini"
    app = subprocess.Popen(
        [sys.executable, "-m", "tests.ui._crash_app", str(settings), str(speech_file)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)})
    try:
        line = app.stdout.readline()  # the edit is on disk
        assert line, app.stderr.read()
        edit = json.loads(line)
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=30)
    assert app.returncode == -signal.SIGKILL

    from whisperscope.ui.app import create_window, parse_args

    window = create_window(parse_args([]), QSettings(str(settings),
                                                     QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitUntil(lambda: window.recovery.box is not None, timeout=10_000)
        box = window.recovery.box
        assert "speech.wav" in box.text() and "1 boundary moved" in box.text()
        with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished),
                              timeout=120_000):
            box.button(QMessageBox.StandardButton.Open).click()  # "Restore"
        restored = window.document.analysis.windows[0]
        if not restored.heads.size:  # the attention is computed again, in the background
            with qtbot.waitSignal(window.recomputer.window_recomputed, timeout=120_000):
                pass
        assert restored.heads.shape == (len(restored.head_ids), len(restored.token_ids),
                                        restored.n_frames)
        assert float(restored.heads.astype("float32").max()) > 0.1
        shown = window.document.shown
        assert shown.words[edit["word"]].end == pytest.approx(edit["end"])
        assert window.document.has_user_work  # restored work is in no file yet
        assert window.token_list.words.marked >= {edit["word"]}
    finally:
        window.document.mark_saved()
        window.close()

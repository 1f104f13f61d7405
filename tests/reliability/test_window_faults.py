"""The window under faults: warnings are shown, a hostile session is a message, and a bug in
a slot is a dialog that keeps the window and its work (real Qt offscreen)."""

from __future__ import annotations

import sys
import zipfile

import numpy as np
import pytest
import soundfile as sf

from whisperscope.engine.events import Finished

pytest.importorskip("PySide6")
pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from whisperscope.audio.silent_player import SilentClockPlayer
    from whisperscope.ui import theme
    from whisperscope.ui.main_window import MainWindow
    from whisperscope.ui.settings_store import SettingsStore

    theme.configure_pyqtgraph()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(SettingsStore(settings),
                        player_factory=lambda: SilentClockPlayer("No sound: test"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()
    window.shutdown()


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_slot_is_a_dialog_and_the_window_stays(qtbot, window):
    from PySide6.QtCore import QTimer

    from whisperscope.ui.app import install_excepthook

    previous = sys.excepthook
    install_excepthook(window)
    try:
        def broken_slot():
            raise ZeroDivisionError("planted bug")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: window.notifier.error_box is not None
                        and window.notifier.error_box.isVisible(), timeout=5000)
        assert "planted bug" in window.notifier.error_box.text()
        assert "Nothing was lost" in window.notifier.error_box.text()
        assert window.isVisible()
        window.notifier.error_box.close()
    finally:
        sys.excepthook = previous


def test_a_hostile_session_is_a_message(qtbot, window, tmp_path):
    path = tmp_path / "bad.wscope"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", '{"format": "whisperscope.session", "version": 1, '
                         '"audio": null, "analysis": {}, "windows": []}')
    assert window.sessions.open_from(str(path)) is False
    box = window.notifier.error_box
    assert box is not None and "bad.wscope" in box.text()
    box.close()


@pytest.mark.model
def test_warnings_of_a_truncated_inverted_file_show_in_the_status_bar(qtbot, window, tmp_path,
                                                                       speech):
    whole = tmp_path / "take.wav"
    sf.write(whole, np.stack([speech[:16000 * 6], -speech[:16000 * 6]], axis=1), 16000)
    data = whole.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) * 2 // 3])
    window.analysis_bar.set_model("tiny.en")
    with qtbot.waitSignal(window.controller.event, timeout=120_000,
                          check_params_cb=lambda event: isinstance(event, Finished)):
        window.open_file(str(cut))
    message = window.statusBar().currentMessage()
    assert "Warning" in message and "inverted" in message and "shorter" in message
    assert window.document.analysis.warnings and window.document.analysis.words

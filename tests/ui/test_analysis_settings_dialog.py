"""Analysis › Analysis Settings…: whisper's options in the window, checked as the command
line checks them, used by the next analysis, saved with the session and remembered."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QGroupBox

from whisperscope.engine.events import Finished
from whisperscope.session.model import AnalysisSettings

from .conftest import QT_LOG_IGNORE, FakeEngine, is_a

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


@pytest.fixture
def dialog(qtbot):
    from whisperscope.ui.analysis_settings_dialog import AnalysisSettingsDialog

    d = AnalysisSettingsDialog(AnalysisSettings())
    qtbot.addWidget(d)
    d.show()
    return d


def edit(dialog, dest: str, text: str) -> None:
    dialog.fields[dest].editor.setText(text)


def test_it_opens_on_whispers_defaults_in_groups(dialog):
    from whisperscope.ui.analysis_settings_dialog import GREEDY, whisper_actions

    assert dialog.parsed() == AnalysisSettings()
    assert dialog.ok.isEnabled() and dialog.message.text() == ""
    assert dialog.search.currentText() == GREEDY
    assert not dialog.fields["beam_size"].widget.isEnabled()
    # every command-line option has a field, under one of the groups (none under "Other")
    assert set(whisper_actions()) | {"language"} == set(dialog.fields)
    titles = [box.title() for box in dialog.findChildren(QGroupBox)]
    assert titles == ["Task && language", "Prompt", "Search", "Fallback && thresholds",
                      "Timing"]
    assert dialog.fields["no_speech_threshold"].editor.text() == "0.6"
    assert "no-speech probability" in dialog.fields["no_speech_threshold"].widget.toolTip()


def test_beam_search_a_prompt_and_a_threshold_switched_off(dialog):
    from whisperscope.ui.analysis_settings_dialog import BEAM, GREEDY

    dialog.search.setCurrentText(BEAM)
    assert dialog.fields["beam_size"].editor.text() == "5"  # whisper's command line's
    edit(dialog, "beam_size", "3")
    edit(dialog, "initial_prompt", "Names: Ada, Grace.")
    dialog.fields["compression_ratio_threshold"].switch.setChecked(False)
    edit(dialog, "temperature_increment_on_fallback", "0.5")
    dialog.fields["task"].editor.setCurrentText("translate")
    edit(dialog, "language", "de")
    settings = dialog.parsed()
    assert settings == replace(AnalysisSettings(), beam_size=3, task="translate",
                               language="de", initial_prompt="Names: Ada, Grace.",
                               compression_ratio_threshold=None, temperatures=(0.0, 0.5, 1.0))
    dialog.search.setCurrentText(GREEDY)  # beam size and patience are off again
    assert dialog.parsed().beam_size is None


@pytest.mark.parametrize(("dest", "text", "says"), [
    ("clip_timestamps", "5,3", "each end after its start"),
    ("clip_timestamps", "1.5,abc", "Clip timestamps: cannot read '1.5,abc'"),
    ("suppress_tokens", "-1,x", "suppress_tokens must be comma-separated token ids"),
    ("best_of", "0", "best_of must be a whole number from 1 to 64"),
    ("length_penalty", "2", "length_penalty must be between 0 and 1"),
    ("temperature", "warm", "Temperature: cannot read 'warm'"),
    # the checks the command line makes, in the same words (engine/decoding/options.py)
    ("temperature", "nan", "temperature must be from 0 (greedy) to 10, not nan"),
    ("temperature_increment_on_fallback", "1e-12", "makes 1,000,001,000,000 temperatures"),
    ("no_speech_threshold", "nan", "no_speech_threshold must be a probability"),
    ("suppress_tokens", "99999999", "99999999 is not a token id"),
])
def test_invalid_input_says_why_and_disables_ok(qtbot, dialog, dest, text, says):
    edit(dialog, dest, text)
    assert not dialog.ok.isEnabled()
    assert says in dialog.message.text()
    assert dialog.message.isVisible()
    dialog.accept()  # Enter in a field: refused too
    assert dialog.isVisible() and dialog.settings() == AnalysisSettings()
    edit(dialog, dest, "")  # empty: the default again
    assert dialog.ok.isEnabled() and dialog.message.text() == ""


def test_patience_needs_beam_search(dialog):
    from whisperscope.ui.analysis_settings_dialog import BEAM

    dialog.search.setCurrentText(BEAM)
    edit(dialog, "patience", "0.1")
    edit(dialog, "beam_size", "2")
    assert "leaves no beam candidates" in dialog.message.text()
    assert not dialog.ok.isEnabled()


def test_restore_defaults(dialog):
    edit(dialog, "initial_prompt", "x")
    dialog.fields["condition_on_previous_text"].editor.setChecked(False)
    dialog.fields["logprob_threshold"].switch.setChecked(False)
    edit(dialog, "clip_timestamps", "5,3")
    buttons = dialog.findChild(QDialogButtonBox)
    buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert dialog.parsed() == AnalysisSettings()
    assert dialog.ok.isEnabled()


def test_it_shows_given_settings_back(qtbot):
    from whisperscope.ui.analysis_settings_dialog import BEAM, AnalysisSettingsDialog

    given = replace(AnalysisSettings(), beam_size=4, patience=1.5, best_of=3,
                    temperatures=(0.2,), no_speech_threshold=None, clip_timestamps=(1.5, 4.0, 9.0),
                    suppress_tokens="", prefix="So", carry_initial_prompt=True,
                    initial_prompt="Hi", hallucination_silence_threshold=2.0)
    d = AnalysisSettingsDialog(given)
    qtbot.addWidget(d)
    assert d.search.currentText() == BEAM
    assert d.fields["clip_timestamps"].editor.text() == "1.5,4,9"
    assert not d.fields["temperature_increment_on_fallback"].switch.isChecked()
    assert d.parsed() == given


# --- in the window --------------------------------------------------------------------------
class RecordingEngine(FakeEngine):
    """The stand-in engine, noting the settings each analysis is given."""

    def __init__(self) -> None:
        super().__init__()
        self.given: list[AnalysisSettings] = []

    def analyze(self, audio, model, settings, cancel, mel=None):
        self.given.append(settings)
        return super().analyze(audio, model, settings, cancel, mel)


def open_settings(qtbot, window):
    window.actions.analysis_settings.trigger()
    dialog = window.settings_editor.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def choose_beam_3_and_a_prompt(qtbot, window) -> None:
    from whisperscope.ui.analysis_settings_dialog import BEAM

    dialog = open_settings(qtbot, window)
    assert window.actions.analysis_settings.shortcut().toString() == "Ctrl+,"
    dialog.search.setCurrentText(BEAM)
    edit(dialog, "beam_size", "3")
    edit(dialog, "initial_prompt", "A sample recording.")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert window.settings_editor.dialog is None


def test_the_next_analysis_gets_them_and_the_next_launch_remembers(qtbot, make_window):
    engine = RecordingEngine()
    window = make_window(engine)
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished),
                          timeout=10_000):
        window.open_file("/tmp/fake.wav")
    assert engine.given == [AnalysisSettings()]
    choose_beam_3_and_a_prompt(qtbot, window)
    assert len(engine.given) == 1  # nothing runs until asked
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished),
                          timeout=10_000):
        window.actions.analyse.trigger()
    assert engine.given[-1].beam_size == 3
    assert engine.given[-1].initial_prompt == "A sample recording."
    window.close()
    again = make_window()
    assert again.preferences.settings.analysis == engine.given[-1]
    dialog = open_settings(qtbot, again)
    assert dialog.fields["beam_size"].editor.text() == "3"
    dialog.reject()


def test_cancel_changes_nothing(qtbot, make_window):
    window = make_window()
    dialog = open_settings(qtbot, window)
    edit(dialog, "beam_size", "3")
    dialog.reject()
    assert window.preferences.settings.analysis == AnalysisSettings()


def test_unreadable_remembered_settings_fall_back_to_whispers(qsettings):
    from whisperscope.settings import Settings
    from whisperscope.ui.settings_store import SettingsStore

    for value in ("{not json", '{"beam_size": 0}', '[1, 2]', '{"initial_prompt": 5}',
                  '{"temperatures": ["warm"]}', '{"beam_size": true}'):
        qsettings.setValue("analysis_settings", value)
        assert SettingsStore(qsettings).load().analysis == AnalysisSettings(), value
    saved = Settings(analysis=replace(AnalysisSettings(), beam_size=2, no_speech_threshold=None,
                                      clip_timestamps=(1.0, 2.0), initial_prompt="x"))
    SettingsStore(qsettings).save(saved)
    assert SettingsStore(qsettings).load() == saved


def test_real_tiny_en_runs_with_them_and_the_session_keeps_them(qtbot, make_window,
                                                                 real_engine, tmp_path):
    """The bundled sample through tiny.en with beam size 3 and a prompt; the saved session
    reopens (in a fresh window, without the model) with them in the dialog."""
    import torch

    from whisperscope.session.store import load_session
    from whisperscope.ui.main_window import sample_path

    torch.set_num_threads(1)
    window = make_window(real_engine)
    choose_beam_3_and_a_prompt(qtbot, window)
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished),
                          timeout=240_000):
        window.open_file(sample_path())
    analysis = window.document.analysis
    assert analysis.settings.beam_size == 3
    assert analysis.settings.initial_prompt == "A sample recording."
    assert analysis.words
    path = tmp_path / "sample.wscope"
    assert window.sessions.save_to(str(path))
    window.close()

    other = make_window()  # fresh remembered settings would be beam 3 too: reset them
    other.preferences.update(analysis=AnalysisSettings())
    with qtbot.waitSignal(other.controller.event, check_params_cb=is_a(Finished),
                          timeout=10_000):
        other.runs.open_session(load_session(path))
    assert other.preferences.settings.analysis.beam_size == 3
    dialog = open_settings(qtbot, other)
    assert dialog.fields["beam_size"].editor.text() == "3"
    assert dialog.fields["initial_prompt"].editor.text() == "A sample recording."
    assert dialog.parsed() == analysis.settings
    dialog.reject()

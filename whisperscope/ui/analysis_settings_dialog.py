"""Analysis › Analysis Settings…: whisper's decoding options for the next analysis.

The fields are the command line's own options (`cli/whisper_options.py`): their names,
help, defaults and parsing come from there, and the settings are built and checked by the
same `settings_from_args`, so the window and `whisperscope align` cannot disagree. This
module only lays them out. A field left empty takes the option's default; a threshold is
switched off by unticking it (the command line's NONE).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from whisperscope.cli.whisper_options import (
    add_whisper_options,
    args_from_settings,
    optional_float,
    optional_int,
    settings_from_args,
    str2bool,
)
from whisperscope.errors import WhisperScopeError
from whisperscope.session.model import AnalysisSettings

# The layout only: which option goes in which group, by its `dest`. An option added to the
# command line and not named here still shows, under "Other".
SECTIONS = (
    ("Task && language", ("task", "language")),
    ("Prompt", ("initial_prompt", "carry_initial_prompt", "prefix",
                "condition_on_previous_text")),
    ("Search", ("beam_size", "patience", "best_of", "length_penalty", "suppress_tokens")),
    ("Fallback && thresholds", ("temperature", "temperature_increment_on_fallback",
                                "compression_ratio_threshold", "logprob_threshold",
                                "no_speech_threshold")),
    ("Timing", ("clip_timestamps", "hallucination_silence_threshold")),
)
BEAM_ONLY = ("beam_size", "patience")  # off under greedy search
GREEDY, BEAM = "Greedy", "Beam search"
EDITOR_WIDTH = 150  # pixels: a prompt or START,END,... readable
DEFAULT_BEAMS = "5"  # whisper's command line's --beam_size, offered when beam search is picked
# `--language` belongs to the engine arguments (cli/align.py), not whisper's option group.
LANGUAGE = argparse.Namespace(
    dest="language", default=None, type=None, choices=None, metavar="CODE",
    placeholder="detect",
    help="language code or name, e.g. de or German (multilingual models; empty: detect)")


def whisper_actions() -> dict[str, argparse.Action]:
    """The command line's whisper options by `dest`, in their order, with
    `whisper.transcribe()`'s defaults (greedy): the window shows the decoding live."""
    parser = argparse.ArgumentParser(add_help=False)
    add_whisper_options(parser, command_line=False)
    return {action.dest: action for action in parser._actions}


def _label(dest: str) -> str:
    return dest.replace("_", " ").capitalize()


def _text(value) -> str:
    """An option's value as the command line spells it."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ",".join(_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class _Field:
    """One option's widget: reads and shows its parsed value."""

    def __init__(self, action, changed: Callable[[], None]) -> None:
        self.action = action
        self.dest = action.dest
        self.switch: QCheckBox | None = None
        help_text = action.help or ""
        if action.choices:
            self.editor = QComboBox()
            self.editor.addItems([str(c) for c in action.choices])
            self.editor.currentIndexChanged.connect(changed)
            self.widget: QWidget = self.editor
        elif action.type is str2bool:
            self.editor = QCheckBox()
            self.editor.toggled.connect(changed)
            self.widget = self.editor
        else:
            self.editor = QLineEdit()
            self.editor.setMinimumWidth(EDITOR_WIDTH)
            self.editor.textChanged.connect(changed)
            self.editor.setPlaceholderText(self._placeholder())
            self.widget = self.editor
            if self.switchable:  # a threshold: unticked is NONE, the check switched off
                self.switch = QCheckBox("on")
                self.switch.toggled.connect(self.editor.setEnabled)
                self.switch.toggled.connect(changed)
                self.widget = QWidget()
                row = QHBoxLayout(self.widget)
                row.setContentsMargins(0, 0, 0, 0)
                row.addWidget(self.switch)
                row.addWidget(self.editor, 1)
        self.widget.setToolTip(help_text)
        self.editor.setObjectName(self.dest)
        self.editor.setAccessibleName(_label(self.dest))

    @property
    def switchable(self) -> bool:
        return self.action.type in (optional_float, optional_int) and \
            self.action.default is not None

    def _placeholder(self) -> str:
        """What an empty field means."""
        default = self.action.default
        if getattr(self.action, "placeholder", None):
            return self.action.placeholder
        if self.action.type is None:  # free text: empty is no text (no suppressed token)
            return "none"
        if default == ():
            return f"all ({self.action.metavar})"
        if default is None:
            return "off"
        return f"default: {_text(default)}"

    def show(self, value) -> None:
        if isinstance(self.editor, QComboBox):
            self.editor.setCurrentText(str(value))
        elif isinstance(self.editor, QCheckBox):
            self.editor.setChecked(bool(value))
        else:
            if self.switch is not None:
                self.switch.setChecked(value is not None)
                self.editor.setEnabled(value is not None)
                if value is None:  # keep a number to switch back on to
                    value = self.action.default
            self.editor.setText(_text(value))

    def value(self):
        """The parsed value; ValueError with a line for the user when it does not parse."""
        if isinstance(self.editor, QComboBox):
            return self.editor.currentText()
        if isinstance(self.editor, QCheckBox):
            return self.editor.isChecked()
        if self.switch is not None and not self.switch.isChecked():
            return None
        text = self.editor.text().strip()
        if self.action.type is None:  # free text: empty means none, unless "" has a meaning
            return text if text or isinstance(self.action.default, str) else None
        if not text:
            return self.action.default
        try:
            return self.action.type(text)
        except (ValueError, TypeError, argparse.ArgumentTypeError):
            expected = f" (expected {self.action.metavar})" if self.action.metavar else ""
            raise ValueError(f"{_label(self.dest)}: cannot read '{text}'{expected}") from None


class AnalysisSettingsDialog(QDialog):
    """Edits an AnalysisSettings; `settings()` is the accepted result. OK is disabled, and
    the reason shown in red under the form, while the fields do not make valid settings."""

    settings_changed = Signal(object)  # AnalysisSettings, on OK

    def __init__(self, settings: AnalysisSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Analysis Settings")
        self._settings = settings
        self.fields: dict[str, _Field] = {}
        actions = {"language": LANGUAGE, **whisper_actions()}
        layout = QVBoxLayout(self)
        intro = QLabel("whisper's decoding options, as <tt>whisperscope align</tt> takes "
                       "them. They apply to the next Analyse or Analyse Again (Ctrl+R); "
                       "the model and device stay in the toolbar.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        columns = QHBoxLayout()  # two columns: the dialog fits a 768-pixel-high screen
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left)
        columns.addLayout(right)
        layout.addLayout(columns)
        placed = {dest for _, dests in SECTIONS for dest in dests}
        other = tuple(d for d in actions if d not in placed)
        for i, (title, dests) in enumerate((*SECTIONS, ("Other", other))):
            dests = tuple(d for d in dests if d in actions)
            if not dests:
                continue
            box = QGroupBox(title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            if title == "Search":
                self.search = QComboBox()
                self.search.addItems([GREEDY, BEAM])
                self.search.setObjectName("search")
                self.search.setToolTip("Greedy takes the likeliest token at each step; beam "
                                       "search keeps several hypotheses (at temperature 0)")
                self.search.currentTextChanged.connect(self._on_search_changed)
                form.addRow("Search", self.search)
            for dest in dests:
                field = self.fields[dest] = _Field(actions[dest], self._validate)
                form.addRow(_label(dest), field.widget)
            (left if i < 3 else right).addWidget(box)
        left.addStretch(1)
        right.addStretch(1)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #d04040;")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self.restore_defaults)
        layout.addWidget(buttons)
        self.show_settings(settings)

    def show_settings(self, settings: AnalysisSettings) -> None:
        values = args_from_settings(settings)
        for dest, field in self.fields.items():
            field.show(values.get(dest, field.action.default))
        self.search.setCurrentText(BEAM if settings.beam_size is not None else GREEDY)
        self._on_search_changed(self.search.currentText())

    def restore_defaults(self) -> None:
        self.show_settings(AnalysisSettings())

    def settings(self) -> AnalysisSettings:
        """The settings last accepted (or given)."""
        return self._settings

    def parsed(self) -> AnalysisSettings:
        """The settings the fields make now; WhisperScopeError or ValueError (one line for
        the user) when they make none."""
        values = {dest: field.value() for dest, field in self.fields.items()}
        if self.search.currentText() == GREEDY:
            values.update({dest: None for dest in BEAM_ONLY})
        return settings_from_args(argparse.Namespace(**values))

    def accept(self) -> None:
        try:
            self._settings = self.parsed()
        except (WhisperScopeError, ValueError):
            return  # OK is disabled then; Enter in a field still lands here
        self.settings_changed.emit(self._settings)
        super().accept()

    def _on_search_changed(self, text: str) -> None:
        beam = text == BEAM
        for dest in BEAM_ONLY:
            if dest in self.fields:
                self.fields[dest].widget.setEnabled(beam)
        beams = self.fields.get("beam_size")
        if beam and beams is not None and not beams.editor.text().strip():
            beams.editor.setText(DEFAULT_BEAMS)
        self._validate()

    def _validate(self) -> None:
        if not hasattr(self, "ok"):  # still building the form
            return
        try:
            self.parsed()
            error = ""
        except (WhisperScopeError, ValueError) as problem:
            error = str(problem)
        self.message.setText(error)
        self.ok.setEnabled(not error)


class SettingsEditor(QObject):
    """Analysis › Analysis Settings…: whisper's options for the next run, remembered at once
    (they are also what a saved session reopens with). One dialog at a time."""

    def __init__(self, preferences, notifier, has_recording: Callable[[], bool],
                 host: QWidget) -> None:
        super().__init__(host)
        self.preferences = preferences
        self.notifier = notifier
        self.has_recording = has_recording
        self.host = host
        self.dialog: AnalysisSettingsDialog | None = None

    def open(self) -> None:
        if self.dialog is not None:
            self.dialog.raise_()
            return
        dialog = self.dialog = AnalysisSettingsDialog(self.preferences.settings.analysis,
                                                      self.host)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settings_changed.connect(self._changed)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()

    def _changed(self, settings) -> None:
        self.preferences.update(analysis=settings)
        self.preferences.save()
        if self.has_recording():
            self.notifier.status("The analysis settings apply from the next Analyse Again "
                                 "(Ctrl+R)")

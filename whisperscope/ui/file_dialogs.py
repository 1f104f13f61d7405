"""Choosing a recording or a model file, and the models this machine offers."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QWidget

from whisperscope.settings import Settings

log = logging.getLogger(__name__)
DEFAULT_MODELS = ["tiny.en", "base"]
AUDIO_FILTER = ("Audio (*.wav *.flac *.mp3 *.ogg *.opus *.m4a *.aac *.aiff *.aif *.webm "
                "*.mp4 *.mkv);;All files (*)")


def choose_recording(parent: QWidget, settings: Settings, then: Callable[[str], None]) -> None:
    start = os.path.dirname(settings.recent_files[0]) if settings.recent_files \
        else os.path.expanduser("~")
    path, _ = QFileDialog.getOpenFileName(parent, "Open recording", start, AUDIO_FILTER)
    if path:
        then(path)


def choose_model_file(parent: QWidget, then: Callable[[str], None]) -> None:
    path, _ = QFileDialog.getOpenFileName(parent, "Whisper model", os.path.expanduser(
        "~"), "Whisper model (*.pt model.bin *.safetensors config.json);;All files (*)")
    if path:
        then(path)


def model_choices(last: str) -> tuple[list[str], str, dict[str, str]]:
    """The models found on this machine (engine.models.catalog) with a tooltip each, and the
    one to preselect: the last used, else the best bundled."""
    from whisperscope.engine.models import best_offline_model
    from whisperscope.engine.models.catalog import discover_models

    try:
        entries = discover_models()
    except Exception:  # an unreadable cache must not keep the window from opening
        log.exception("model discovery failed")
        entries = []
    names = [entry.name for entry in entries] or list(DEFAULT_MODELS)
    details = {entry.name: entry.description() for entry in entries}
    try:
        return names, last or best_offline_model(), details
    except Exception:  # no model installed: the analysis will say how to get one
        return names, last, details

"""Reads and writes `whisperscope.settings.Settings` (and window geometry) with QSettings."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from whisperscope.session.exporters.json import settings_from_dict, settings_to_dict
from whisperscope.session.model import AnalysisSettings
from whisperscope.settings import Settings


def _bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _analysis_settings(value) -> AnalysisSettings:
    """Whisper's options as saved (a JSON object); the defaults when absent or unreadable."""
    try:
        data = json.loads(value) if isinstance(value, str) else {}
        return settings_from_dict(data if isinstance(data, dict) else {})
    except (ValueError, TypeError):
        return AnalysisSettings()


class SettingsStore:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.qsettings = qsettings if qsettings is not None else QSettings()

    def load(self) -> Settings:
        q = self.qsettings
        recent = q.value("recent_files", [])
        if isinstance(recent, str):
            recent = [recent]
        try:
            speed = float(q.value("speed", 1.0))
        except (TypeError, ValueError):
            speed = 1.0
        return Settings(
            model=str(q.value("model", "") or ""),
            device=str(q.value("device", "auto") or "auto"),
            recent_files=tuple(str(p) for p in (recent or [])),
            speed=speed,
            follow_playhead=_bool(q.value("follow_playhead"), True),
            normalised_attention=_bool(q.value("normalised_attention"), True),
            analysis=_analysis_settings(q.value("analysis_settings")),
        ).validated()

    def save(self, settings: Settings) -> None:
        q = self.qsettings
        q.setValue("model", settings.model)
        q.setValue("device", settings.device)
        q.setValue("recent_files", list(settings.recent_files))
        q.setValue("speed", settings.speed)
        q.setValue("follow_playhead", settings.follow_playhead)
        q.setValue("normalised_attention", settings.normalised_attention)
        # One JSON string, the session's own spelling: QSettings' ini format would turn
        # None, tuples and booleans into strings.
        q.setValue("analysis_settings", json.dumps(settings_to_dict(settings.analysis)))
        q.sync()

    def geometry(self, key: str) -> QByteArray | None:
        value = self.qsettings.value(f"window/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, key: str, value: QByteArray) -> None:
        self.qsettings.setValue(f"window/{key}", value)

    def autosave_folder(self) -> Path:
        """Where the unsaved work is kept: beside an ini settings file (each test's own),
        else in the user's application data."""
        if self.qsettings.format() == QSettings.Format.IniFormat:
            return Path(self.qsettings.fileName()).parent / "autosave"
        from PySide6.QtCore import QStandardPaths

        base = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.AppLocalDataLocation)
        return Path(base) / "autosave"

    def value(self, key: str) -> str | None:
        """A remembered string of the window's own (e.g. the last export folder)."""
        value = self.qsettings.value(key)
        return str(value) if value else None

    def set_value(self, key: str, value: str) -> None:
        self.qsettings.setValue(key, value)


class Preferences:
    """The settings of this run of the window, changed as the user works and saved at the
    end: one holder every part that remembers something shares."""

    def __init__(self, store: SettingsStore) -> None:
        self.store = store
        self.settings: Settings = store.load()

    def update(self, **changes) -> None:
        from dataclasses import replace

        self.settings = replace(self.settings, **changes)

    def save(self) -> None:
        self.store.save(self.settings)

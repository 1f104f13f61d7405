"""User settings as plain data: what the app remembers between runs.

No Qt here: the window reads and writes these through `whisperscope.ui.settings_store`
(QSettings). Geometry and other purely visual state stay in the UI layer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from whisperscope.engine.decoding.options import check_settings
from whisperscope.engine.models.devices import DEVICE_CHOICES as DEVICES
from whisperscope.errors import WhisperScopeError
from whisperscope.session.model import AnalysisSettings

MAX_RECENT_FILES = 10
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


@dataclass(frozen=True)
class Settings:
    model: str = ""  # last model used; "" means "the best bundled one"
    device: str = "auto"
    recent_files: tuple[str, ...] = ()
    speed: float = 1.0
    follow_playhead: bool = True
    normalised_attention: bool = True
    analysis: AnalysisSettings = AnalysisSettings()  # whisper's options for the next run

    def with_recent(self, path: str, limit: int = MAX_RECENT_FILES) -> Settings:
        """A copy with `path` first in the recent files (no duplicates, at most `limit`)."""
        rest = tuple(p for p in self.recent_files if p != path)
        return replace(self, recent_files=((path,) + rest)[:limit])

    def without_recent(self, path: str) -> Settings:
        return replace(self, recent_files=tuple(p for p in self.recent_files if p != path))

    def validated(self) -> Settings:
        """A copy with out-of-range values replaced by defaults (settings files get edited)."""
        speed = min(SPEEDS, key=lambda s: abs(s - self.speed)) if self.speed > 0 else 1.0
        device = self.device if self.device in DEVICES else "auto"
        try:
            _check_types(self.analysis)
            check_settings(self.analysis)
            analysis = self.analysis
        except (WhisperScopeError, TypeError, ValueError):
            analysis = AnalysisSettings()
        return replace(self, speed=speed, device=device, analysis=analysis,
                       recent_files=tuple(str(p) for p in self.recent_files if p))


_KINDS = {"str": (str,), "bool": (bool,), "int": (int,), "float": (int, float),
          "tuple": (tuple,)}


def _check_types(settings: AnalysisSettings) -> None:
    """TypeError unless each field holds its annotated kind (a settings file edited by hand
    can say `"initial_prompt": 5`, which whisper's checks do not look for)."""
    for f in fields(settings):
        value, spelled = getattr(settings, f.name), str(f.type)
        if value is None and "None" in spelled:
            continue
        kinds = _KINDS[spelled.split("[")[0].split(" |")[0]]
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                      for v in value) if isinstance(value, tuple) else True
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds) \
                or not numbers:
            raise TypeError(f"{f.name} is {value!r}")

"""User settings as plain data: what the app remembers between runs.

No Qt here: the window reads and writes these through `whisperscope.ui.settings_store`
(QSettings). Geometry and other purely visual state stay in the UI layer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from whisperscope.engine.devices import DEVICE_CHOICES as DEVICES

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
        return replace(self, speed=speed, device=device,
                       recent_files=tuple(str(p) for p in self.recent_files if p))

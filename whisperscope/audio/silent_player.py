"""A player without sound: a monotonic clock moves the position in real time x speed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from whisperscope.audio.player import Player, clamp_speed

if TYPE_CHECKING:
    from whisperscope.audio.loader import LoadedAudio


class SilentClockPlayer(Player):
    """Same behaviour as the sound player, minus the sound.

    The position is `anchor + (clock() - anchor_time) x speed`, re-anchored on every change
    and every read, and stops at the end of the file or of the `play_range`.
    `clock` is injectable (seconds, monotonic) so tests can step time exactly.
    """

    sound_available = False

    def __init__(
        self, reason: str | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.unavailable_reason = reason
        self._clock = clock
        self._lock = threading.Lock()
        self._duration = 0.0
        self._pos = 0.0  # position at _since
        self._since: float | None = None  # clock time of _pos while playing; None: paused
        self._speed = 1.0
        self._stop_at: float | None = None  # end of a play_range

    # -- state, all under the lock --------------------------------------------------------

    def _advance(self) -> None:
        if self._since is None:
            return
        now = self._clock()
        pos = self._pos + (now - self._since) * self._speed
        end = self._duration if self._stop_at is None else self._stop_at
        if pos >= end:
            self._pos, self._since, self._stop_at = end, None, None
        else:
            self._pos, self._since = pos, now

    def _clamp(self, seconds: float) -> float:
        return min(max(float(seconds), 0.0), self._duration)

    # -- Player -------------------------------------------------------------------------

    def load(self, audio: LoadedAudio) -> None:
        with self._lock:
            self._duration = float(audio.duration)
            self._pos, self._since, self._stop_at = 0.0, None, None

    def play(self) -> None:
        with self._lock:
            self._advance()
            self._stop_at = None
            if self._pos >= self._duration:
                self._pos = 0.0
            if self._since is None and self._duration > 0:
                self._since = self._clock()

    def pause(self) -> None:
        with self._lock:
            self._advance()
            self._since, self._stop_at = None, None

    def seek(self, seconds: float) -> None:
        with self._lock:
            self._advance()
            self._pos, self._stop_at = self._clamp(seconds), None
            if self._since is not None:
                self._since = self._clock()

    def position(self) -> float:
        with self._lock:
            self._advance()
            return self._pos

    @property
    def is_playing(self) -> bool:
        with self._lock:
            self._advance()
            return self._since is not None

    @property
    def duration(self) -> float:
        return self._duration

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self._advance()
            self._speed = clamp_speed(speed)

    def play_range(self, start: float, end: float) -> None:
        with self._lock:
            start, end = self._clamp(start), self._clamp(end)
            self._pos = start
            if end > start:
                self._stop_at, self._since = end, self._clock()
            else:
                self._stop_at, self._since = None, None

    def close(self) -> None:
        self.pause()

"""Playback for the window: the player's frame counter is the clock, one ~30 Hz timer reads
it and moves the shared playhead. The timer runs only while audio plays."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from whisperscope.ui.timeline import Timeline

TICK_MS = 33


def _default_player():
    from whisperscope.audio.player import create_player

    return create_player()


class PlaybackController(QObject):
    playing_changed = Signal(bool)
    position_changed = Signal(float)
    sound_unavailable = Signal(str)  # emitted once, when the first player has no sound

    def __init__(self, timeline: Timeline, player_factory: Callable | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self._factory = player_factory or _default_player
        self.player = None
        self.follow = True
        self.speed = 1.0
        self._was_playing = False
        self._told_no_sound = False
        self.loop: tuple[float, float] | None = None  # a range played over and over
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        timeline.seek_requested.connect(self.seek)

    # --- setup -------------------------------------------------------------------------
    def load(self, audio) -> None:
        """Load a LoadedAudio; rewinds and pauses."""
        self.stop()
        if self.player is None:
            self.player = self._factory()
            self.player.set_speed(self.speed)
            if not getattr(self.player, "sound_available", True) and not self._told_no_sound:
                self._told_no_sound = True
                reason = getattr(self.player, "unavailable_reason", "") or "no output device"
                self.sound_unavailable.emit(reason)
        self.player.load(audio)
        self.timeline.set_duration(float(audio.duration))
        self.position_changed.emit(0.0)

    @property
    def loaded(self) -> bool:
        return self.player is not None and self.timeline.duration > 0

    @property
    def is_playing(self) -> bool:
        if self.player is None:
            return False
        value = self.player.is_playing
        return bool(value() if callable(value) else value)

    @property
    def active(self) -> bool:
        """The clock is running: playback moves the playhead (cheap: no player call)."""
        return self.timer.isActive()

    def position(self) -> float:
        return float(self.player.position()) if self.player is not None else 0.0

    # --- transport ---------------------------------------------------------------------
    def toggle(self) -> None:
        if self.is_playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if not self.loaded:
            return
        if self.position() >= self.timeline.duration - 1e-3:
            self.player.seek(0.0)
        self.player.play()
        self._started()

    def pause(self) -> None:
        self.loop = None
        if self.player is not None:
            self.player.pause()
        self._tick()

    def stop(self) -> None:
        self.loop = None
        if self.player is not None and self.is_playing:
            self.player.pause()
        self.timer.stop()
        self._set_playing(False)

    def seek(self, seconds: float) -> None:
        if not self.loaded:
            return
        t = self.timeline.clamp(seconds)
        self.player.seek(t)
        self.timeline.set_playhead(t)
        self.position_changed.emit(t)

    def step(self, seconds: float) -> None:
        self.seek(self.position() + seconds)

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)
        if self.player is not None:
            self.player.set_speed(self.speed)

    def play_range(self, start: float, end: float) -> None:
        if not self.loaded or end <= start:
            return
        self.timeline.set_playhead(start)
        self.player.play_range(start, end)
        self._started()

    def play_loop(self, start: float, end: float) -> None:
        """Play `start`..`end` again and again until paused."""
        if self.loaded and end > start:
            self.loop = (start, end)
            self.play_range(start, end)

    def close(self) -> None:
        self.timer.stop()
        if self.player is not None:
            self.player.close()
            self.player = None

    # --- the clock ---------------------------------------------------------------------
    def _started(self) -> None:
        if not self.timer.isActive():
            self.timer.start()
        self._set_playing(True)
        self._tick()

    def _tick(self) -> None:
        if self.player is None:
            return
        t = self.position()  # first: reading it is what notices the end of a range
        playing = self.is_playing
        if not playing and self.loop is not None:  # the range ended: again from its start
            self.player.play_range(*self.loop)
            t, playing = self.loop[0], True
        self.timeline.set_playhead(t, follow=self.follow and playing)
        self.position_changed.emit(t)
        if not playing:
            self.timer.stop()
        self._set_playing(playing)

    def _set_playing(self, playing: bool) -> None:
        if playing != self._was_playing:
            self._was_playing = playing
            self.playing_changed.emit(playing)

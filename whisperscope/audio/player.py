"""Playback behind one small interface. No Qt: the UI polls `position()` with one ~30 Hz timer.

Two backends, picked once by `create_player()`:
- `SoundDevicePlayer` (sounddevice_player.py): a PortAudio output stream; its callback's frame
  counter is the clock.
- `SilentClockPlayer` (silent_player.py): no sound, a monotonic clock that moves the position
  in real time x speed, so the app works the same without PortAudio or an output device.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from whisperscope.errors import AudioError

if TYPE_CHECKING:
    from whisperscope.audio.loader import LoadedAudio

MIN_SPEED = 0.5
MAX_SPEED = 2.0

NO_PORTAUDIO = "No sound: PortAudio library not found (install libportaudio2)"
NO_SOUNDDEVICE = "No sound: the sounddevice package is not installed"
NO_OUTPUT_DEVICE = "No sound: no audio output device"


class Player(ABC):
    """Plays one LoadedAudio. Times are seconds of the recording.

    Control it from one thread (the UI's); `position()` and `is_playing` may be read from any.
    Playing to the end (or to the end of `play_range`) stops there; `play()` at the end
    starts again from 0.
    """

    sound_available: bool = False
    unavailable_reason: str | None = None  # one line for the UI, when sound_available is False

    @abstractmethod
    def load(self, audio: LoadedAudio) -> None:
        """Stop and make `audio` current, at position 0. May raise AudioError."""

    @abstractmethod
    def play(self) -> None: ...

    @abstractmethod
    def pause(self) -> None: ...

    @abstractmethod
    def seek(self, seconds: float) -> None:
        """Move to `seconds` (clamped to [0, duration]); keeps playing if it was."""

    @abstractmethod
    def position(self) -> float: ...

    @property
    @abstractmethod
    def is_playing(self) -> bool: ...

    @property
    @abstractmethod
    def duration(self) -> float: ...

    @property
    @abstractmethod
    def speed(self) -> float: ...

    @abstractmethod
    def set_speed(self, speed: float) -> None:
        """Playback rate, clamped to [MIN_SPEED, MAX_SPEED]; takes effect at once."""

    @abstractmethod
    def play_range(self, start: float, end: float) -> None:
        """Play [start, end) (one word, say) and stop at `end`."""

    @abstractmethod
    def close(self) -> None:
        """Stop and release the output device; the player can't be used afterwards."""

    def toggle(self) -> None:
        if self.is_playing:
            self.pause()
        else:
            self.play()


def clamp_speed(speed: float) -> float:
    return min(max(float(speed), MIN_SPEED), MAX_SPEED)


def sound_unavailable_reason() -> str | None:
    """Why there would be no sound here, or None when an output device exists."""
    try:
        import sounddevice as sd
    except OSError:  # sounddevice raises this when libportaudio can't be loaded
        return NO_PORTAUDIO
    except ImportError:
        return NO_SOUNDDEVICE
    if default_output_device(sd) is None:
        return NO_OUTPUT_DEVICE
    return None


def default_output_device(sd) -> int | None:
    """PortAudio's default output device, else the first device with output channels."""
    try:
        devices = sd.query_devices()
        default = sd.default.device[1]
    except Exception:  # PortAudioError, or a broken host API
        return None
    if isinstance(default, int) and 0 <= default < len(devices):
        if devices[default]["max_output_channels"] > 0:
            return default
    for i, dev in enumerate(devices):
        if dev["max_output_channels"] > 0:
            return i
    return None


def create_player(audio: LoadedAudio | None = None) -> Player:
    """The sounddevice player when there is an output device, else the silent clock.

    With `audio`, also loads it; if the device then refuses the stream (rate, channels,
    busy), the result is a silent clock with that reason, so playback never blocks the app.
    """
    from whisperscope.audio.silent_player import SilentClockPlayer

    reason = sound_unavailable_reason()
    if reason is not None:
        player: Player = SilentClockPlayer(reason)
    else:
        from whisperscope.audio.sounddevice_player import SoundDevicePlayer

        player = SoundDevicePlayer()
    if audio is not None:
        try:
            player.load(audio)
        except AudioError as e:
            player.close()
            player = SilentClockPlayer(f"No sound: {e}")
            player.load(audio)
    return player

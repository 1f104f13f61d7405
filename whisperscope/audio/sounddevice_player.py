"""Sound through PortAudio (sounddevice); the stream callback's frame counter is the clock.

The stream runs at the file's own rate and channel count when the device accepts them (else
at the device's default rate, resampled in the callback). Speed is applied in the callback by
reading `speed` source frames per output frame with linear interpolation: like a tape played
faster, pitch follows speed (2x is an octave up).
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import numpy as np
import sounddevice as sd

from whisperscope.audio.player import Player, clamp_speed, default_output_device
from whisperscope.errors import AudioError

if TYPE_CHECKING:
    from whisperscope.audio.loader import LoadedAudio


def render(
    src: np.ndarray, pos: float, step: float, stop: float, out: np.ndarray
) -> tuple[float, bool]:
    """Fill `out` from `src` starting at source frame `pos`, `step` source frames per output
    frame, never reading at or past source frame `stop`; zeros after it.

    src: shape = (n_frames, src_channels); out: shape = (n_out, out_channels).
    Returns (the next source position, whether `stop` was reached).
    """
    n_out = len(out)
    remaining = stop - pos
    k = 0 if remaining <= 0 else min(n_out, math.ceil(remaining / step))
    if k > 0:
        if step == 1.0 and pos == int(pos):
            block = src[int(pos) : int(pos) + k]
        else:
            idx = pos + step * np.arange(k)
            i0 = np.minimum(idx.astype(np.int64), len(src) - 1)
            i1 = np.minimum(i0 + 1, len(src) - 1)
            frac = (idx - i0).astype(np.float32)[:, None]
            block = src[i0] + (src[i1] - src[i0]) * frac
        _map_channels(block, out[:k])
    out[k:] = 0
    new_pos = pos + step * n_out
    if new_pos >= stop:
        return float(stop), True
    return new_pos, False


def _map_channels(block: np.ndarray, out: np.ndarray) -> None:
    have, want = block.shape[1], out.shape[1]
    if have == want:
        out[:] = block
    elif want == 1:
        out[:, 0] = block.mean(axis=1)
    elif have == 1:
        out[:] = block
    elif want < have:
        out[:] = block[:, :want]
    else:
        out[:, :have] = block
        out[:, have:] = 0


class SoundDevicePlayer(Player):
    sound_available = True
    unavailable_reason = None

    def __init__(self, device: int | str | None = None) -> None:
        self._device = device if device is not None else default_output_device(sd)
        self._lock = threading.Lock()
        self._stream: sd.OutputStream | None = None
        self._src: np.ndarray | None = None
        self._rate = 1
        self._ratio = 1.0  # source frames per output frame at speed 1
        self._lead = 0.0  # output latency (s): the callback runs this far ahead of the ear
        self._speed = 1.0
        self._pos = 0.0  # source frames handed to the device
        self._origin = 0.0  # where the current play started (position() never goes below)
        self._stop = 0.0  # source frame where playback stops: end of file or of a range
        self._playing = False

    # -- the audio thread ---------------------------------------------------------------

    def _callback(self, outdata: np.ndarray, frames: int, time_info, status) -> None:
        with self._lock:
            if not self._playing or self._src is None:
                outdata.fill(0)
                return
            self._pos, done = render(
                self._src, self._pos, self._speed * self._ratio, self._stop, outdata
            )
            if done:
                self._playing = False

    # -- Player -------------------------------------------------------------------------

    def load(self, audio: LoadedAudio) -> None:
        self._close_stream()
        with self._lock:
            self._src = None
            self._pos = self._origin = self._stop = 0.0
            self._playing = False
        stream, out_rate = self._open(audio)
        with self._lock:
            self._stream = stream
            self._src = audio.original
            self._rate = audio.original_rate
            self._ratio = audio.original_rate / out_rate
            lat = stream.latency
            self._lead = float(lat if np.isscalar(lat) else lat[-1])
            self._stop = float(len(audio.original))

    def _open(self, audio: LoadedAudio) -> tuple[sd.OutputStream, float]:
        try:
            dev = sd.query_devices(self._device)
            channels = max(1, min(audio.channels, int(dev["max_output_channels"])))
            rates = [audio.original_rate, int(dev["default_samplerate"])]
        except Exception as e:
            raise AudioError(f"the audio output device is not available ({e})") from e
        error: Exception | None = None
        for rate in dict.fromkeys(rates):
            try:
                stream = sd.OutputStream(
                    samplerate=rate,
                    channels=channels,
                    dtype="float32",
                    device=self._device,
                    callback=self._callback,
                )
                return stream, float(stream.samplerate)
            except Exception as e:  # PortAudioError: rate or channels not supported, busy
                error = e
        raise AudioError(f"the audio output device refused the stream ({error})")

    def play(self) -> None:
        with self._lock:
            if self._src is None:
                return
            if not self._playing:
                if self._pos >= len(self._src):
                    self._pos = 0.0
                self._origin = self._pos
            self._stop = float(len(self._src))
            self._playing = True
        self._start_stream()

    def pause(self) -> None:
        pos = self.position()  # what was heard: the queued audio is dropped
        with self._lock:
            self._playing = False
            self._pos = pos * self._rate
        self._stop_stream()

    def seek(self, seconds: float) -> None:
        with self._lock:
            if self._src is None:
                return
            self._pos = self._origin = self._frame(seconds)
            self._stop = float(len(self._src))

    def position(self) -> float:
        with self._lock:
            pos = self._pos / self._rate
            if self._playing:
                return max(self._origin / self._rate, pos - self._lead * self._speed)
            return pos

    @property
    def is_playing(self) -> bool:
        with self._lock:
            playing = self._playing
        if not playing:
            self._stop_stream()  # the callback reached the end: let the device rest
        return playing

    @property
    def duration(self) -> float:
        with self._lock:
            return 0.0 if self._src is None else len(self._src) / self._rate

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self._speed = clamp_speed(speed)

    def play_range(self, start: float, end: float) -> None:
        with self._lock:
            if self._src is None:
                return
            a, b = self._frame(start), self._frame(end)
            self._pos = self._origin = a
            self._stop = b if b > a else float(len(self._src))
            self._playing = b > a
        if b > a:
            self._start_stream()

    def close(self) -> None:
        with self._lock:
            self._playing = False
        self._close_stream()

    # -- helpers ------------------------------------------------------------------------

    def _frame(self, seconds: float) -> float:
        assert self._src is not None
        return float(min(max(round(float(seconds) * self._rate), 0), len(self._src)))

    def _start_stream(self) -> None:
        stream = self._stream
        if stream is not None and not stream.active:
            stream.start()

    def _stop_stream(self) -> None:
        stream = self._stream
        if stream is not None and stream.active:
            stream.abort()

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort()
            stream.close()

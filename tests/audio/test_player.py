"""Players: the silent clock (stepped and real time), the sound player's render function, the
sound player end to end on ALSA devices that record to files, and the backend choice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from whisperscope.audio.loader import LoadedAudio, load_audio
from whisperscope.audio.player import (
    MAX_SPEED,
    MIN_SPEED,
    NO_OUTPUT_DEVICE,
    NO_PORTAUDIO,
    Player,
    create_player,
)
from whisperscope.audio.silent_player import SilentClockPlayer

REPO = Path(__file__).resolve().parents[2]


class SteppedClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def audio_of(seconds: float, rate: int = 8000, channels: int = 1) -> LoadedAudio:
    frames = np.zeros((int(seconds * rate), channels), np.float32)
    return LoadedAudio(Path("x.wav"), frames[:, 0], frames, rate, channels, seconds, "0" * 64)


@pytest.fixture
def clock():
    return SteppedClock()


@pytest.fixture
def player(clock):
    p = SilentClockPlayer("No sound: test", clock=clock)
    p.load(audio_of(10.0))
    yield p
    p.close()


def test_silent_clock_is_a_player(player):
    assert isinstance(player, Player)
    assert not player.sound_available and player.unavailable_reason == "No sound: test"
    assert (player.duration, player.position(), player.is_playing) == (10.0, 0.0, False)


def test_play_pause_resume(player, clock):
    player.play()
    clock.advance(1.5)
    assert player.position() == pytest.approx(1.5) and player.is_playing
    player.pause()
    clock.advance(5.0)
    assert player.position() == pytest.approx(1.5) and not player.is_playing
    player.play()
    clock.advance(0.5)
    assert player.position() == pytest.approx(2.0)


def test_toggle(player, clock):
    player.toggle()
    clock.advance(1.0)
    player.toggle()
    clock.advance(1.0)
    assert not player.is_playing and player.position() == pytest.approx(1.0)


def test_seek_while_paused_and_playing(player, clock):
    player.seek(4.0)
    clock.advance(1.0)
    assert player.position() == 4.0
    player.play()
    clock.advance(1.0)
    player.seek(8.0)
    assert player.is_playing and player.position() == pytest.approx(8.0)
    clock.advance(0.25)
    assert player.position() == pytest.approx(8.25)
    player.seek(-3)
    assert player.position() == 0.0
    player.seek(99)
    assert player.position() == 10.0


def test_speed_changes_the_rate_from_now_on(player, clock):
    player.play()
    clock.advance(1.0)
    player.set_speed(2.0)
    clock.advance(1.0)
    assert player.position() == pytest.approx(3.0)
    player.set_speed(0.5)
    clock.advance(2.0)
    assert player.position() == pytest.approx(4.0)
    player.set_speed(10)
    assert player.speed == MAX_SPEED
    player.set_speed(0.01)
    assert player.speed == MIN_SPEED


def test_stops_at_the_end_and_play_restarts(player, clock):
    player.seek(9.0)
    player.play()
    clock.advance(3.0)
    assert player.position() == 10.0 and not player.is_playing
    player.play()
    assert player.position() == 0.0 and player.is_playing


def test_play_range_stops_at_its_end(player, clock):
    player.play_range(2.0, 2.4)
    assert player.is_playing
    clock.advance(0.3)
    assert player.position() == pytest.approx(2.3)
    clock.advance(0.3)
    assert player.position() == pytest.approx(2.4) and not player.is_playing
    player.play()  # a plain play goes on from there, past the range
    clock.advance(1.0)
    assert player.position() == pytest.approx(3.4)
    player.play_range(5.0, 5.0)  # empty range: just a seek
    assert player.position() == 5.0 and not player.is_playing


def test_play_range_at_double_speed(player, clock):
    player.set_speed(2.0)
    player.play_range(1.0, 2.0)
    clock.advance(0.4)
    assert player.position() == pytest.approx(1.8)
    clock.advance(0.2)
    assert player.position() == 2.0 and not player.is_playing


def test_load_resets(player, clock):
    player.play()
    clock.advance(2.0)
    player.load(audio_of(3.0))
    assert (player.position(), player.is_playing, player.duration) == (0.0, False, 3.0)


def test_silent_clock_follows_real_time():
    p = SilentClockPlayer()
    p.load(audio_of(30.0))
    # bracketed by the clock read before and after, so a busy machine cannot fail it
    t0 = time.monotonic()
    p.play()
    t_play = time.monotonic()
    time.sleep(0.4)
    before = time.monotonic()
    position = p.position()
    after = time.monotonic()
    assert before - t_play - 0.01 <= position <= after - t0 + 0.01
    p.set_speed(2.0)
    t1 = time.monotonic()
    pos1 = p.position()
    t2 = time.monotonic()
    time.sleep(0.4)
    before = time.monotonic()
    position = p.position()
    after = time.monotonic()
    assert 2 * (before - t2) - 0.01 <= position - pos1 <= 2 * (after - t1) + 0.01
    p.close()
    assert not p.is_playing


# -- the sound player's callback body -------------------------------------------------


def _render():
    pytest.importorskip("sounddevice", exc_type=OSError)  # needs the PortAudio library
    from whisperscope.audio.sounddevice_player import render

    return render


def test_render_copies_frames_at_speed_one():
    render = _render()
    src = np.arange(20, dtype=np.float32).reshape(10, 2)
    out = np.full((4, 2), np.nan, np.float32)
    assert render(src, 3.0, 1.0, 10.0, out) == (7.0, False)
    np.testing.assert_array_equal(out, src[3:7])
    assert render(src, 8.0, 1.0, 10.0, out) == (10.0, True)
    np.testing.assert_array_equal(out, [[16, 17], [18, 19], [0, 0], [0, 0]])


def test_render_interpolates_other_speeds():
    render = _render()
    ramp = np.arange(100, dtype=np.float32)[:, None]  # linear: interpolation is exact
    out = np.zeros((8, 1), np.float32)
    pos, done = render(ramp, 10.25, 0.75, 100.0, out)
    np.testing.assert_allclose(out[:, 0], 10.25 + 0.75 * np.arange(8))
    assert (pos, done) == (16.25, False)
    pos, done = render(ramp, 50.0, 1.5, 55.0, out)  # stops before frame 55
    np.testing.assert_allclose(out[:, 0], [50, 51.5, 53, 54.5, 0, 0, 0, 0])
    assert (pos, done) == (55.0, True)


def test_render_maps_channels():
    render = _render()
    src = np.array([[1.0, 3.0], [2.0, 6.0]], np.float32)
    mono = np.zeros((2, 1), np.float32)
    render(src, 0.0, 1.0, 2.0, mono)
    np.testing.assert_array_equal(mono[:, 0], [2.0, 4.0])
    wide = np.zeros((2, 3), np.float32)
    render(src[:, :1], 0.0, 1.0, 2.0, wide)
    np.testing.assert_array_equal(wide, [[1, 1, 1], [2, 2, 2]])


# -- backend choice -------------------------------------------------------------------


def output_device_exists() -> bool | None:
    """Whether PortAudio sees a device with output channels; None without PortAudio."""
    try:
        import sounddevice as sd
    except OSError:
        return None
    return any(dev["max_output_channels"] > 0 for dev in sd.query_devices())


def test_create_player_matches_this_machine():
    exists = output_device_exists()
    player = create_player()
    try:
        assert player.sound_available == bool(exists)
        if exists:
            assert type(player).__name__ == "SoundDevicePlayer"
            assert player.unavailable_reason is None
        else:
            assert isinstance(player, SilentClockPlayer)
            assert player.unavailable_reason == (
                NO_PORTAUDIO if exists is None else NO_OUTPUT_DEVICE
            )
    finally:
        player.close()


def test_create_player_with_audio_is_loaded(tmp_path):
    sf.write(str(tmp_path / "a.wav"), np.zeros(8000, np.float32), 8000)
    player = create_player(load_audio(tmp_path / "a.wav"))
    try:
        assert player.duration == pytest.approx(1.0)
    finally:
        player.close()


# -- the sound player end to end ------------------------------------------------------

ALSA_RECORDER = """
pcm.rec{i} {{
  type plug
  slave {{ pcm "rec{i}_file"; format S16_LE }}
}}
pcm.rec{i}_file {{
  type file
  slave.pcm "null"
  file "{path}"
  format "wav"
}}
"""


def runs(x: np.ndarray) -> list[np.ndarray]:
    """The stretches of x (n, ch) where the first channel is not zero."""
    loud = np.abs(x[:, 0]) > 1e-4
    edges = np.flatnonzero(np.diff(np.r_[0, loud.astype(np.int8), 0]))
    return [x[a:b] for a, b in zip(edges[::2], edges[1::2], strict=True)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses ALSA configuration")
def test_sound_player_on_recording_devices(tmp_path):
    if output_device_exists() is None:
        pytest.skip("PortAudio (libportaudio2) is not installed")
    # never zero, so where playback starts and stops is visible in the recording
    t = np.arange(96000) / 48000
    signal = np.stack(
        [0.3 + 0.2 * np.sin(2 * np.pi * 300 * t), -0.3 + 0.2 * np.cos(2 * np.pi * 450 * t)], 1
    ).astype(np.float32)
    sf.write(str(tmp_path / "in.wav"), signal, 48000, subtype="FLOAT")
    home = tmp_path / "home"
    home.mkdir()
    recordings = [tmp_path / f"rec{i}.wav" for i in range(4)]
    (home / ".asoundrc").write_text(
        'pcm.!default { type plug; slave.pcm "null" }\n'
        + "".join(ALSA_RECORDER.format(i=i, path=p) for i, p in enumerate(recordings))
    )
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("ALSA_CONFIG_PATH", None)
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("_alsa_player.py")),
            str(tmp_path / "in.wav"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])

    # with a device present, create_player picks the sound backend
    assert report["create_player"] == ["SoundDevicePlayer", True, None]

    def recorded(i: int) -> list[np.ndarray]:
        x, rate = sf.read(str(recordings[i]), dtype="float32", always_2d=True)
        assert rate == 48000 and x.shape[1] == 2
        return runs(x)

    quantum = 2.0 / 32768  # the recording is 16-bit

    full = recorded(0)
    assert len(full) == 1 and len(full[0]) == len(signal)
    np.testing.assert_allclose(full[0], signal, atol=quantum)
    assert report["full"] == {"position": 2.0, "playing": False, "duration": 2.0}

    (word,) = recorded(1)
    np.testing.assert_allclose(word, signal[24000:36000], atol=quantum)
    assert report["range"] == {"position": 0.75, "playing": False}

    (fast,) = recorded(2)
    np.testing.assert_allclose(fast, signal[::2], atol=quantum)
    assert report["speed"] == {"position": 2.0, "speed": 2.0}

    second_half, again = recorded(3)
    np.testing.assert_allclose(second_half, signal[48000:], atol=quantum)
    np.testing.assert_allclose(again, signal, atol=quantum)
    # playing again after the end starts from 0: the second run in rec3 is the whole signal
    assert report["seek"] == {"position": 2.0}
    assert report["replayed"] == {"position": 2.0, "playing": False}

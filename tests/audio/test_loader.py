"""load_audio on real files written here with soundfile and ffmpeg: every format, depth, rate
and channel count lands as 16 kHz mono float32; every bad input gets its own message."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from whisperscope.audio.loader import WHISPER_RATE, LoadedAudio, is_silent, load_audio
from whisperscope.errors import AudioError
from whisperscope.session.model import AudioInfo

HAVE_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
needs_ffmpeg = pytest.mark.skipif(not HAVE_FFMPEG, reason="ffmpeg is not installed")


def tone(rate: int, channels: int, seconds: float, freq: float = 440.0) -> np.ndarray:
    """(n, channels) float32: channel c is a sine at freq * (c + 1), amplitude 0.4."""
    t = np.arange(int(round(rate * seconds))) / rate
    cols = [0.4 * np.sin(2 * np.pi * freq * (c + 1) * t) for c in range(channels)]
    return np.stack(cols, axis=1).astype(np.float32)


def write(path: Path, rate=44100, channels=1, seconds=1.5, subtype=None, fmt=None) -> Path:
    sf.write(str(path), tone(rate, channels, seconds), rate, subtype=subtype, format=fmt)
    return path


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


def check_loaded(audio: LoadedAudio, rate: int, channels: int, seconds: float, tol: float):
    assert audio.original_rate == rate
    assert audio.channels == channels
    assert audio.original.shape == (len(audio.original), channels)
    assert audio.original.dtype == np.float32 and audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert abs(audio.duration - seconds) <= max(tol, 1 / rate)
    assert abs(len(audio.samples) - audio.duration * WHISPER_RATE) <= 2
    # the mono mix is the mean of the channels: its level is the mean of the sines' levels
    assert 0.05 < float(np.sqrt(np.mean(audio.samples**2))) < 0.4


FORMATS = [
    ("wav", "PCM_U8"), ("wav", "PCM_16"), ("wav", "PCM_24"), ("wav", "PCM_32"),
    ("wav", "FLOAT"), ("wav", "DOUBLE"),
    ("flac", "PCM_S8"), ("flac", "PCM_16"), ("flac", "PCM_24"),
    ("aiff", "PCM_16"), ("aiff", "PCM_24"), ("aiff", "FLOAT"),
    ("ogg", "VORBIS"), ("mp3", "MPEG_LAYER_III"),
]  # fmt: skip


@pytest.mark.parametrize("suffix,subtype", FORMATS)
def test_every_format_and_depth(tmp_path, suffix, subtype):
    path = write(tmp_path / f"a.{suffix}", rate=44100, channels=2, subtype=subtype)
    audio = load_audio(path)
    assert audio.decoder == "soundfile"
    tol = 0.08 if suffix == "mp3" else 1e-9  # mp3 frames add encoder delay and padding
    check_loaded(audio, 44100, 2, 1.5, tol)


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000])
def test_every_rate(tmp_path, rate):
    audio = load_audio(write(tmp_path / "a.wav", rate=rate, subtype="PCM_16"))
    check_loaded(audio, rate, 1, 1.5, 1e-9)
    assert abs(len(audio.samples) - 1.5 * WHISPER_RATE) <= 1


@pytest.mark.parametrize("channels", [1, 2, 3, 6, 8])
def test_every_channel_count(tmp_path, channels):
    audio = load_audio(write(tmp_path / "a.flac", rate=48000, channels=channels))
    check_loaded(audio, 48000, channels, 1.5, 1e-9)


def test_downmix_is_the_channel_mean_unless_the_channels_cancel(tmp_path):
    s = tone(16000, 1, 1.0)[:, 0]
    sf.write(str(tmp_path / "opposite.wav"), np.stack([s, -s], 1), 16000, subtype="FLOAT")
    sf.write(str(tmp_path / "left.wav"), np.stack([s, 0 * s], 1), 16000, subtype="FLOAT")
    opposite = load_audio(tmp_path / "opposite.wav")  # the mean would be silence: one channel
    np.testing.assert_allclose(opposite.samples, s, atol=1e-7)
    assert "inverted" in opposite.warnings[0]
    np.testing.assert_allclose(load_audio(tmp_path / "left.wav").samples, s / 2, atol=1e-7)


def test_original_is_kept_for_playback(tmp_path):
    x = tone(22050, 2, 0.5)
    sf.write(str(tmp_path / "a.wav"), x, 22050, subtype="FLOAT")
    audio = load_audio(tmp_path / "a.wav")
    np.testing.assert_array_equal(audio.original, x)


def test_resampling_keeps_a_1khz_sine_clean(tmp_path):
    sf.write(str(tmp_path / "sine.wav"), tone(44100, 1, 2.0, freq=1000.0), 44100, subtype="FLOAT")
    y = load_audio(tmp_path / "sine.wav").samples.astype(np.float64)
    mid = y[4000:-4000]  # away from the filter's edge transients
    t = (np.arange(len(y)) / WHISPER_RATE)[4000:-4000]
    basis = np.stack([np.sin(2 * np.pi * 1000 * t), np.cos(2 * np.pi * 1000 * t)], 1)
    coef, *_ = np.linalg.lstsq(basis, mid, rcond=None)
    assert abs(np.hypot(*coef) - 0.4) < 1e-3  # same amplitude
    residual = mid - basis @ coef
    assert np.sqrt(np.mean(residual**2)) / 0.4 < 1e-4  # everything else is below -80 dB
    spectrum = np.abs(np.fft.rfft(mid * np.hanning(len(mid))))
    assert abs(np.argmax(spectrum) * WHISPER_RATE / len(mid) - 1000) < 1


def test_info_and_sha256(tmp_path):
    path = write(tmp_path / "a.flac")
    audio = load_audio(str(path))
    assert audio.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert audio.info() == AudioInfo(str(path.resolve()), audio.sha256, 1.5, 44100, 1)


def test_silence_loads_and_is_silent(tmp_path):
    sf.write(str(tmp_path / "quiet.wav"), np.zeros(32000, np.float32), 16000)
    audio = load_audio(tmp_path / "quiet.wav")
    assert audio.duration == 2.0 and is_silent(audio.samples)
    hiss = np.random.default_rng(0).normal(0, 10 ** (-75 / 20), 32000).astype(np.float32)
    assert is_silent(hiss)
    assert not is_silent(hiss + tone(16000, 1, 2.0)[:, 0] * 0.01)  # -48 dB tone: sound
    assert not is_silent(hiss, threshold_db=-90)
    blip = np.zeros(160000, np.float32)
    blip[100000:100400] = 0.5  # 25 ms of sound in 10 s is not silence
    assert not is_silent(blip)
    assert is_silent(np.zeros(0, np.float32))


# -- ffmpeg ---------------------------------------------------------------------------


@needs_ffmpeg
def test_m4a_via_ffmpeg_keeps_rate_and_channels(tmp_path):
    src = write(tmp_path / "src.wav", rate=44100, channels=2, seconds=2.0, subtype="PCM_16")
    ffmpeg("-i", str(src), "-c:a", "aac", "-b:a", "128k", str(tmp_path / "a.m4a"))
    audio = load_audio(tmp_path / "a.m4a")
    assert audio.decoder == "ffmpeg" and not audio.warnings
    check_loaded(audio, 44100, 2, 2.0, 0.05)  # AAC adds up to one frame of padding
    # the decoded left channel is the 440 Hz sine it was made from
    left = audio.original[22050:26146, 0]  # (AAC fades in its first frame)
    expected = tone(44100, 2, 2.0)[22050:26146, 0]
    assert np.corrcoef(left, expected)[0, 1] > 0.99


@needs_ffmpeg
def test_video_file_and_odd_names_via_ffmpeg(tmp_path):
    path = tmp_path / "-pipe:odd name.mp4"  # must stay a file name, not an option or protocol
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32:rate=5:duration=1",
           "-f", "lavfi", "-i", "sine=frequency=500:sample_rate=22050:duration=1",
           "-c:v", "mpeg4", "-c:a", "aac", "-shortest", "file:" + str(path))  # fmt: skip
    audio = load_audio(path)
    check_loaded(audio, 22050, 1, 1.0, 0.1)


@needs_ffmpeg
def test_video_without_audio(tmp_path):
    path = tmp_path / "silent-film.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32:rate=5:duration=1", "-c:v", "mpeg4",
           str(path))  # fmt: skip
    with pytest.raises(AudioError, match="not an audio file .*: it has no audio stream"):
        load_audio(path)


@needs_ffmpeg
def test_ffmpeg_only_format_without_ffmpeg(tmp_path, monkeypatch):
    src = write(tmp_path / "src.wav")
    ffmpeg("-i", str(src), "-c:a", "aac", str(tmp_path / "a.m4a"))
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))  # a machine without ffmpeg
    with pytest.raises(AudioError, match=r"\.m4a files are decoded with ffmpeg.*Install ffmpeg"):
        load_audio(tmp_path / "a.m4a")
    text = tmp_path / "notes.wav"
    text.write_text("not audio\n" * 20)
    with pytest.raises(AudioError, match="not an audio file soundfile can read .*ffmpeg"):
        load_audio(text)


# -- bad input ------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="Audio file not found: .*nope.wav"):
        load_audio(tmp_path / "nope.wav")


def test_directory(tmp_path):
    with pytest.raises(AudioError, match="is a folder, not an audio file"):
        load_audio(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match=r"'empty.wav' is empty \(0 bytes\)"):
        load_audio(tmp_path / "empty.wav")


@pytest.mark.parametrize("suffix", ["wav", "aiff"])
def test_zero_frames(tmp_path, suffix):
    sf.write(str(tmp_path / f"none.{suffix}"), np.zeros((0, 2), np.float32), 16000)
    assert (tmp_path / f"none.{suffix}").stat().st_size > 0
    with pytest.raises(AudioError, match=r"contains no audio \(0 frames\)"):
        load_audio(tmp_path / f"none.{suffix}")


@pytest.mark.parametrize("name", ["notes.wav", "notes.mp3", "notes.m4a", "notes"])
def test_text_file_is_not_audio(tmp_path, name):
    (tmp_path / name).write_text("Meeting notes\n" * 100)
    expected = "not an audio file soundfile or ffmpeg can read" if HAVE_FFMPEG else "ffmpeg"
    with pytest.raises(AudioError, match=expected):
        load_audio(tmp_path / name)


def test_random_bytes_are_not_audio(tmp_path):
    (tmp_path / "noise.flac").write_bytes(np.random.default_rng(1).bytes(50_000))
    with pytest.raises(AudioError, match="not an audio file"):
        load_audio(tmp_path / "noise.flac")


def test_truncated_wav_reads_what_is_there(tmp_path):
    whole = write(tmp_path / "whole.wav", rate=16000, seconds=2.0, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: 44 + 2 * 12000])  # header + 0.75 s of 2 s
    audio = load_audio(cut)
    assert audio.duration == pytest.approx(0.75)
    assert any(
        "shorter than its header says" in w and "read the 0.75 s" in w for w in audio.warnings
    )
    assert not load_audio(whole).warnings


def test_truncated_flac_reads_what_is_there(tmp_path):
    whole = write(tmp_path / "whole.flac", rate=48000, channels=2, seconds=4.0)
    cut = tmp_path / "cut.flac"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    audio = load_audio(cut)
    assert 0.5 < audio.duration < 3.0
    assert any("is truncated: its header says 4.00 s" in w for w in audio.warnings)
    # what was read is the start of the real signal
    ref = tone(48000, 2, 4.0)[: len(audio.original)]
    assert np.abs(audio.original - ref).max() < 1e-3


def test_too_large_is_refused_before_decoding(tmp_path):
    path = write(tmp_path / "a.wav", rate=48000, channels=2, seconds=3.0)
    with pytest.raises(AudioError, match=r"too large to load: .*GiB of memory .*limit"):
        load_audio(path, max_decoded_bytes=1_000_000)
    assert load_audio(path, max_decoded_bytes=10_000_000).duration == 3.0


def test_header_claiming_days_of_audio_is_refused(tmp_path):
    """A FLAC whose STREAMINFO says 2^36 - 1 frames (16.5 days at 48 kHz): refused from the
    header, with nothing decoded or allocated."""
    path = write(tmp_path / "a.flac", rate=48000, channels=2, seconds=0.5)
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    field = int.from_bytes(data[18:26], "big")
    data[18:26] = ((field & ~((1 << 36) - 1)) | ((1 << 36) - 1)).to_bytes(8, "big")
    path.write_bytes(bytes(data))
    with pytest.raises(AudioError, match=r"too large to load: 397\.7 h of 2-channel audio"):
        load_audio(path)


@needs_ffmpeg
def test_too_large_via_ffmpeg(tmp_path):
    src = write(tmp_path / "src.wav", rate=48000, channels=2, seconds=3.0)
    ffmpeg("-i", str(src), "-c:a", "aac", str(tmp_path / "a.m4a"))
    with pytest.raises(AudioError, match="too large to load"):
        load_audio(tmp_path / "a.m4a", max_decoded_bytes=1_000_000)


def _held_bytes(array: np.ndarray) -> int:
    """Bytes of the buffer `array` keeps alive (its base's, for a view)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array.nbytes


@pytest.mark.parametrize("suffix,subtype", [("wav", "PCM_16"), ("flac", "PCM_16"),
                                            ("wav", "FLOAT")])
def test_the_playback_array_holds_only_the_recording(tmp_path, suffix, subtype):
    """Reading to the header's count and finding nothing more grows nothing: the array
    that plays keeps no unused end alive (it was a quarter of the recording more)."""
    audio = load_audio(write(tmp_path / f"a.{suffix}", rate=22050, channels=2, seconds=3.0,
                             subtype=subtype))
    assert len(audio.original) == 3 * 22050
    assert _held_bytes(audio.original) == audio.original.nbytes


def test_a_16khz_mono_file_plays_from_its_samples(tmp_path):
    """16 kHz mono: what Whisper gets and what plays are one array, not two copies."""
    audio = load_audio(write(tmp_path / "a.wav", rate=16000, channels=1, seconds=2.0,
                             subtype="PCM_16"))
    assert np.shares_memory(audio.samples, audio.original)
    np.testing.assert_array_equal(audio.samples, audio.original[:, 0])
    assert _held_bytes(audio.samples) == audio.samples.nbytes

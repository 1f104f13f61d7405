"""Speech is never lost without a word: damaged, inverted, clipped, piped and unreadable input.

Generated from the bundled sample in each test; the CLI cases run the real tiny.en."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from whisperscope.audio.loader import downmix, load_audio
from whisperscope.errors import AudioError


def _halves(path: Path) -> Path:
    """The first half of `path`'s bytes, as a download cut short would leave it."""
    cut = path.with_name("cut-" + path.name)
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    return cut


@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_truncated_files_warn(tmp_path, speech, suffix):
    whole = tmp_path / f"talk{suffix}"
    sf.write(whole, speech, 16000)
    audio = load_audio(_halves(whole))
    assert 0 < audio.duration < len(speech) / 16000
    assert len(audio.warnings) == 1 and "truncated" in audio.warnings[0]


def test_inverted_channel_keeps_the_speech(speech):
    mono, warnings = downmix(np.stack([speech, -speech], axis=1), "x.wav")
    assert len(warnings) == 1 and "inverted" in warnings[0]
    np.testing.assert_array_equal(mono, speech)  # a channel, not the silent mean
    # an ordinary stereo recording (one channel quieter, slightly delayed) mixes as usual
    other = np.roll(speech, 40) * 0.5
    mono, warnings = downmix(np.stack([speech, other], axis=1), "y.wav")
    assert warnings == () and np.allclose(mono, (speech + other) / 2)
    mono, warnings = downmix(np.zeros((1000, 2), np.float32), "silent.wav")
    assert warnings == ()  # silence stays silence, without a warning


def test_clipping_warns_and_quiet_speech_does_not(tmp_path, speech):
    clipped = tmp_path / "loud.wav"
    sf.write(clipped, np.clip(speech * 8, -1, 1), 16000)
    warnings = load_audio(clipped).warnings
    assert len(warnings) == 1 and "clipped" in warnings[0]
    clean = tmp_path / "clean.wav"
    sf.write(clean, speech / np.abs(speech).max(), 16000)  # peak exactly at full scale
    assert load_audio(clean).warnings == ()


def test_a_fifo_is_read_to_its_end(tmp_path, speech):
    source = tmp_path / "talk.flac"
    sf.write(source, speech, 16000)
    fifo = tmp_path / "talk.pipe"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat '{source}' > '{fifo}'"])
    audio = load_audio(fifo)
    writer.wait(timeout=30)
    assert audio.duration == pytest.approx(len(speech) / 16000)
    assert audio.path == fifo
    import hashlib

    assert audio.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


def test_devices_and_empty_pipes_are_clear_errors(tmp_path):
    with pytest.raises(AudioError, match="is a device"):
        load_audio("/dev/zero")
    fifo = tmp_path / "empty.pipe"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f": > '{fifo}'"])
    with pytest.raises(AudioError, match="sent nothing"):
        load_audio(fifo)
    writer.wait(timeout=30)


@pytest.mark.model
def test_cli_prints_and_records_warnings_and_reads_stdin(tmp_path, speech, run_cli):
    """One run: /dev/stdin fed a truncated, inverted-stereo FLAC. Every problem is a
    warning on stderr and in the JSON, and the speech is still transcribed."""
    whole = tmp_path / "take.flac"
    sf.write(whole, np.stack([speech, -speech], axis=1), 16000)
    out = tmp_path / "take.json"
    with open(_halves(whole), "rb") as stdin:
        result = run_cli("align", "/dev/stdin", "--model", "tiny.en", "-q", "-o", out,
                         stdin=stdin)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert any("inverted" in w for w in data["warnings"])
    assert any("truncated" in w for w in data["warnings"])
    warned = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warned) == len(data["warnings"]) >= 2
    words = [w for segment in data["segments"] for w in segment["words"]]
    assert len(words) >= 5  # the speech was heard, not the silent mix


# Root reads anything; without the capabilities that let it (CAP_DAC_OVERRIDE and
# CAP_DAC_READ_SEARCH), root obeys the file's mode like anyone else.
WITHOUT_ROOT_READ = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                     "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or (os.geteuid() == 0
                                                   and not shutil.which("setpriv")),
                    reason="needs POSIX permissions (and setpriv as root)")
def test_unreadable_file_is_one_clear_line(tmp_path, speech, assert_one_clear_line):
    locked = tmp_path / "locked.wav"
    sf.write(locked, speech[:16000], 16000)
    locked.chmod(0o000)
    prefix = WITHOUT_ROOT_READ if os.geteuid() == 0 else []
    result = subprocess.run([*prefix, sys.executable, "-m", "whisperscope", "align", str(locked),
                             "--model", "tiny.en"], capture_output=True, text=True, timeout=120)
    assert_one_clear_line(result, 2, "permission denied", "locked.wav")


def test_missing_and_folder_inputs(tmp_path):
    with pytest.raises(AudioError, match="folder"):
        load_audio(tmp_path)
    with pytest.raises(AudioError, match="not found"):
        load_audio(tmp_path / "nothing.wav")


def test_nan_and_infinite_samples_are_silenced_with_a_warning(tmp_path, speech):
    damaged = speech[:16000].copy()
    damaged[100:110] = np.nan
    damaged[500] = np.inf
    path = tmp_path / "damaged.wav"
    sf.write(path, damaged, 16000, subtype="FLOAT")
    audio = load_audio(path)
    assert np.isfinite(audio.samples).all() and np.isfinite(audio.original).all()
    assert len(audio.warnings) == 1 and "11 sample(s)" in audio.warnings[0]

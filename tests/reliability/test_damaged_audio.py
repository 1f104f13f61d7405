"""Damaged audio never shifts a time: lost bytes become silence in their place, or the file is
refused; truncated files say so; the decoders' own notes never reach the terminal raw.

The corpus is made here from the bundled sample's second and third sentences (8.7 s of
speech): FLAC and MP3 with 4 KB of random bytes a third of the way in, and MP3, AAC and Opus
cut in half, made with soundfile and ffmpeg."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf

from whisperscope.audio.loader import load_audio
from whisperscope.errors import AudioError

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")

RATE = 16000
STRETCH = re.compile(r"damaged (\d+\.\d+)–(\d+\.\d+) s")
ENCODERS = {".mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
            ".aac": ["-c:a", "aac", "-b:a", "64k"],
            ".opus": ["-c:a", "libopus", "-b:a", "32k"],
            ".ogg": ["-c:a", "libvorbis", "-q:a", "4"]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, speech):
    """{name: path}: clean.flac/.mp3/.aac/.opus, damaged.flac/.mp3, cut.mp3/.aac/.opus."""
    folder = tmp_path_factory.mktemp("damaged")
    clip = speech[int(10.2 * RATE):int(18.9 * RATE)]
    files = {"clean.flac": folder / "clean.flac"}
    sf.write(files["clean.flac"], clip, RATE)
    for suffix, codec in ENCODERS.items():
        files["clean" + suffix] = folder / ("clean" + suffix)
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(files["clean.flac"]), *codec,
                        str(files["clean" + suffix])], check=True)
    rng = np.random.default_rng(27)
    for suffix in (".flac", ".mp3"):
        data = bytearray(files["clean" + suffix].read_bytes())
        third = len(data) // 3
        data[third:third + 4096] = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
        files["damaged" + suffix] = folder / ("damaged" + suffix)
        files["damaged" + suffix].write_bytes(bytes(data))
    for suffix in (".mp3", ".aac", ".opus"):
        data = files["clean" + suffix].read_bytes()
        files["cut" + suffix] = folder / ("cut" + suffix)
        files["cut" + suffix].write_bytes(data[:len(data) // 2])
    return files


def _stretch(warnings) -> tuple[float, float]:
    found = [STRETCH.search(w) for w in warnings]
    found = [m for m in found if m]
    assert len(found) == 1, warnings
    return float(found[0][1]), float(found[0][2])


def _lag(a: np.ndarray, b: np.ndarray, most: int = 200) -> int:
    """How many samples `b` lags `a` (cross-correlation peak within ±`most`)."""
    scores = np.correlate(a[most:-most], b, "valid")
    return most - int(np.argmax(scores))


@pytest.mark.parametrize("suffix", [".flac", ".mp3"])
def test_damage_is_silence_in_its_place(corpus, capfd, suffix):
    """Every sample after the damaged stretch is where it is in the undamaged file, the
    stretch is silence, and one warning of ours says where; nothing reaches fd 2."""
    clean = load_audio(corpus["clean" + suffix])
    damaged = load_audio(corpus["damaged" + suffix])
    assert capfd.readouterr().err == ""  # libmpg123's notes were caught, not printed
    assert damaged.duration == pytest.approx(clean.duration, abs=1e-3)
    start, end = _stretch(damaged.warnings)
    assert 0.5 < start < end < clean.duration - 1.0
    a, b = int(start * RATE), int(end * RATE) + 1
    after = slice(b + RATE // 10, None)  # past the codec's overlap with the lost frames
    np.testing.assert_allclose(damaged.samples[after], clean.samples[after], atol=1e-4)
    assert np.abs(damaged.samples[a + RATE // 10:b - RATE // 10]).max() < 1e-3
    before = slice(0, max(a - RATE // 10, 0))
    np.testing.assert_allclose(damaged.samples[before], clean.samples[before], atol=1e-4)


@pytest.mark.parametrize("suffix", [".mp3", ".aac", ".opus"])
def test_truncated_files_say_so(corpus, capfd, suffix):
    clean = load_audio(corpus["clean" + suffix])
    cut = load_audio(corpus["cut" + suffix])
    assert capfd.readouterr().err == ""
    assert cut.duration < clean.duration - 2.0
    warned = [w for w in cut.warnings if "truncated" in w]
    assert len(warned) == 1 and f"{cut.duration:.2f} s" in warned[0], cut.warnings
    if suffix == ".mp3":  # its Xing header says how long it was
        assert f"header says {clean.duration:.1f}" in warned[0]
    # what is there is where it was (soundfile decodes the whole Opus file at 16 kHz,
    # ffmpeg the cut one at 48 kHz: the same sound, not the same samples)
    n = len(cut.samples) - RATE // 5
    assert _lag(clean.samples[:n], cut.samples[:n]) == 0
    np.testing.assert_allclose(cut.samples[:n], clean.samples[:n], atol=0.02)


def _deleted(data: bytes) -> bytes:
    third = len(data) // 3
    return data[:third] + data[third + 3000:]


def _junk_at(at: float):
    def damage(data: bytes) -> bytes:
        start = int(len(data) * at)
        return data[:start] + np.random.default_rng(3).bytes(3000) + data[start + 3000:]
    return damage


@pytest.mark.parametrize(("suffix", "damage", "stretch_from"), [
    (".mp3", _deleted, 2.0),  # 3 KB gone, not overwritten: the Xing frame count says how much
    (".ogg", _junk_at(0.4), 2.0),  # Vorbis: ffmpeg's timestamps need mending (placement)
    (".opus", _junk_at(0.02), 0.0),  # the first pages: libopusfile read on a second early
])
def test_more_kinds_of_damage_shift_nothing(corpus, tmp_path, capfd, suffix, damage,
                                            stretch_from):
    clean = load_audio(corpus["clean" + suffix])
    path = tmp_path / ("damaged" + suffix)
    path.write_bytes(damage(corpus["clean" + suffix].read_bytes()))
    damaged = load_audio(path)
    assert capfd.readouterr().err == ""
    start, end = _stretch(damaged.warnings)
    assert start >= stretch_from - 0.5 and end < clean.duration - 1.0
    after = slice(int(end * RATE) + RATE // 5, len(clean.samples) - RATE // 10)
    assert _lag(clean.samples[after], damaged.samples[after]) == 0
    # the same sound (not the same samples: soundfile read the undamaged Ogg files,
    # ffmpeg the damaged ones)
    assert np.corrcoef(clean.samples[after], damaged.samples[after])[0, 1] > 0.99


def test_junk_at_the_start_of_an_mp3_is_refused(corpus, tmp_path):
    """A decoder skips junk before the first frame without a word, and with it the frame
    that says how much delay to drop: where the audio begins cannot be known."""
    data = corpus["clean.mp3"].read_bytes()
    path = tmp_path / "damaged.mp3"
    path.write_bytes(data[:200] + np.random.default_rng(4).bytes(2000) + data[2200:])
    with pytest.raises(AudioError, match="damaged at its start"):
        load_audio(path)
    # zeros after the ID3 tag are padding, not damage: read as the file is
    assert data[:3] == b"ID3"
    tag = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    path.write_bytes(data[:tag] + bytes(2000) + data[tag:])
    padded = load_audio(path)
    assert padded.warnings == ()
    np.testing.assert_array_equal(padded.samples, load_audio(corpus["clean.mp3"]).samples)


def test_damage_whose_size_cannot_be_known_is_refused(corpus, tmp_path):
    """ADTS AAC frames vary in size: how much audio 4 KB of junk replaced is unknown, so
    the file is refused rather than read with every later time wrong."""
    data = bytearray(corpus["clean.aac"].read_bytes())
    third = len(data) // 3
    data[third:third + 4096] = np.random.default_rng(1).bytes(4096)
    damaged = tmp_path / "damaged.aac"
    damaged.write_bytes(bytes(data))
    with pytest.raises(AudioError, match="damaged near .* s in a variable-bitrate stream"):
        load_audio(damaged)


@pytest.fixture(scope="module")
def clean_words(corpus, tiny_en):
    """{word: start} of the undamaged FLAC, analysed with the real tiny.en."""
    from whisperscope.engine.run import run_to_completion

    analysis = run_to_completion(load_audio(corpus["clean.flac"]), tiny_en)
    return {_key(w.text): w.start for w in analysis.words}


def _key(text: str) -> str:
    return text.strip(" .,").lower()


@pytest.mark.model
@pytest.mark.parametrize("suffix", [".flac", ".mp3"])
def test_words_after_the_damage_keep_their_times(corpus, tiny_en, clean_words, suffix):
    """With the real tiny.en, the words heard after the damaged stretch start where they
    start in the undamaged file: within 30 ms (the median; one word's edge may move where a
    neighbour was heard differently, never by the half second that was lost), and the
    analysis carries the warning. The MP3 encoding itself moves nothing: its decoders drop
    the encoder's delay."""
    from whisperscope.engine.run import run_to_completion

    damaged = run_to_completion(load_audio(corpus["damaged" + suffix]), tiny_en)
    start, end = _stretch(damaged.warnings)
    assert end - start > 0.4
    later = [w for w in damaged.words if w.start > end + 0.1 and _key(w.text) in clean_words]
    assert len(later) >= 4, ([w.text for w in damaged.words], clean_words)
    errors = [abs(w.start - clean_words[_key(w.text)]) for w in later]
    assert np.median(errors) <= 0.030 and max(errors) < 0.25, \
        [(w.text, w.start, clean_words[_key(w.text)]) for w in later]

"""Load a recording: the original samples for playback and 16 kHz mono for Whisper.

soundfile (libsndfile) reads wav/flac/ogg/mp3/aiff and friends at any bit depth, rate and
channel count. Whatever it can't read goes to ffmpeg when installed (m4a, aac, video files):
an `ffmpeg` subprocess (no shell) decodes the first audio stream to float32 PCM at the
original rate and channel count. The mix is downmixed to mono (channel mean; the loudest
channel alone when the mean cancels out) and resampled to 16 kHz with soxr ("HQ"). A pipe
is read into a temporary file first. What the user should know about the input (truncated,
clipped, channels that cancel) is returned as `LoadedAudio.warnings`, never only logged.

Memory, for one hour of 44.1 kHz stereo: `original` (float32, kept for playback) is
3600 x 44,100 x 2 x 4 B = 1.27 GB and `samples` (16 kHz mono float32) is 230 MB; while
loading, the mono mix at the original rate adds a transient 635 MB, so the peak is about
2.1 GB and 1.5 GB stays resident (48 kHz stereo: 1.38 GB + 230 MB). The decoded size is
estimated from the header before anything is decoded, and a file whose load would need more
than `MAX_DECODED_BYTES` is refused with a message that says so.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from whisperscope.audio import damage, ffmpeg_decode
from whisperscope.audio.container_end import ogg_is_cut, ogg_is_damaged
from whisperscope.audio.mpeg_frames import starts_cleanly
from whisperscope.audio.stderr_capture import captured_stderr
from whisperscope.errors import AudioError
from whisperscope.session.model import AudioInfo
from whisperscope.units import SAMPLE_RATE as WHISPER_RATE

MAX_DECODED_BYTES = 8 * 1024**3  # refuse files whose decoded samples would exceed this
FFMPEG_ONLY_SUFFIXES = frozenset(
    (
        ".m4a .m4b .aac .mp4 .m4v .mkv .mka .webm .mov .avi .wma .wmv .amr .3gp .ac3 .dts .flv .ts"
    ).split()
)
MAX_STREAM_BYTES = 2 * 1024**3  # a pipe is copied to a temporary file up to this size
CANCELLED_MIX_RATIO = 0.01  # a mix 20 dB below its channels' mean power has cancelled out
SILENT_POWER = 1e-10  # mean power of a silent channel (-100 dBFS)
CLIP_LEVEL = 0.999  # a sample this close to full scale (or beyond, in float files) is clipped
CLIPPED_FRACTION = 0.001  # more clipped samples than this is worth a warning
_BLOCK_FRAMES = 1 << 18
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True, eq=False)
class LoadedAudio:
    """A decoded recording. Treat the arrays as read-only; they may be shared across threads.

    samples: shape = (n,), float32, 16 kHz mono: what Whisper gets.
    original: shape = (n_frames, channels), float32, at `original_rate`: what plays.
    """

    path: Path
    samples: np.ndarray
    original: np.ndarray
    original_rate: int
    channels: int
    duration: float  # seconds, of the original
    sha256: str  # of the file's bytes
    decoder: str = "soundfile"  # or "ffmpeg"
    warnings: tuple[str, ...] = ()  # e.g. a truncated file that was read as far as possible

    def without_samples(self) -> LoadedAudio:
        """The same recording without its sample arrays, for a run that has already
        computed the log-mel and plays nothing: an hour of 16 kHz float32 is 230 MB, and a
        44.1 kHz stereo playback copy 1.3 GB more."""
        return replace(self, samples=np.zeros(0, np.float32),
                       original=np.zeros((0, self.channels), np.float32))

    def info(self) -> AudioInfo:
        return AudioInfo(
            path=str(self.path),
            sha256=self.sha256,
            duration=self.duration,
            sample_rate=self.original_rate,
            channels=self.channels,
        )


def load_audio(path: str | Path, *, max_decoded_bytes: int = MAX_DECODED_BYTES) -> LoadedAudio:
    """Decode `path`; raises AudioError with a message a user can act on.

    A pipe (a FIFO, `/dev/stdin` fed by `|`) is read to its end into a temporary file first,
    up to `MAX_STREAM_BYTES`; devices (a terminal, `/dev/zero`) are refused."""
    path = Path(path).expanduser()
    kind = _file_kind(path)
    if kind == "stream":
        with _spooled(path) as (copy, sha256):
            return _load_file(copy, path.absolute(), sha256, max_decoded_bytes)
    return _load_file(path, path.resolve(), None, max_decoded_bytes)


def _load_file(path: Path, shown: Path, sha256: str | None, limit: int) -> LoadedAudio:
    """Decode the regular file `path`; messages and `LoadedAudio.path` use `shown`."""
    name = shown.name
    try:
        size = path.stat().st_size
        with open(path, "rb"):  # a permission problem is one clear line, before any decoder
            pass
    except OSError as e:
        raise AudioError(f"Can't read '{shown}': {_reason(e)}") from None
    if size == 0:
        raise AudioError(f"'{name}' is empty (0 bytes)")

    if sha256 is None:
        sha256 = file_sha256(path)
    decoded = _read_soundfile(path, limit, name)
    if decoded is None or decoded.suspect:
        # damaged, truncated or unknown to soundfile: ffmpeg, which puts every frame at
        # its own time, or refuses when that time cannot be known
        has_ffmpeg = None not in ffmpeg_decode.tools()
        if decoded is not None and has_ffmpeg:
            decoded.frames = decoded.frames[:0].copy()  # not two copies of an hour at once
        placed = _read_ffmpeg(path, limit, soundfile_failed=decoded is None, name=name)
        if placed is None and decoded is not None and has_ffmpeg:
            decoded = _read_soundfile(path, limit, name)  # ffmpeg could not read it after all
        decoded = placed if placed is not None else _without_ffmpeg(decoded, name)
    assert decoded is not None
    if len(decoded.frames) == 0 and decoded.failed_midway:
        raise AudioError(f"'{name}' is damaged: no audio could be decoded from it")
    if len(decoded.frames) == 0:
        raise AudioError(f"'{name}' contains no audio (0 frames)")

    original = decoded.frames
    rate, channels = decoded.rate, original.shape[1]
    duration = len(original) / rate
    warnings = decoded.warnings
    warnings += silence_non_finite(original, name)
    mono, mix_warning = downmix(original, name)
    warnings += mix_warning + clipping_warning(original, name)
    if rate == WHISPER_RATE:
        # no copy: a 16 kHz mono file's samples are its playback array itself (230 MB an
        # hour each); both are read-only from here on
        samples = np.ascontiguousarray(mono, dtype=np.float32)
    else:
        samples = soxr.resample(mono, rate, WHISPER_RATE, quality="HQ").astype(
            np.float32, copy=False
        )
    del mono
    return LoadedAudio(
        path=shown,
        samples=samples,
        original=original,
        original_rate=rate,
        channels=channels,
        duration=duration,
        sha256=sha256,
        decoder=decoded.decoder,
        warnings=warnings,
    )


def downmix(frames: np.ndarray, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Mono for Whisper (shape = (n,)) and a warning when mixing loses the sound.

    The mix is the channel mean. When that mean is far quieter than the channels themselves
    (one channel is the other inverted, a wiring or phase fault), the mean would be near
    silence and Whisper would hear nothing: the loudest channel is used alone instead."""
    channels = frames.shape[1]
    if channels == 1:
        return frames[:, 0], ()
    mono = frames.mean(axis=1, dtype=np.float32)
    per_channel = _mean_square(frames)
    loudest = int(np.argmax(per_channel))
    if per_channel[loudest] <= SILENT_POWER:
        return mono, ()
    mixed = float(_mean_square(mono[:, None])[0])
    if mixed >= CANCELLED_MIX_RATIO * float(per_channel.mean()):
        return mono, ()
    warning = (f"'{name}': its {channels} channels cancel out when mixed to mono (one is "
               f"probably inverted): analysing channel {loudest + 1}, the loudest, alone")
    return np.ascontiguousarray(frames[:, loudest]), (warning,)


def silence_non_finite(frames: np.ndarray, name: str) -> tuple[str, ...]:
    """Set NaN and infinite samples (a damaged float file) to 0, in place, and say so: one
    would turn Whisper's whole input into NaN."""
    bad = 0
    for i in range(0, len(frames), _BLOCK_FRAMES):
        block = frames[i:i + _BLOCK_FRAMES]
        finite = np.isfinite(block)
        if not finite.all():
            bad += int(block.size - np.count_nonzero(finite))
            block[~finite] = 0.0
    if not bad:
        return ()
    return (f"'{name}' holds {bad} sample(s) that are not numbers (NaN or infinity, a damaged "
            "file): they were read as silence",)


def clipping_warning(frames: np.ndarray, name: str) -> tuple[str, ...]:
    """A warning when more than `CLIPPED_FRACTION` of the samples sit at or beyond full
    scale: the recording was clipped, and Whisper may mishear the clipped words."""
    clipped = sum(int(np.count_nonzero(np.abs(frames[i:i + _BLOCK_FRAMES]) >= CLIP_LEVEL))
                  for i in range(0, len(frames), _BLOCK_FRAMES))
    fraction = clipped / max(frames.size, 1)
    if fraction <= CLIPPED_FRACTION:
        return ()
    return (f"'{name}' is clipped: {100 * fraction:.1f} % of its samples are at full scale; "
            "words in the loud parts may be misheard",)


def _mean_square(frames: np.ndarray) -> np.ndarray:
    """Mean power of each column, shape = (channels,), in float64, block by block."""
    total = np.zeros(frames.shape[1], dtype=np.float64)
    for i in range(0, len(frames), _BLOCK_FRAMES):
        block = frames[i:i + _BLOCK_FRAMES].astype(np.float64)
        total += np.einsum("ij,ij->j", block, block)
    return total / max(len(frames), 1)


def is_silent(samples: np.ndarray, threshold_db: float = -60.0) -> bool:
    """True when no 64 ms stretch of `samples` has an RMS level above `threshold_db` dBFS."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if x.size == 0:
        return True
    frame = 1024
    threshold = np.float32(10.0 ** (threshold_db / 20.0))
    for start in range(0, x.size, 1 << 20):
        block = x[start : start + (1 << 20)]
        n = (block.size + frame - 1) // frame
        padded = np.zeros(n * frame, dtype=np.float32)
        padded[: block.size] = block
        rms = np.sqrt(np.mean(np.square(padded.reshape(n, frame)), axis=1))
        if (rms > threshold).any():
            return False
    return True


def file_sha256(path: str | Path) -> str:
    """SHA-256 of the file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _file_kind(path: Path) -> str:
    """ "file" or "stream" (a FIFO, e.g. /dev/stdin fed by a pipe); raises AudioError for
    what cannot be audio: nothing there, a folder, a device."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise AudioError(f"Audio file not found: {path}") from None
    except OSError as e:
        raise AudioError(f"Can't read '{path}': {_reason(e)}") from None
    if stat.S_ISDIR(mode):
        raise AudioError(f"'{path}' is a folder, not an audio file")
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "stream"
    if not stat.S_ISREG(mode):
        raise AudioError(f"'{path}' is a device, not an audio file (to read a pipe, give "
                         "/dev/stdin with the audio piped in)")
    return "file"


@contextmanager
def _spooled(path: Path) -> Iterator[tuple[Path, str]]:
    """Read a stream to its end into a temporary file: (that file, sha256 of the bytes).
    Decoders need to seek, and ffmpeg needs a file name."""
    digest, total = hashlib.sha256(), 0
    with tempfile.TemporaryDirectory(prefix="whisperscope-") as folder:
        copy = Path(folder) / (path.name or "stream")
        try:
            with open(path, "rb") as source, open(copy, "wb") as sink:
                while chunk := source.read(_HASH_CHUNK):
                    total += len(chunk)
                    if total > MAX_STREAM_BYTES:
                        raise AudioError(
                            f"'{path}' streams more than {MAX_STREAM_BYTES / 1024**3:.0f} GiB; "
                            "save it to a file and open that")
                    digest.update(chunk)
                    sink.write(chunk)
        except OSError as e:
            raise AudioError(f"Can't read '{path}': {_reason(e)}") from None
        if total == 0:
            raise AudioError(f"'{path}' is a pipe that sent nothing (0 bytes)")
        yield copy, digest.hexdigest()


def _reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied"
    return (error.strerror or str(error)).lower()


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


# -- decoders ---------------------------------------------------------------------------


@dataclass
class _Decoded:
    frames: np.ndarray  # (n, channels) float32
    rate: int
    decoder: str
    failed_midway: bool = False  # the decoder stopped with an error after some frames
    warnings: tuple[str, ...] = ()
    declared: int = 0  # frames the header claims (0: no claim)
    chatter: str = ""  # what the decoding library printed on stderr
    cut: bool = False  # the container does not end as a complete one does
    broken: bool = False  # its structure is damaged where this decoder reads on silently
    format: str = ""  # soundfile's name for the container

    @property
    def suspect(self) -> bool:
        """Signs that frames were lost or skipped, so the frames read back to back may not
        be at their own times: an error, the library's notes, fewer frames than claimed,
        a container that ends mid-way or is broken inside."""
        return (self.failed_midway or bool(self.chatter.strip()) or self.cut or self.broken
                or len(self.frames) < self.declared)


def _without_ffmpeg(decoded: _Decoded, name: str) -> _Decoded:
    """soundfile's read of a suspect file when ffmpeg is not there to place its frames:
    kept up to where it stopped (every frame before a decoder error is in place), with
    what is known said once. The library's notes say frames were skipped somewhere in what
    was read (libmpg123 resyncing): where is unknown, so that is refused."""
    got = len(decoded.frames) / decoded.rate
    detail = damage.decoder_detail(decoded.chatter)
    if decoded.broken:
        raise AudioError(f"'{name}' is damaged, and where its audio belongs cannot be told "
                         "without ffmpeg: refused, since its times would be wrong. Install "
                         "ffmpeg to read around the damage")
    if detail and not decoded.failed_midway:
        raise AudioError(f"'{name}' is damaged (the decoder said: {detail}) and where it "
                         "skipped audio cannot be told without ffmpeg: refused, since later "
                         "times would be wrong. Install ffmpeg to read around the damage")
    if decoded.failed_midway:
        warning = (f"'{name}' is damaged at {got:.2f} s: read the first {got:.2f} s "
                   "(install ffmpeg to read past the damage)")
    else:
        claimed = decoded.declared / decoded.rate if decoded.declared else None
        warning = damage.truncated_warning(name, got, claimed)
    return replace(decoded, warnings=decoded.warnings + (warning,))


def _check_size(name: str, n_frames: float, rate: int, channels: int, limit: int) -> None:
    original = n_frames * channels * 4
    mono = n_frames * 4 if channels > 1 else 0
    resampled = n_frames * WHISPER_RATE / max(rate, 1) * 4
    need = original + mono + resampled
    if need > limit:
        hours = n_frames / max(rate, 1) / 3600
        raise AudioError(
            f"'{name}' is too large to load: {hours:.1f} h of {channels}-channel audio at "
            f"{rate} Hz needs about {need / 1024**3:.1f} GiB of memory once decoded "
            f"(limit {limit / 1024**3:.1f} GiB). Split it into shorter files."
        )


def _read_soundfile(path: Path, limit: int, name: str) -> _Decoded | None:
    """Decode with libsndfile; None if it doesn't recognise the file. What the library
    prints meanwhile (libmpg123's notes on a damaged MP3) is caught, not shown."""
    with captured_stderr() as chatter:
        decoded = _read_soundfile_quietly(path, limit, name)
    if decoded is not None:
        decoded.chatter = chatter.text
        if decoded.format == "OGG":
            decoded.cut = ogg_is_cut(path)
            decoded.broken = ogg_is_damaged(path)
        elif decoded.format == "MP3":
            decoded.broken = not starts_cleanly(path)
    return decoded


def _read_soundfile_quietly(path: Path, limit: int, name: str) -> _Decoded | None:
    try:
        f = sf.SoundFile(str(path))
    except (sf.SoundFileError, RuntimeError):
        return None
    with f:
        container = f.format
        rate, channels, declared = int(f.samplerate), int(f.channels), max(int(f.frames), 0)
        if rate <= 0 or channels <= 0:
            return None
        _check_size(name, declared, rate, channels, limit)
        warnings: tuple[str, ...] = ()
        if _header_overstates_length(f):
            warnings = (
                f"'{name}' is shorter than its header says (truncated, or still being "
                f"written): read the {declared / rate:.2f} s that are there",
            )
        out = np.empty((declared, channels), dtype=np.float32)
        pos = 0
        failed = False
        grown = False
        while True:
            try:
                if pos == len(out):
                    # the header's count is read. Whatever follows (some mp3s undercount)
                    # is read into a block of its own before growing: growing first made
                    # every file's array a quarter larger than its audio (and held a copy
                    # beside it while growing), for as long as the recording played
                    more = f.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)
                    if not len(more):
                        break
                    out = _grow(out, max(_BLOCK_FRAMES, len(out) // 4))
                    _check_size(name, len(out), rate, channels, limit)
                    out[pos: pos + len(more)] = more
                    pos, grown = pos + len(more), True
                    if len(more) < _BLOCK_FRAMES:
                        break
                    continue
                want = min(_BLOCK_FRAMES, len(out) - pos)
                got = len(f.read(want, dtype="float32", always_2d=True,
                                 out=out[pos: pos + want]))
            except (sf.SoundFileError, RuntimeError):
                failed = True
                break
            pos += got
            if got < want:
                break
    # a grown array is trimmed to its frames (a view would keep the unused end alive)
    frames = out[:pos].copy() if grown and pos < len(out) else out[:pos]
    return _Decoded(frames, rate, "soundfile", failed_midway=failed, warnings=warnings,
                    declared=declared, format=container)


def _header_overstates_length(f: sf.SoundFile) -> bool:
    """libsndfile trims a WAV/AIFF whose data chunk is cut short and logs "(should be N)"."""
    if f.format not in ("WAV", "WAVEX", "AIFF", "RF64", "W64", "CAF"):
        return False
    for line in f.extra_info.splitlines():
        key = line.strip().split(":", 1)[0].strip().lower()
        if key in ("data", "ssnd") and "should be" in line:
            return True
    return False


def _grow(a: np.ndarray, extra: int) -> np.ndarray:
    grown = np.empty((len(a) + extra, a.shape[1]), dtype=a.dtype)
    grown[: len(a)] = a
    return grown


def _read_ffmpeg(path: Path, limit: int, *, soundfile_failed: bool,
                 name: str) -> _Decoded | None:
    """Decode the first audio stream with ffmpeg, every frame at its own time
    (audio/ffmpeg_decode.py).

    When soundfile could not open the file at all, failures here raise AudioError; when it
    read the file but found it damaged, an ffmpeg that is missing or cannot read it
    returns None and soundfile's read is kept. Where the place of lost audio cannot
    be known, AudioError either way: a read that shifts later times is worse than none.
    """
    ffmpeg, ffprobe = ffmpeg_decode.tools()
    if ffmpeg is None or ffprobe is None:
        if not soundfile_failed:
            return None
        missing = "ffmpeg" if ffmpeg is None else "ffprobe (part of ffmpeg)"
        if path.suffix.lower() in FFMPEG_ONLY_SUFFIXES:
            raise AudioError(
                f"Can't open '{name}': {path.suffix.lower()} files are decoded with ffmpeg, "
                f"and {missing} is not installed. Install ffmpeg (Debian/Ubuntu: "
                "sudo apt install ffmpeg; macOS: brew install ffmpeg) and try again."
            )
        raise AudioError(
            f"'{name}' is not an audio file soundfile can read ({missing}, which reads more "
            "formats such as m4a and video files, is not installed)"
        )

    not_audio = f"'{name}' is not an audio file soundfile or ffmpeg can read"
    meta = ffmpeg_decode.probe(path, ffprobe)
    stream = ffmpeg_decode.stream_of(meta)
    if stream is None:
        if not soundfile_failed:
            return None
        if not meta.get("streams") and meta.get("format"):
            raise AudioError(f"{not_audio}: it has no audio stream")
        if meta.get("streams"):
            raise AudioError(f"{not_audio}: its audio stream has no sample rate or channels")
        raise AudioError(not_audio)
    if stream.seconds:
        _check_size(name, stream.seconds * stream.rate, stream.rate, stream.channels, limit)

    def check_size(n_frames: float) -> None:
        _check_size(name, n_frames, stream.rate, stream.channels, limit)

    result = ffmpeg_decode.read(path, stream, name, check_size=check_size, ffmpeg=ffmpeg)
    if len(result.frames) == 0:
        if not soundfile_failed:
            return None
        if result.damaged:
            raise AudioError(f"'{name}' is damaged: no audio could be decoded from it")
        raise AudioError(f"'{name}' contains no audio (0 frames)")
    return _Decoded(result.frames, result.rate, "ffmpeg", warnings=result.warnings)

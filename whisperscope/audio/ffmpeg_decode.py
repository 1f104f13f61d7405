"""Decode with ffmpeg, every frame at its own time.

`ffprobe` says what the stream is; `ffmpeg` (no shell, `file:` protocol only) decodes its
first audio stream to float32 PCM at the original rate and channel count, and in the same
run lists each decoded frame's timestamp and size (a second output, `framecrc`). Each frame
is put where its timestamp says (audio/placement.py): a frame the decoder lost is silence in
its place, never a shift of everything after it.

Timestamps are only as good as the stream's: raw MP3 and ADTS have none (a decoder counts
frames) and ffmpeg's FLAC parser gives none to the frames it glues to junk. Those three are
mended in a temporary copy first (audio/mpeg_frames.py, audio/flac_frames.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from whisperscope.audio import damage, flac_frames, mpeg_frames
from whisperscope.audio.container_end import ogg_is_cut
from whisperscope.audio.placement import JITTER, apply, place
from whisperscope.errors import AudioError

RAW_STREAMS = ("mp3", "aac")  # ffprobe's format names for streams without timestamps
REPAIRED = (*RAW_STREAMS, "flac")  # streams whose damaged bytes are mended in a copy first
ABSOLUTE_TIMESTAMPS = ("ogg", "flac")  # timestamps that count from 0 whatever was lost
# a CRC mismatch is an error (the frame is left out and placed as silence), not noise
DECODER_OPTIONS = ("-err_detect", "crccheck")


@dataclass(frozen=True)
class Stream:
    """The first audio stream, as ffprobe describes it."""

    rate: int
    channels: int
    format_name: str
    seconds: float | None  # the container's duration, or ffprobe's estimate
    start_pts: int | None
    time_base: Fraction


@dataclass
class FfmpegRead:
    frames: np.ndarray  # shape = (n, channels), float32, every frame at its own time
    rate: int
    warnings: tuple[str, ...]
    damaged: bool  # a stretch was lost (silence), or the file is cut short


def tools() -> tuple[str | None, str | None]:
    return shutil.which("ffmpeg"), shutil.which("ffprobe")


def probe(path: Path, ffprobe: str) -> dict:
    cmd = [ffprobe, "-v", "error", "-protocol_whitelist", "file", "-print_format", "json",
           "-show_streams", "-select_streams", "a:0", "-show_format", _target(path)]
    try:
        result = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
        return json.loads(result.stdout or b"{}")
    except (subprocess.TimeoutExpired, ValueError, OSError):
        return {}


def stream_of(meta: dict) -> Stream | None:
    streams = meta.get("streams") or []
    if not streams:
        return None
    s = streams[0]
    try:
        rate, channels = int(s["sample_rate"]), int(s["channels"])
        time_base = Fraction(s.get("time_base") or f"1/{rate}")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if rate <= 0 or channels <= 0 or time_base <= 0:
        return None
    seconds = _positive(s.get("duration")) or _positive(meta.get("format", {}).get("duration"))
    start = s.get("start_pts")
    return Stream(rate, channels, str(meta.get("format", {}).get("format_name", "")), seconds,
                  int(start) if isinstance(start, int) else None, time_base)


def read(path: Path, stream: Stream, name: str, *, check_size: Callable[[float], None],
         ffmpeg: str) -> FfmpegRead:
    """Decode `path` with every frame at its own time. `check_size` raises for a frame
    count too large to hold. Raises AudioError where the place of lost audio cannot be
    known."""
    kind = stream.format_name if stream.format_name in REPAIRED else None
    claimed = None if kind in RAW_STREAMS else stream.seconds
    with tempfile.TemporaryDirectory(prefix="whisperscope-") as folder:
        repaired = Path(folder) / ("repaired" + path.suffix)
        source, silent, cut = path, [], False
        if kind == "flac":
            flac = flac_frames.scan_file(path)
            if flac is not None and flac.damaged:
                flac_frames.write_without(path, flac.damaged, repaired)
                source = repaired
            cut = flac is not None and flac.cut_at_end
        elif kind is not None:
            scan = mpeg_frames.scan_file(path, kind)
            if scan is not None and scan.junk_at_start:
                raise AudioError(f"'{name}' is damaged at its start: where its audio begins "
                                 "cannot be known, so every time would be wrong. Refused; "
                                 "re-encode or re-download the file")
            if scan is not None and scan.claimed_frames:
                claimed = scan.claimed_frames * scan.samples_per_frame / scan.rate
            if scan is not None and scan.gaps:
                _refuse_unknown_gaps(scan, name)
                try:
                    silent = mpeg_frames.write_repaired(path, scan, kind, repaired)
                except AudioError as e:
                    raise AudioError(f"'{name}' is damaged and {e}: refused, since every "
                                     "later time would be wrong") from None
                source = repaired
            cut = scan is not None and scan.cut_at_end
        if claimed:
            check_size(claimed * stream.rate)
        decoded, starts, sizes, stderr = _decode(source, stream, ffmpeg, check_size,
                                                 Path(folder) / "frames.crc")
    detail = damage.decoder_detail(stderr)
    if len(decoded) == 0:
        return FfmpegRead(decoded, stream.rate, (), bool(detail))
    if sum(sizes) != len(decoded):
        raise AudioError(f"'{name}' is damaged, and where its frames belong cannot be told: "
                         "refused, since later times could be wrong"
                         + (f" (the decoder said: {detail})" if detail else ""))
    limit = max(len(decoded), int((claimed or stream.seconds or 0) * stream.rate))
    jitter = max(JITTER, int(np.ceil(stream.rate * stream.time_base)) + 1)
    placement = place(starts, sizes, max_length=int(limit * 1.01) + stream.rate,
                      jitter=jitter)
    check_size(placement.length)
    decoded = apply(decoded, placement)
    lost = [*placement.holes, *silent]
    stretches = _merged([(a / stream.rate, b / stream.rate) for a, b in lost])

    read_s = len(decoded) / stream.rate
    short = claimed is not None and claimed - read_s > damage.TRUNCATION_TOLERANCE_S
    cut = cut or short or (stream.format_name == "ogg" and ogg_is_cut(path))
    warnings = []
    if stretches:
        warnings.append(damage.damaged_warning(name, stretches, detail))
    if cut:
        warnings.append(damage.truncated_warning(name, read_s, claimed if short else None,
                                                 "" if stretches else detail))
    if detail and not warnings:
        warnings.append(damage.decoder_errors_warning(name, read_s, detail))
    return FfmpegRead(decoded, stream.rate, tuple(warnings), bool(stretches or cut))


def _decode(source: Path, stream: Stream, ffmpeg: str, check_size: Callable[[float], None],
            frame_list: Path) -> tuple[np.ndarray, list[int | None], list[int], str]:
    """All decoded frames back to back, shape = (n, channels); each frame's start as its
    timestamp says (samples from the start) and its size, from a second output of the
    same decode (ffmpeg's `framecrc`, one line per frame); what ffmpeg said on stderr
    (caught, never shown raw)."""
    rate, channels = stream.rate, stream.channels
    pcm = ["-map", "0:a:0", "-vn", "-sn", "-dn", "-c:a", "pcm_f32le", "-ar", str(rate),
           "-ac", str(channels)]
    # Ogg granule positions and FLAC frame numbers count from the stream's true start:
    # kept as they are, lost frames at the start stay a hole (ffmpeg would otherwise
    # start the timeline at the first frame it could read)
    absolute = ["-copyts"] if stream.format_name in ABSOLUTE_TIMESTAMPS else []
    cmd = [ffmpeg, "-nostdin", "-v", "error", "-protocol_whitelist", "file", *DECODER_OPTIONS,
           *absolute, "-i", _target(source), *pcm, "-f", "f32le", "pipe:1",
           *pcm, "-f", "framecrc", "-y", _target(frame_list)]
    frame_bytes = 4 * channels
    buf = bytearray(int((stream.seconds or 60.0) * rate * 1.01 + rate) * frame_bytes)
    pos = 0
    with (
        tempfile.TemporaryFile() as err,
        subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err) as proc,
    ):
        assert proc.stdout is not None
        view = memoryview(buf)
        try:
            while True:
                if pos == len(buf):
                    view.release()
                    grown = len(buf) + max(len(buf) // 2, 1 << 20)
                    try:
                        check_size(grown / frame_bytes)
                    except AudioError:
                        proc.kill()
                        raise
                    buf.extend(bytes(grown - len(buf)))
                    view = memoryview(buf)
                n = proc.stdout.readinto(view[pos:])
                if not n:
                    break
                pos += n
        finally:
            view.release()
        proc.wait()
        err.seek(0)
        stderr = err.read(8000).decode("utf-8", "replace").strip()
    n_frames = pos // frame_bytes
    del buf[n_frames * frame_bytes:]
    starts, sizes = _read_frame_list(frame_list, rate, frame_bytes)
    frames = np.frombuffer(buf, dtype=np.float32).reshape(n_frames, channels)
    return frames, starts, sizes, stderr


def _read_frame_list(path: Path, rate: int, frame_bytes: int
                     ) -> tuple[list[int | None], list[int]]:
    """framecrc's lines `stream, dts, pts, duration, size, crc` as starts in samples at
    `rate` and sizes in samples."""
    starts: list[int | None] = []
    sizes: list[int] = []
    time_base = Fraction(1, rate)
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return starts, sizes
    for line in lines:
        if line.startswith("#tb 0:"):
            try:
                time_base = Fraction(line.split(":", 1)[1].strip())
            except (ValueError, ZeroDivisionError):
                pass
            continue
        fields = [f.strip() for f in line.split(",")]
        if line.startswith("#") or len(fields) < 5:
            continue
        pts, size = _int(fields[2]), _int(fields[4])
        if size is None:
            continue
        starts.append(None if pts is None else round(pts * time_base * rate))
        sizes.append(size // frame_bytes)
    return starts, sizes


def _merged(stretches: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(stretches):
        if out and a <= out[-1][1] + 1e-6:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _refuse_unknown_gaps(scan: mpeg_frames.FrameScan, name: str) -> None:
    unknown = [g for g in scan.gaps if g.lost_frames is None]
    if unknown:
        at = unknown[0].frames_before * scan.samples_per_frame / scan.rate
        raise AudioError(
            f"'{name}' is damaged near {at:.2f} s in a variable-bitrate stream: how much "
            "audio the damaged bytes held cannot be known, so every later time would be "
            "wrong. Refused; re-encode or re-download the file")


def _target(path: Path) -> str:
    return "file:" + str(path.resolve())  # "file:" so names like "pipe:x" stay files


def _int(value: str | None) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _positive(value: object) -> float | None:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) and v > 0 else None

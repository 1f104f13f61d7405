"""Where a raw MP3 or ADTS (AAC) stream lost frames, and a copy with silence put back.

Raw MP3 and ADTS carry no timestamps: every decoder counts frames. When bytes in the middle
are damaged, the decoder skips to the next frame it recognises and the time of every later
frame moves earlier by what was skipped (4 KB of junk in a 64 kbit/s MP3 is half a second).
This module walks the frame headers itself, finds each damaged stretch and how many frames
it held, and writes a repaired copy in which that stretch is that many silent frames, so a
decoder reads every later frame at its own time.

How many frames a stretch held is known exactly in a constant-bitrate stream (the frame
size is fixed) and in a variable-bitrate MP3 with one damaged stretch and a Xing/VBRI frame
count; otherwise it cannot be known and `lost_frames` is None (the loader refuses the file).

Layouts: ISO 11172-3 / 13818-3 frame headers (and the Xing/Info and VBRI frames), ISO
14496-3 ADTS headers. A silent MP3 frame is a header and zeros (no bits allocated: silence
in layers I, II and III); a silent AAC-LC frame is one element per channel with no scale
factor bands, then END.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from whisperscope.errors import AudioError

CHAIN = 3  # a resync point is this many valid headers in a row (or ones reaching the end)

_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_MP3_KBPS = {  # (MPEG-1?, layer) -> kbit/s by index 1..14
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025,
               8000, 7350)


@dataclass(frozen=True)
class Header:
    """One frame's header: what a frame of this stream is and how long."""

    length: int  # bytes, header included
    samples: int  # per channel
    rate: int
    stream: tuple  # what every frame of one stream shares (version, layer, rate, ...)
    rate_code: int  # MP3: the bitrate index (one in a CBR stream); ADTS: buffer fullness
    raw: bytes  # the header's bytes, to copy into a silent frame


@dataclass(frozen=True)
class Gap:
    """A damaged stretch of bytes [start, end) and the frames it held (None: unknown)."""

    start: int
    end: int
    frames_before: int  # good frames before it
    lost_frames: int | None


@dataclass(frozen=True)
class FrameScan:
    """A raw stream walked frame by frame."""

    n_frames: int  # good frames
    samples_per_frame: int
    rate: int
    gaps: tuple[Gap, ...]
    cut_at_end: bool  # the last frame is cut short, or junk follows the last good frame
    claimed_frames: int | None  # the Xing/VBRI frame count (MP3), if the file has one
    template: Header | None  # a good frame's header, for the silent frames
    start_skip: int = 0  # samples a decoder drops at the start (LAME tag's delay + 529)
    junk_at_start: bool = False  # bytes other than zeros before the first frame: damage


def mp3_header(b: bytes | memoryview, at: int) -> Header | None:
    if at + 4 > len(b) or b[at] != 0xFF or b[at + 1] & 0xE0 != 0xE0:
        return None
    version, layer = (b[at + 1] >> 3) & 3, 4 - ((b[at + 1] >> 1) & 3)
    rate_index, kbps_index = (b[at + 2] >> 2) & 3, b[at + 2] >> 4
    if version == 1 or layer == 4 or rate_index == 3 or kbps_index in (0, 15) \
            or b[at + 3] & 3 == 2:
        return None
    mpeg1 = version == 3
    rate = _MP3_RATES[version][rate_index]
    bitrate = _MP3_KBPS[(mpeg1, layer)][kbps_index - 1] * 1000
    padding = (b[at + 2] >> 1) & 1
    if layer == 1:
        samples, length = 384, (12 * bitrate // rate + padding) * 4
    elif layer == 2 or mpeg1:
        samples, length = 1152, 144 * bitrate // rate + padding
    else:
        samples, length = 576, 72 * bitrate // rate + padding
    mono = b[at + 3] >> 6 == 3
    return Header(length, samples, rate, (version, layer, rate, mono), kbps_index,
                  bytes(b[at:at + 4]))


def adts_header(b: bytes | memoryview, at: int) -> Header | None:
    if at + 7 > len(b) or b[at] != 0xFF or b[at + 1] & 0xF6 != 0xF0:
        return None
    rate_index = (b[at + 2] >> 2) & 0xF
    channels = ((b[at + 2] & 1) << 2) | (b[at + 3] >> 6)
    length = ((b[at + 3] & 3) << 11) | (b[at + 4] << 3) | (b[at + 5] >> 5)
    header_size = 7 if b[at + 1] & 1 else 9
    if rate_index >= len(_ADTS_RATES) or length < header_size + 1:
        return None
    blocks = (b[at + 6] & 3) + 1
    profile = b[at + 2] >> 6
    fullness = ((b[at + 5] & 0x1F) << 6) | (b[at + 6] >> 2)
    return Header(length, 1024 * blocks, _ADTS_RATES[rate_index],
                  (profile, rate_index, channels), fullness, bytes(b[at:at + 7]))


PARSERS: dict[str, Callable[[bytes | memoryview, int], Header | None]] = {
    "mp3": mp3_header, "aac": adts_header}


def scan(data: bytes | memoryview, kind: str) -> FrameScan | None:
    """Walk `data`, a raw stream of `kind` ("mp3" or "aac", ffprobe's format names); None
    when no run of good frames is found at all."""
    parse = PARSERS[kind]
    start, end = _audio_span(data) if kind == "mp3" else (0, len(data))
    first = _resync(data, start, end, parse, None)
    if first is None:
        return None
    template = parse(data, first)
    assert template is not None
    claimed = _claimed_frames(data, first, template) if kind == "mp3" else None
    start_skip = 0
    if claimed is not None:  # the Xing/VBRI frame is not audio
        start_skip = _lame_start_skip(data, first, template)
        first += template.length
    frames, gaps, rate_codes, lengths = 0, [], set(), 0
    # MP3: one bitrate index in every frame. ADTS: the buffer fullness 0x7FF marks VBR;
    # anything else is a constant-rate stream whose frames average a fixed size
    cbr = kind == "mp3" or template.rate_code != 0x7FF
    at, cut_at_end = first, False
    while at < end:
        header = parse(data, at)
        good = header is not None and header.stream == template.stream
        if good and at + header.length > end:
            cut_at_end = True
            break
        if good and (at + header.length == end or _chains(data, at + header.length, end,
                                                           parse, template, 1)):
            frames += 1
            rate_codes.add(header.rate_code if kind == "mp3" else 0)
            lengths += header.length
            at += header.length
            continue
        resume = _resync(data, at + 1, end, parse, template)
        if resume is None:
            cut_at_end = True
            break
        gaps.append((at, resume, frames))
        at = resume
    lost = _lost_frames([b - a for a, b, _ in gaps], lengths / max(frames, 1),
                        None if cut_at_end or claimed is None else claimed - frames,
                        constant=len(rate_codes) == 1 and cbr)
    placed = tuple(Gap(a, b, before, n) for (a, b, before), n in zip(gaps, lost, strict=True))
    junk = bytes(data[start:first - (template.length if claimed is not None else 0)])
    return FrameScan(frames, template.samples, template.rate, placed, cut_at_end,
                     claimed, template, start_skip, junk_at_start=bool(junk.strip(b"\0")))


def _lost_frames(sizes: list[int], mean_length: float, missing: int | None, *,
                 constant: bool) -> list[int | None]:
    """How many frames each damaged stretch of `sizes` bytes held. `missing`: how many
    frames the Xing/VBRI count says are not there (None: no count, or the file is cut
    short, so some are missing at its end).

    One stretch and a count: the count says it, also when bytes were deleted rather than
    overwritten. Otherwise, at a constant bitrate, each stretch's bytes over the frame size
    (exact, give or take a padding byte), unless a count says they add up to something else
    (bytes deleted somewhere: which stretch lost them is unknown). Otherwise unknown."""
    if missing is not None and len(sizes) == 1:
        return [missing if missing > 0 else None]
    if not constant:
        return [None] * len(sizes)
    counts = [max(1, round(size / mean_length)) for size in sizes]
    if missing is not None and sum(counts) != missing:
        return [None] * len(sizes)
    return counts


def scan_file(path: Path, kind: str) -> FrameScan | None:
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return scan(data, kind)


def silent_frame(template: Header, kind: str) -> bytes | None:
    """A frame of silence with `template`'s stream parameters; None if we can't make one."""
    if kind == "mp3":
        raw = bytearray(template.raw)
        raw[1] |= 1  # no CRC
        raw[2] &= 0xFD  # no padding byte
        header = mp3_header(bytes(raw), 0)
        assert header is not None
        return bytes(raw) + bytes(header.length - 4)
    profile, rate_index, channels = template.stream
    if profile != 1 or channels not in (1, 2):  # AAC-LC, mono or stereo only
        return None
    body = _aac_lc_silence(channels)
    length = 7 + len(body)
    header = bytes([
        0xFF, 0xF1, (profile << 6) | (rate_index << 2) | (channels >> 2),
        ((channels & 3) << 6) | (length >> 11), (length >> 3) & 0xFF,
        ((length & 7) << 5) | 0x1F, 0xFC])  # buffer fullness 0x7FF (VBR), one block
    return header + body


def write_repaired(path: Path, frame_scan: FrameScan, kind: str, target: Path
                   ) -> list[tuple[int, int]]:
    """Copy `path` to `target` with every gap replaced by its silent frames; the samples
    [start, end) they decode to, counted as a decoder outputs them (after `start_skip`).
    Raises AudioError when a gap's size is unknown or no silent frame can be made for
    this stream."""
    assert frame_scan.template is not None
    silence = silent_frame(frame_scan.template, kind)
    if silence is None:
        raise AudioError("no silent frame can be made for this stream")
    inserted, added = [], 0
    with open(path, "rb") as source, open(target, "wb") as sink:
        at = 0
        for gap in frame_scan.gaps:
            if gap.lost_frames is None:
                raise AudioError("how much audio a damaged stretch held is unknown")
            _copy(source, sink, gap.start - at)
            sink.write(silence * gap.lost_frames)
            first = (gap.frames_before + added) * frame_scan.samples_per_frame
            inserted.append((max(0, first - frame_scan.start_skip), first - frame_scan.start_skip
                             + gap.lost_frames * frame_scan.samples_per_frame))
            added += gap.lost_frames
            source.seek(gap.end)
            at = gap.end
        _copy(source, sink, -1)
    return inserted


def _copy(source, sink, n: int) -> None:
    while n != 0:
        chunk = source.read(1 << 20 if n < 0 else min(n, 1 << 20))
        if not chunk:
            return
        sink.write(chunk)
        n -= len(chunk) if n > 0 else 0


def _chains(data, at: int, end: int, parse, template: Header, n: int) -> bool:
    """`n` good headers from `at` on, or good ones up to the end of the stream."""
    for _ in range(n):
        if at == end:
            return True
        header = parse(data, at)
        if header is None or (template is not None and header.stream != template.stream) \
                or at + header.length > end:
            return False
        at += header.length
    return True


def _resync(data, at: int, end: int, parse, template: Header | None) -> int | None:
    """The first position >= `at` where CHAIN good headers start."""
    while at < end:
        at = data.find(b"\xff", at, end)
        if at < 0:
            return None
        header = parse(data, at)
        if header is not None and _chains(data, at, end, parse, template or header, CHAIN):
            return at
        at += 1
    return None


def _audio_span(data) -> tuple[int, int]:
    """The bytes between an ID3v2 tag at the start and ID3v1 / APEv2 tags at the end."""
    start, end = 0, len(data)
    if end >= 10 and bytes(data[:3]) == b"ID3":
        size = 0
        for byte in bytes(data[6:10]):
            size = (size << 7) | (byte & 0x7F)
        start = min(end, 10 + size + (10 if data[5] & 0x10 else 0))
    if end - start >= 128 and bytes(data[end - 128:end - 125]) == b"TAG":
        end -= 128
    if end - start >= 32 and bytes(data[end - 32:end - 24]) == b"APETAGEX":
        size = struct.unpack("<I", bytes(data[end - 20:end - 16]))[0]
        end = max(start, end - size - 32 if size > 32 else end - 32)
    return start, end


def _claimed_frames(data, at: int, header: Header) -> int | None:
    """The frame count a Xing/Info or VBRI frame at `at` gives (itself not included)."""
    xing = _xing_offset(data, at, header)
    tag = bytes(data[xing:xing + 4])
    if tag in (b"Xing", b"Info") and xing + 12 <= len(data):
        flags = struct.unpack(">I", bytes(data[xing + 4:xing + 8]))[0]
        if flags & 1:
            return struct.unpack(">I", bytes(data[xing + 8:xing + 12]))[0]
        return 0  # a Xing frame without a count is still not audio
    if bytes(data[at + 36:at + 40]) == b"VBRI" and at + 54 <= len(data):
        return struct.unpack(">I", bytes(data[at + 50:at + 54]))[0]
    return None


def _xing_offset(data, at: int, header: Header) -> int:
    version, _, _, mono = header.stream
    crc = 0 if data[at + 1] & 1 else 2
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    return at + 4 + crc + side


def _lame_start_skip(data, at: int, header: Header) -> int:
    """The samples ffmpeg and libmpg123 drop at the start of a stream with a LAME/Lavc
    tag: its encoder delay plus the decoder's own 529; 0 without a tag."""
    xing = _xing_offset(data, at, header)
    if bytes(data[xing:xing + 4]) not in (b"Xing", b"Info"):
        return 0
    flags = struct.unpack(">I", bytes(data[xing + 4:xing + 8]))[0]
    tag = xing + 8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) \
        + 4 * bool(flags & 8)
    if tag + 24 > min(len(data), at + header.length) or not bytes(data[tag:tag + 4]).isalpha():
        return 0
    delay = (data[tag + 21] << 4) | (data[tag + 22] >> 4)
    return delay + 529


def _aac_lc_silence(channels: int) -> bytes:
    """One raw_data_block of silence: an SCE (mono) or a CPE without a common window
    (stereo), each channel with max_sfb = 0 (no bands, no spectral data), then END."""
    ics = "00000000" + "0" + "00" + "0" + "000000" + "0" + "000"  # gain, ics_info, no tools
    bits = ("000" + "0000" + ics) if channels == 1 else ("001" + "0000" + "0" + ics + ics)
    bits += "111"
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def starts_cleanly(path: Path) -> bool:
    """Whether a raw MP3's first frames follow its ID3v2 tag (or any zero padding) at
    once. A decoder skips junk there without a word, and everything after starts early."""
    with open(path, "rb") as f:
        head = f.read(10)
        start = 0
        if len(head) == 10 and head[:3] == b"ID3":
            start = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
            start += 10 if head[5] & 0x10 else 0
        f.seek(start)
        data = f.read(1 << 16)
    at = len(data) - len(data.lstrip(b"\0"))
    return _chains(data, at, len(data), mp3_header, None, CHAIN) or not data

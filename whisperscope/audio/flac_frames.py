"""Where a FLAC stream is damaged, and a copy without the damaged bytes.

Every FLAC frame header carries its frame (or first sample) number and a CRC-8, so the
frames after damaged bytes still know their place. Decoders do not always use it: libFLAC
stops at the damage, and ffmpeg's parser glues the junk and the next few good frames into
packets without a timestamp. Cut out of a copy, the damage becomes a jump in the frame
numbers, which ffmpeg turns into timestamps that say where each later frame belongs.

The frame before each damaged stretch goes too: where its bytes end and the junk begins is
not known without its CRC-16, so it cannot be trusted. Layout: the FLAC format
specification (RFC 9639), sections 9.1 (frame header) and 8.2 (STREAMINFO).
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from pathlib import Path

CHAIN = 2  # a resync point is this many headers in sequence
_BLOCK_SIZES = {1: 192, **{n: 576 << (n - 2) for n in range(2, 6)},
                **{n: 256 << (n - 8) for n in range(8, 16)}}


@dataclass(frozen=True)
class FrameHeader:
    number: int  # frame number (fixed block size) or first sample number (variable)
    block_size: int
    variable: bool
    stream: tuple  # what every frame of one stream shares


@dataclass(frozen=True)
class FlacScan:
    n_frames: int  # frames in sequence
    damaged: tuple[tuple[int, int], ...]  # byte ranges [start, end) to cut out
    cut_at_end: bool  # junk after the last frame in sequence


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def frame_header(b, at: int) -> FrameHeader | None:
    """The frame header at `at` if its sync code, reserved bits and CRC-8 hold."""
    if at + 6 > len(b) or b[at] != 0xFF or b[at + 1] & 0xFE != 0xF8:
        return None
    size_code, rate_code = b[at + 2] >> 4, b[at + 2] & 0xF
    channels, depth = b[at + 3] >> 4, (b[at + 3] >> 1) & 7
    if size_code == 0 or rate_code == 15 or channels > 10 or depth == 3 or b[at + 3] & 1:
        return None
    number, i = _utf8_number(b, at + 4)
    if number is None:
        return None
    block_size = _BLOCK_SIZES.get(size_code, 0)
    if size_code in (6, 7):
        n = size_code - 5
        if i + n > len(b):
            return None
        block_size = int.from_bytes(bytes(b[i:i + n]), "big") + 1
        i += n
    if rate_code in (12, 13, 14):
        i += 1 if rate_code == 12 else 2
    if i + 1 > len(b) or _crc8(bytes(b[at:i])) != b[i]:
        return None
    variable = bool(b[at + 1] & 1)
    n_channels = channels + 1 if channels < 8 else 2  # 8-10: stereo, decorrelated per frame
    return FrameHeader(number, block_size, variable, (variable, rate_code, n_channels, depth))


def scan(data) -> FlacScan | None:
    """Walk the frames of a FLAC file's bytes; None if it has no frames in sequence."""
    first = _resync(data, _first_frame_offset(data), None)
    if first is None:
        return None
    at, header = first
    n_frames, damaged, longest = 0, [], 0
    while True:
        n_frames += 1
        following = _next_header(data, at + 1, header)
        if following is None:
            return FlacScan(n_frames, tuple(damaged), cut_at_end=False)
        # a sync code inside a frame's data can pass the CRC-8 by chance (1 in 256): the
        # true next frame is then a little further on
        window = at + 2 * max(longest, 1 << 16)
        while following is not None and following[1].number != _expected(header) \
                and following[0] < window:
            following = _next_header(data, following[0] + 1, header)
        if following is not None and following[1].number == _expected(header):
            longest = max(longest, following[0] - at)
            at, header = following
            continue
        resume = _resync(data, at + 1, header)
        if resume is None:  # nothing in sequence follows: the rest is junk
            return FlacScan(n_frames - 1, tuple(damaged), cut_at_end=True)
        damaged.append((at, resume[0]))  # this frame's end is unknown: it goes too
        n_frames -= 1
        at, header = resume


def scan_file(path: Path) -> FlacScan | None:
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return scan(data)


def write_without(path: Path, damaged: tuple[tuple[int, int], ...], target: Path) -> None:
    """Copy `path` to `target` without the byte ranges `damaged`."""
    with open(path, "rb") as source, open(target, "wb") as sink:
        at = 0
        for start, end in (*damaged, (None, None)):
            source.seek(at)
            n = -1 if start is None else start - at
            while n != 0:
                chunk = source.read(1 << 20 if n < 0 else min(n, 1 << 20))
                if not chunk:
                    break
                sink.write(chunk)
                if n > 0:
                    n -= len(chunk)
            at = end if end is not None else at


def _expected(header: FrameHeader) -> int:
    return header.number + (header.block_size if header.variable else 1)


def _next_header(data, at: int, like: FrameHeader | None) -> tuple[int, FrameHeader] | None:
    """The next position from `at` with a valid frame header of the same stream."""
    syncs = (b"\xff\xf9" if like.variable else b"\xff\xf8",) if like else (b"\xff\xf8",
                                                                          b"\xff\xf9")
    end = len(data)
    while at < end:
        found = [i for i in (data.find(sync, at, end) for sync in syncs) if i >= 0]
        if not found:
            return None
        at = min(found)
        header = frame_header(data, at)
        if header is not None and (like is None or header.stream == like.stream):
            return at, header
        at += 1
    return None


def _resync(data, at: int, after: FrameHeader | None) -> tuple[int, FrameHeader] | None:
    """The first header from `at` that starts CHAIN headers in sequence (or fewer that
    reach the end of the file) and, after the frame `after`, numbers beyond it."""
    while (found := _next_header(data, at, after)) is not None:
        start, header = found
        ok = after is None or header.number >= _expected(after)
        last_at, last = start, header
        for _ in range(CHAIN - 1):
            if not ok:
                break
            following = _next_header(data, last_at + 1, last)
            if following is None:
                break  # the last frame of the file
            ok = following[1].number == _expected(last)
            last_at, last = following
        if ok:
            return start, header
        at = start + 1
    return None


def _first_frame_offset(data) -> int:
    """Past "fLaC" and the metadata blocks (0 for anything else: search from the start)."""
    if bytes(data[:4]) != b"fLaC":
        return 0
    at = 4
    while at + 4 <= len(data):
        last, length = data[at] & 0x80, int.from_bytes(bytes(data[at + 1:at + 4]), "big")
        at += 4 + length
        if last:
            break
    return min(at, len(data))


def _utf8_number(b, at: int) -> tuple[int | None, int]:
    """FLAC's UTF-8-like coded number at `at`: (value, the position after it)."""
    if at >= len(b):
        return None, at
    first = b[at]
    if first < 0x80:
        return first, at + 1
    n = 0
    while n < 7 and first & (0x80 >> n):
        n += 1
    if n < 2 or n > 7 or at + n > len(b):
        return None, at
    value = first & (0x7F >> n) if n < 7 else 0
    for i in range(1, n):
        byte = b[at + i]
        if byte & 0xC0 != 0x80:
            return None, at
        value = (value << 6) | (byte & 0x3F)
    return value, at + n

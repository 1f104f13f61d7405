"""Whether an Ogg file is whole: the structure a damaged or truncated one breaks.

An Ogg stream (Opus, Vorbis, FLAC-in-Ogg) states no total length up front; a complete one
ends with a whole page flagged end-of-stream (RFC 3533). A download cut short ends inside a
page or without that flag, and decodes without a single complaint, as a shorter recording.
Pages follow each other back to back, numbered in sequence per stream: junk written over
one breaks the chain, and some decoders then read on from the next page as if nothing
were missing (libopusfile, after damage at the start, by a whole second).
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path

MAX_OGG_PAGE = 27 + 255 + 255 * 255  # header, segment table, data
EOS = 0x04


def ogg_is_cut(path: Path) -> bool:
    """True when the file's last Ogg page is incomplete or not flagged end-of-stream."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        f.seek(max(0, size - MAX_OGG_PAGE))
        tail = f.read()
    base = size - len(tail)
    at = len(tail)
    while (at := tail.rfind(b"OggS", 0, at)) >= 0:
        if at + 27 > len(tail) or tail[at + 4] != 0:
            continue
        n_segments = tail[at + 26]
        if at + 27 + n_segments > len(tail):
            return True  # the segment table itself is cut
        end = at + 27 + n_segments + sum(tail[at + 27:at + 27 + n_segments])
        if base + end == size:
            return not tail[at + 5] & EOS
        if end > len(tail):
            return True  # the last page runs past the end of the file
    return True


def ogg_is_damaged(path: Path) -> bool:
    """True when the pages are not back to back from the start, or a stream's page
    numbers skip (a page lost or overwritten). The pages' CRCs are left to the decoders."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 27:
            return True
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            at, sequence = 0, {}
            while at < size:
                if data[at:at + 4] != b"OggS" or at + 27 > size or data[at + 4] != 0:
                    return True
                serial, number = struct.unpack_from("<II", data, at + 14)
                if serial in sequence and number != sequence[serial] + 1:
                    return True
                sequence[serial] = number
                n_segments = data[at + 26]
                if at + 27 + n_segments > size:
                    return False  # a cut last page: ogg_is_cut's to say
                at += 27 + n_segments + sum(data[at + 27:at + 27 + n_segments])
    return False

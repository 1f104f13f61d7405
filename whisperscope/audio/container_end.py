"""Whether a container ends as a complete one does: the length claims a truncated file breaks.

An Ogg stream (Opus, Vorbis, FLAC-in-Ogg) states no total length up front; a complete one
ends with a whole page flagged end-of-stream (RFC 3533). A download cut short ends inside a
page or without that flag, and decodes without a single complaint, as a shorter recording.
"""

from __future__ import annotations

import os
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

"""Put decoded frames where their timestamps say, so a lost frame is silence, not a shift.

A decoder hands back frames in order; one that failed, or the bytes a demuxer skipped, simply
leave none. Written back to back, every later sample moves earlier. Each frame's timestamp
(from the container: FLAC frame headers, Ogg granule positions, an MP4 index) says where it
belongs; placed there, what was lost is a hole of zeros at the right place.

Pure: timestamps in, offsets and holes out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

JITTER = 2  # samples: timestamps rounded to a coarser time base land this close


@dataclass(frozen=True)
class Placement:
    """Where each decoded frame goes on the recording's timeline, in samples.

    `targets[i]` is the first sample of frame i, or -1 for a frame that has no place (no
    timestamp, or one that contradicts its neighbours): it is left out. `holes` are the
    stretches [start, end) no frame covers: silence."""

    targets: tuple[int, ...]
    sizes: tuple[int, ...]
    length: int
    holes: tuple[tuple[int, int], ...]

    @property
    def is_contiguous(self) -> bool:
        """True when the frames lie back to back from 0, as they were decoded."""
        return not self.holes and list(self.targets) == _running_starts(self.sizes)


def place(starts: list[int | None], sizes: list[int], *, max_length: int,
          jitter: int = JITTER) -> Placement:
    """Place frames of `sizes` samples whose timestamps say they start at `starts` (samples
    from the recording's origin; None where the decoder gave none).

    A frame with no timestamp, one that would start before 0 or end past `max_length`, and
    one that overlaps frames already placed (a timestamp that contradicts its neighbours)
    is dropped. A frame that jumped ahead and is followed by one that starts before it
    ends is the one dropped: a single bad timestamp must not push the rest out. Starts
    within `jitter` samples of where the frame before ended are taken as back to back (a
    container that keeps times in milliseconds rounds them)."""
    targets: list[int] = [-1] * len(starts)
    kept: list[int] = []  # indices of placed frames, in order
    end = 0
    for i, (start, size) in enumerate(zip(starts, sizes, strict=True)):
        if start is None or start < 0 or start + size > max_length:
            continue
        if kept and abs(start - end) <= jitter:
            start = end  # rounding, not a gap
        if start < end:
            last = kept[-1]
            previous_end = targets[kept[-2]] + sizes[kept[-2]] if len(kept) > 1 else 0
            if targets[last] > previous_end + jitter and start >= previous_end - jitter:
                targets[last] = -1  # the frame before jumped ahead: it was the bad one
                kept.pop()
                end = previous_end
                start = max(start, end)
            else:
                continue
        targets[i] = start
        kept.append(i)
        end = start + size
    holes, covered = [], 0
    for i in kept:
        if targets[i] > covered:
            holes.append((covered, targets[i]))
        covered = targets[i] + sizes[i]
    return Placement(tuple(targets), tuple(sizes), covered, tuple(holes))


def apply(frames: np.ndarray, placement: Placement) -> np.ndarray:
    """`frames` (shape = (n_decoded, channels), the frames back to back) laid out by
    `placement`: shape = (placement.length, channels), zeros in the holes. Returns `frames`
    itself when nothing moves."""
    if placement.is_contiguous and len(frames) == placement.length:
        return frames
    out = np.zeros((placement.length, frames.shape[1]), dtype=frames.dtype)
    source = 0
    for target, size in zip(placement.targets, placement.sizes, strict=True):
        if target >= 0:
            out[target:target + size] = frames[source:source + size]
        source += size
    return out


def _running_starts(sizes) -> list[int]:
    starts, at = [], 0
    for size in sizes:
        starts.append(at)
        at += size
    return starts

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

    Timestamps are only so exact: a container that keeps milliseconds rounds them
    (`jitter`), ffmpeg's Vorbis timestamps are off by part of a block where the block size
    changes (`_vouched` mends those), and an encoder's delay may leave the first frame a
    little after 0. A start closer than half a frame to where the frame before ended, or
    than `jitter`, is taken as back to back (a lost frame leaves a hole of at least one
    frame), and a first frame within its own length of 0 is where the timeline starts.

    A frame with no timestamp, one that would start before 0 or end past `max_length`, and
    one that overlaps frames already placed (a timestamp that contradicts its neighbours)
    is dropped. A frame that jumped ahead and is followed by one that starts before it
    ends is the one dropped: a single bad timestamp must not push the rest out."""
    starts = _vouched(starts, sizes, jitter)
    first = next((s for s in starts if s is not None), None)
    # an encoder's delay, not a lost frame: the timeline starts with the first frame
    origin = first if first is not None and 0 < first < sizes[starts.index(first)] else 0
    targets: list[int] = [-1] * len(starts)
    kept: list[int] = []  # indices of placed frames, in order
    end = 0
    for i, (start, size) in enumerate(zip(starts, sizes, strict=True)):
        if start is None:
            continue
        start -= origin
        if start < 0 or start + size > max_length:
            continue
        slack = max(jitter, min(size, sizes[kept[-1]]) // 2) if kept else jitter
        if kept and abs(start - end) <= slack:
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


def _vouched(starts: list[int | None], sizes: list[int], jitter: int) -> list[int | None]:
    """Each frame's start as the next frame's timestamp says (its start less this frame's
    length), where the two nearly agree: ffmpeg's Vorbis timestamps are a part-block late
    on the frame where the block size changes, and right again on the frame after."""
    out = list(starts)
    for i in range(len(starts) - 1):
        here, after = starts[i], starts[i + 1]
        if here is not None and after is not None:
            vouched = after - sizes[i]
            if vouched != here and abs(vouched - here) <= max(jitter, sizes[i] // 2):
                out[i] = vouched
    return out


def _running_starts(sizes) -> list[int]:
    starts, at = [], 0
    for size in sizes:
        starts.append(at)
        at += size
    return starts

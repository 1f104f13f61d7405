"""Word starts placed on the 10 ms log-mel: the alignment pass's 20 ms encoder frames
quantise every boundary, and the strongest spectral change near a boundary places it
within one frame.

Measured on ../shared/data/timit-dev as a whole (64 utterances, both models, both paths,
plain and pink 25 dB; bench/RESULTS.md, constants): a word start moved to the strongest
change within 25 ms before and 15 ms after it, the word before ending there when it ended
at that start, took base's recognised word errors from 27.2 / 28.5 ms to 25.0 / 26.6 ms
(start / end) and its starts within 20 ms from 57 % to 64 %; the reach leans early because
the pass's boundaries run late (+6 ms on average; of the reaches tried, 15 / 15, 25 / 25,
35 / 25 and 15 / 25 ms gained less). The change is the log-mel's L1 difference across two
frames, summed over the two such differences that straddle a boundary (one frame's
difference gained 0.15 ms less over the sets, L2 0.3-0.5 ms less). Free word ends (before
a pause) stay with the voicing: moved too, they lost 0.7 ms in pink noise."""

from __future__ import annotations

import numpy as np

CHANGE_CHUNK_FRAMES = 1 << 15  # mel frames per step of `spectral_change` (~5.5 min)
# the search, in 10 ms boundaries between mel frames, around a start at mel frame c:
# boundaries c - 3 .. c + 1, i.e. 25 ms before to 15 ms after
SEARCH_BEFORE = 3
SEARCH_AFTER = 1
MEL_FRAME_SECONDS = 0.01
# A move never leaves a word shorter than this: in a short function word the change from
# its consonant to its vowel can out-shout the word's own onset, and the stress set's
# squeezed words (under 40 ms, truly 80 ms or more) went from 14 to 21 (base, stress7);
# with the floor timit-dev's errors stayed or fell (0.0-0.1 ms) and base's squeezed words
# on pink 25 dB went 5 -> 0.
MIN_WORD_SECONDS = 0.04


def spectral_change(log_mel: np.ndarray) -> np.ndarray:
    """How much the spectrum changes at each boundary between two 10 ms mel frames of a
    whisper log-mel (n_mels, n): shape (n - 1,), entry j for the boundary between frames j
    and j + 1 (at (j + 0.5) * 10 ms). A chunk of frames at a time: an hour's differences
    at once are ~115 MB of temporaries."""
    n = log_mel.shape[1]
    if n < 2:
        return np.zeros(max(n - 1, 0), np.float32)
    across = np.zeros(max(n - 2, 0), np.float32)  # across[i]: frames i and i + 2
    for c0 in range(0, n - 2, CHANGE_CHUNK_FRAMES):
        part = np.asarray(log_mel[:, c0: c0 + CHANGE_CHUNK_FRAMES + 2], np.float32)
        across[c0: c0 + part.shape[1] - 2] = np.abs(part[:, 2:] - part[:, :-2]).sum(axis=0)
    change = np.zeros(n - 1, np.float32)
    change[: n - 2] += across  # boundary j lies inside frames j .. j + 2
    change[1:] += across[: n - 2]  # and inside frames j - 1 .. j + 1
    return change


def snapped_starts(spans: dict[int, tuple[int, int]], edges: list[int], change: np.ndarray,
                   frame_seconds: float) -> dict[int, float]:
    """Each word's start (`spans`: [start, end) encoder frames by word) moved to the
    strongest `change` (the window's, from `spectral_change`) near it, in seconds from the
    window's start; a start where nothing changes is left out (it stays on its frame). It
    keeps 10 ms clear of the neighbouring `edges` (every other frame a token of the window
    starts or ends on), so no token loses its order, and leaves neither the word nor the
    one ending where it starts shorter than `MIN_WORD_SECONDS` (or than it was)."""
    ratio = int(round(frame_seconds / MEL_FRAME_SECONDS))  # mel frames per encoder frame
    marks = sorted(set(edges))
    start_ending_at = {end: start for start, end in spans.values()}
    out = {}
    for word, (frame, end) in spans.items():
        centre = frame * ratio
        lo, hi = max(centre - SEARCH_BEFORE, 0), min(centre + SEARCH_AFTER, len(change) - 1)
        if hi < lo:
            continue
        reach = change[lo: hi + 1]
        if reach.max() <= reach.min():  # nothing changes here (digital silence): stay
            continue
        # the strongest change; of equals, the one nearest the pass's start
        best = max(range(lo, hi + 1), key=lambda j: (change[j], -abs(j + 0.5 - centre)))
        at = (best + 0.5) * MEL_FRAME_SECONDS
        before = int(np.searchsorted(marks, frame)) - 1  # the last mark under `frame`
        after = int(np.searchsorted(marks, frame, side="right"))  # the first over it
        earliest = (marks[before] + 0.5) * frame_seconds if before >= 0 else 0.0
        latest = (marks[after] - 0.5) * frame_seconds if after < len(marks) else at
        here = frame * frame_seconds
        latest = min(latest, max(here, end * frame_seconds - MIN_WORD_SECONDS))
        if frame in start_ending_at:  # the word before ends here: it keeps its length too
            earliest = max(earliest, min(here, start_ending_at[frame] * frame_seconds
                                         + MIN_WORD_SECONDS))
        out[word] = min(max(at, earliest), latest)
    return out

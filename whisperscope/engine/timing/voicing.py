"""Which frames hold sound: the level of Whisper's own log-mel, and a threshold over it.

Every timing rule that keeps words out of pauses reads these masks (10 ms mel frames, or
20 ms encoder frames via `encoder_frames`)."""

from __future__ import annotations

import numpy as np

ABSOLUTE_SILENCE_DB = -80.0  # mean mel power below this is silence however quiet the file
NOISE_FLOOR_PERCENTILE = 5
NOISE_MARGIN_DB = 6.0
# A pause need not be the recording's quietest stretch: a gap of steady noise 35 dB under
# the speech sits 20 dB above a clean recording's own floor, and the floor rule above calls
# it sound. Held this steady this long, and this far below the loudest frame, it is a
# pause whatever its level. Speech never holds still like this: on timit-dev (64 files,
# plain and with pink noise at 25 dB) no 0.5 s inside words varies by less than 10.7 dB,
# while a -50 dBFS white-noise gap varies by 2.5 dB (its 1st to 99th percentile); the
# quietest speaker's loudest frame is 20 dB over that gap (bench/RESULTS.md, constants).
STEADY_PAUSE_FRAMES = 50  # 0.5 s of 10 ms frames
STEADY_RANGE_DB = 6.0
STEADY_BELOW_LOUDEST_DB = 15.0


def voiced_frames(level_db: np.ndarray, silence_db: float) -> np.ndarray:
    """Frames that hold sound, from their level in dB.

    The threshold sits above the recording's noise floor (its quietest 5 % of frames) by a
    quarter of the floor-to-peak range, never lower than `silence_db` below the loudest
    frame, nor below the absolute floor under which nothing is audible: a clean recording's
    pauses, a noisy one's pauses and a silent file all come out as silence. A stretch of
    steady noise far below the loudest frame is silence too (`steady_pauses`), however far
    it sits above the floor.
    """
    if len(level_db) == 0:
        return np.zeros(0, bool)
    loudest = float(level_db.max())
    floor = float(np.percentile(level_db, NOISE_FLOOR_PERCENTILE))
    threshold = max(floor + max(NOISE_MARGIN_DB, 0.25 * (loudest - floor)),
                    loudest - silence_db, ABSOLUTE_SILENCE_DB)
    steady = steady_pauses(level_db, loudest)
    voiced = _without_edge_blips((level_db > threshold) & ~steady, steady)
    edge = max(floor + NOISE_MARGIN_DB, loudest - EDGE_BELOW_LOUDEST_DB, ABSOLUTE_SILENCE_DB)
    return _with_edges(voiced, (level_db > edge) & ~steady)


# A sound's onset and decay are quieter than its middle: in noise the threshold above,
# a quarter of a narrower floor-to-peak range, sits near the noise and cuts them off (pink
# noise at 25 dB: timit-dev's last words ended 20 ms before their truth by the mask,
# median, where in the clean files the mask ran 30 ms past it). Sound keeps on while its
# level stays over this lower threshold, the floor's own margin or this far under the
# loudest frame, whichever is higher: on the clean files that is the threshold above to
# within 1-2 dB, so their masks barely move (tuned on timit-dev as a whole, plain and pink
# 25 dB; bench/RESULTS.md, constants).
EDGE_BELOW_LOUDEST_DB = 40.0


def _with_edges(voiced: np.ndarray, softer: np.ndarray) -> np.ndarray:
    """`voiced` grown over the runs of `softer` that hold a voiced frame (hysteresis)."""
    out = voiced.copy()
    for start, stop in _runs(softer):
        if voiced[start:stop].any():
            out[start:stop] = True
    return out


# A mel frame's 25 ms analysis window straddles the edge of a steady stretch: where noise
# stops against a quieter floor, the frame at the edge mixes both and can pass the threshold
# alone (a -50 dBFS gap before TIMIT's lead-in: one frame 8 dB over the threshold, and
# tiny.en squeezed the next word into it). No sound is this short.
EDGE_BLIP_FRAMES = 2


def _without_edge_blips(voiced: np.ndarray, steady: np.ndarray) -> np.ndarray:
    """`voiced` without runs of at most `EDGE_BLIP_FRAMES` that touch a steady stretch."""
    if not steady.any():
        return voiced
    out = voiced.copy()
    for start, stop in _runs(voiced):
        touches = (start > 0 and steady[start - 1]) or (stop < len(steady) and steady[stop])
        if stop - start <= EDGE_BLIP_FRAMES and touches:
            out[start:stop] = False
    return out


def _runs(mask: np.ndarray):
    """[start, stop) of each run of True in `mask`."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True)


def steady_pauses(level_db: np.ndarray, loudest: float) -> np.ndarray:
    """Frames inside a stretch of at least `STEADY_PAUSE_FRAMES` whose level stays within
    `STEADY_RANGE_DB` and at least `STEADY_BELOW_LOUDEST_DB` under `loudest`: room tone,
    hum or a noise-filled gap between sentences, not speech."""
    n, width = len(level_db), STEADY_PAUSE_FRAMES
    if n < width:
        return np.zeros(n, bool)
    windows = np.lib.stride_tricks.sliding_window_view(level_db, width)
    high, low = windows.max(axis=1), windows.min(axis=1)
    steady = (high - low <= STEADY_RANGE_DB) & (high <= loudest - STEADY_BELOW_LOUDEST_DB)
    # a frame is in a steady stretch when any qualifying window covers it
    starts = np.zeros(n + 1, np.int32)
    starts[: len(steady)] += steady
    starts[width: width + len(steady)] -= steady
    return np.cumsum(starts[:n]) > 0


def encoder_frames(mask_10ms: np.ndarray) -> np.ndarray:
    """A per-mel-frame (10 ms) mask as a per-encoder-frame (20 ms) one: either half counts."""
    n = len(mask_10ms) // 2
    out = mask_10ms[: 2 * n : 2] | mask_10ms[1 : 2 * n : 2]
    if len(mask_10ms) % 2:
        out = np.append(out, mask_10ms[-1])
    return out


LEVEL_CHUNK_FRAMES = 1 << 15  # mel frames per step of `mel_level_db` (~5.5 min)


def mel_level_db(log_mel: np.ndarray) -> np.ndarray:
    """Level in dB of each 10 ms mel frame of Whisper's normalised log-mel
    (shape = (n_mels, n_mel_frames)), from the very input the model saw.

    A chunk of frames at a time: over an hour's mel at once, the float64 temporaries were
    ~700 MB, the highest point of a whole analysis. Each frame's value is its own column's,
    so the result is the same to the bit."""
    out = np.empty(log_mel.shape[1], np.float32)
    for c0 in range(0, log_mel.shape[1], LEVEL_CHUNK_FRAMES):
        out[c0: c0 + LEVEL_CHUNK_FRAMES] = _level_db(log_mel[:, c0: c0 + LEVEL_CHUNK_FRAMES])
    return out


def _level_db(log_mel: np.ndarray) -> np.ndarray:
    # whisper's log-mel is (log10(power) + 4) / 4; undo it and average power over mels
    log_power = log_mel.astype(np.float64) * 4.0 - 4.0
    return (10.0 * np.log10(np.mean(10.0 ** log_power, axis=0) + 1e-10)).astype(np.float32)


def next_sound(voiced: np.ndarray, start: int) -> int:
    """Index of the first voiced frame at or after `start`; len(voiced) if none."""
    loud = np.flatnonzero(voiced[start:])
    return start + int(loud[0]) if loud.size else len(voiced)

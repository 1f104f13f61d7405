"""Which frames hold sound: the level of Whisper's own log-mel, and a threshold over it.

Every timing rule that keeps words out of pauses reads these masks (10 ms mel frames, or
20 ms encoder frames via `encoder_frames`)."""

from __future__ import annotations

import numpy as np

ABSOLUTE_SILENCE_DB = -80.0  # mean mel power below this is silence however quiet the file
NOISE_FLOOR_PERCENTILE = 5
NOISE_MARGIN_DB = 6.0


def voiced_frames(level_db: np.ndarray, silence_db: float) -> np.ndarray:
    """Frames that hold sound, from their level in dB.

    The threshold sits above the recording's noise floor (its quietest 5 % of frames) by a
    quarter of the floor-to-peak range, never lower than `silence_db` below the loudest
    frame, nor below the absolute floor under which nothing is audible: a clean recording's
    pauses, a noisy one's pauses and a silent file all come out as silence.
    """
    if len(level_db) == 0:
        return np.zeros(0, bool)
    loudest = float(level_db.max())
    floor = float(np.percentile(level_db, NOISE_FLOOR_PERCENTILE))
    threshold = max(floor + max(NOISE_MARGIN_DB, 0.25 * (loudest - floor)),
                    loudest - silence_db, ABSOLUTE_SILENCE_DB)
    return level_db > threshold


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

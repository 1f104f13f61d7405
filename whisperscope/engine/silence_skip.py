"""Where a window may start past a long silence: the one place the analysis leaves
Whisper's seek (`analyzer`). Whisper may not place its first timestamp later than 1 s into
a window, so a window that opens on a long silence makes it invent speech at its start;
only true silence is skipped, judged against the speech level, never the noise floor."""

from __future__ import annotations

import numpy as np

from whisperscope.engine.timing.voicing import ABSOLUTE_SILENCE_DB, next_sound

SKIP_SILENCE_FRAMES = 150  # a window opening on more silence than this skips it...
LEAD_IN_FRAMES = 40  # ...up to this much before the next sound
TAIL_FRAMES = 30  # sound this short at a window's start is the end of the previous word
SKIP_BELOW_SPEECH_DB = 50.0  # only a stretch this far below the speech level may be skipped
SPEECH_LEVEL_PERCENTILE = 99  # the speech level: the recording's loud frames


def skippable_silence(level_db: np.ndarray) -> np.ndarray:
    """The 10 ms frames that are silent enough to skip undecoded (a deviation from Whisper,
    which decodes everything): those `SKIP_BELOW_SPEECH_DB` below the speech level (the
    recording's loudest 1 % of frames), or below the absolute floor where nothing is
    audible. Judged against the speech, never the noise floor: in steady noise nothing is
    skipped and Whisper's own no-speech check decides each window, as in `transcribe`."""
    if len(level_db) == 0:
        return np.zeros(0, bool)
    speech = float(np.percentile(level_db, SPEECH_LEVEL_PERCENTILE))
    return level_db <= max(ABSOLUTE_SILENCE_DB, speech - SKIP_BELOW_SPEECH_DB)


def skip_silence(audible: np.ndarray, seek: int) -> int:
    """Start the window shortly before the next sound. Whisper may not place its first
    timestamp later than 1 s into a window, so a window that opens on a long silence makes
    it invent speech at the start; skipping the silence keeps the next onset right.
    `audible`: per 10 ms frame, True where it is not `skippable_silence`."""
    # the window may open on the fading end of the previous word: step over it
    tail_end, limit = seek, min(seek + TAIL_FRAMES, len(audible))
    while tail_end < limit and audible[tail_end]:
        tail_end += 1
    if tail_end < len(audible) and audible[tail_end]:
        return seek  # sound goes on: no pause here
    onset = next_sound(audible, tail_end)
    if onset >= len(audible):
        return onset  # only silence is left
    if onset - tail_end > SKIP_SILENCE_FRAMES:
        return onset - LEAD_IN_FRAMES
    return seek

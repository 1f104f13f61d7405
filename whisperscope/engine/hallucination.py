"""whisper's `hallucination_silence_threshold`: skip the silence before a likely
hallucination, and drop what follows it (`transcribe`, the word-timestamps branch).

A word is anomalous when it is improbable, very short or very long; a segment is when its
first words are. Such a segment with silence (or more anomalies) on both sides is taken
for a hallucination: the window is cut before it and the next one starts at it. Pure
functions on the window's timed words, in global seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from whisperscope.units import WINDOW_MEL_FRAMES, mel_frames_to_seconds, seconds_to_mel_frames

# whisper's literal: prepend and append punctuations joined (a word that is a substring of
# it is punctuation)
PUNCTUATION = "\"'“¿([{-\"'.。,，!！?？:：”)]}、"


@dataclass(frozen=True)
class TimedPiece:
    """What the rule reads of a word."""

    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class SegmentWords:
    start: float
    end: float
    words: tuple[TimedPiece, ...]


@dataclass(frozen=True)
class HallucinationCut:
    seek: int  # mel frame the next window starts at
    keep: int  # how many of the window's segments to keep
    drop_window: bool  # the whole window is discarded (a hallucination after a silence)


def word_anomaly_score(word: TimedPiece) -> float:
    duration = word.end - word.start
    score = 0.0
    if word.probability < 0.15:
        score += 1.0
    if duration < 0.133:
        score += (0.133 - duration) * 15
    if duration > 2.0:
        score += duration - 2.0
    return score


def is_segment_anomaly(segment: SegmentWords | None) -> bool:
    if segment is None or not segment.words:
        return False
    words = [w for w in segment.words if w.text not in PUNCTUATION][:8]
    score = sum(word_anomaly_score(w) for w in words)
    return score >= 3 or score + 0.01 >= len(words)


def _next_with_words(segments: Sequence[SegmentWords]) -> SegmentWords | None:
    return next((s for s in segments if s.words), None)


def last_word_end(segments: Sequence[SegmentWords]) -> float | None:
    """whisper's `get_end`: the last word's end, else the last segment's."""
    for segment in reversed(segments):
        if segment.words:
            return segment.words[-1].end
    return segments[-1].end if segments else None


def cut_hallucinations(
    segments: Sequence[SegmentWords],
    threshold: float,
    seek: int,
    previous_seek: int,
    segment_size: int,
    single_timestamp_ending: bool,
    last_speech_timestamp: float,
    content_duration: float,
    content_frames: int,
) -> HallucinationCut:
    """Apply the rule to one window. `seek`: where the next window would start (mel
    frames); `previous_seek`: where this one started; `segment_size`: its mel frames."""
    time_offset = mel_frames_to_seconds(previous_seek)
    window_end_time = mel_frames_to_seconds(previous_seek + WINDOW_MEL_FRAMES)
    segment_duration = mel_frames_to_seconds(segment_size)
    if not single_timestamp_ending:
        end = last_word_end(segments)
        if end is not None and end > time_offset:
            remaining_duration = window_end_time - end
            if remaining_duration > threshold:
                seek = seconds_to_mel_frames(end)
            else:
                seek = previous_seek + segment_size

    # if the first segment might be a hallucination, skip the silence before it
    first = _next_with_words(segments)
    if first is not None and is_segment_anomaly(first):
        gap = first.start - time_offset
        if gap > threshold:
            return HallucinationCut(previous_seek + seconds_to_mel_frames(gap), 0, True)

    # skip the silence before any possible hallucination surrounded by silence or more
    # hallucinations
    hal_last_end = last_speech_timestamp
    for i, segment in enumerate(segments):
        if not segment.words:
            continue
        if is_segment_anomaly(segment):
            following = _next_with_words(segments[i + 1:])
            hal_next_start = (following.words[0].start if following is not None
                              else time_offset + segment_duration)
            silence_before = (segment.start - hal_last_end > threshold
                              or segment.start < threshold
                              or segment.start - time_offset < 2.0)
            silence_after = (hal_next_start - segment.end > threshold
                             or is_segment_anomaly(following)
                             or window_end_time - segment.end < 2.0)
            if silence_before and silence_after:
                seek = seconds_to_mel_frames(max(time_offset + 1, segment.start))
                if content_duration - segment.end < threshold:
                    seek = content_frames
                return HallucinationCut(seek, i, False)
        hal_last_end = segment.end
    return HallucinationCut(seek, len(segments), False)

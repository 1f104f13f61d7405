"""whisper's `transcribe` loop rules, as the analyzer follows them: clip ranges, the prompt
carried from window to window, where the next window starts and which segments stay
(hallucination cuts included), and the no-speech check. Pure: no model, no torch."""

from __future__ import annotations

from whisperscope.engine.decoding.window_decoding import DecodedWindow
from whisperscope.engine.hallucination import (
    SegmentWords,
    TimedPiece,
    cut_hallucinations,
    last_word_end,
)
from whisperscope.engine.timing.window import TimedSegment, WindowTiming
from whisperscope.session.model import AnalysisSettings
from whisperscope.units import mel_frames_to_seconds, seconds_to_mel_frames


def _seek_clips(clip_timestamps, content_frames: int) -> list[tuple[int, int]]:
    """whisper's `clip_timestamps` as (start, end) mel frames; an open last end runs to
    the end of the audio."""
    points = [seconds_to_mel_frames(t) for t in clip_timestamps] or [0]
    if len(points) % 2 == 1:
        points.append(content_frames)
    return [(a, min(b, content_frames)) for a, b in zip(points[::2], points[1::2], strict=True)]


class _Prompts:
    """The text fed before each window, as `transcribe` builds it: everything decoded
    since the last reset (a high-temperature window, or condition_on_previous_text off),
    optionally always headed by the initial prompt."""

    def __init__(self, settings: AnalysisSettings, tokenizer, n_text_ctx: int):
        self.settings = settings
        self.initial: list[int] = []
        if settings.initial_prompt is not None:
            self.initial = tokenizer.encode(" " + settings.initial_prompt.strip())
        self.all_tokens = list(self.initial)
        self.reset_since = 0
        self.remaining = n_text_ctx // 2 - 1 - len(self.initial)

    def next(self) -> list[int]:
        if self.settings.carry_initial_prompt:
            ignored = max(len(self.initial), self.reset_since)
            return self.initial + self.all_tokens[ignored:][-self.remaining:]
        return self.all_tokens[self.reset_since:]

    def add(self, segments: list[TimedSegment], decoded: DecodedWindow) -> None:
        for segment in segments:
            first, end = segment.rows
            self.all_tokens.extend(decoded.token_ids[first:end])
        if not self.settings.condition_on_previous_text or decoded.temperature > 0.5:
            self.reset_since = len(self.all_tokens)


def _ends_on_single_timestamp(decoded: DecodedWindow, tokenizer) -> bool:
    """The window's text ends with a lone timestamp: no speech after it (whisper's
    `single_timestamp_ending`)."""
    ids = [t for t in decoded.token_ids if t != tokenizer.eot]
    return [t >= tokenizer.timestamp_begin for t in ids[-2:]] == [False, True]


def _segment_words(timing: WindowTiming, segments) -> list[SegmentWords]:
    by_token = {}
    for word in timing.words:
        by_token[word.tokens[0]] = word
    return [
        SegmentWords(s.start, s.end, tuple(
            TimedPiece(w.text, w.start, w.end, w.probability)
            for i in s.tokens if (w := by_token.get(i)) is not None))
        for s in segments
    ]


def _seek_and_keep(timing, decoded, tokenizer, settings, previous_seek, segment_size,
                   last_speech_timestamp, duration, content_frames):
    """Where the next window starts, which segments stay, and whether the window is
    dropped as a hallucination: `transcribe`'s word-timestamp branch."""
    seek = previous_seek + timing.seek_frames
    kept = list(timing.segments)
    single_ending = _ends_on_single_timestamp(decoded, tokenizer)
    with_words = _segment_words(timing, kept)
    if not single_ending:
        # the window ended mid-segment: start the next one right after the last word
        end = last_word_end(with_words)
        if end is not None and end > mel_frames_to_seconds(previous_seek):
            seek = seconds_to_mel_frames(end)
    threshold = settings.hallucination_silence_threshold
    if threshold is None:
        return seek, kept, False
    cut = cut_hallucinations(with_words, threshold, seek, previous_seek, segment_size,
                             single_ending, last_speech_timestamp, duration, content_frames)
    if cut.drop_window:
        return cut.seek, [], True
    return cut.seek, kept[: cut.keep], False


def _taking_time(segments: list[TimedSegment]) -> list[TimedSegment]:
    """whisper clears a segment that starts where it ends (as one without text, which
    `time_window` leaves out already): it is not shown and feeds no prompt."""
    return [s for s in segments if s.start != s.end]


def _no_speech(decoded: DecodedWindow, settings: AnalysisSettings) -> bool:
    """whisper's no-voice check: likely silence, unless the text is confident enough."""
    if settings.no_speech_threshold is None:
        return False
    if settings.logprob_threshold is not None and decoded.avg_logprob > settings.logprob_threshold:
        return False
    return decoded.no_speech_prob > settings.no_speech_threshold

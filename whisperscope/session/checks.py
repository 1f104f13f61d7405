"""What a session's contents must satisfy before anything is sized, indexed or drawn by
them: a saved session or an autosave is untrusted input (a damaged or hostile file must
give one clear error, not a crash, a huge allocation or a time that sorts nowhere)."""

from __future__ import annotations

import math
from typing import Any

from whisperscope.engine.decoding.options import LARGEST_VOCABULARY, check_settings
from whisperscope.errors import WhisperScopeError
from whisperscope.session.model import Analysis
from whisperscope.units import WINDOW_ENCODER_FRAMES

# What a session may declare, checked before anything is sized by it
MAX_WINDOW_ROWS = 448  # a window's tokens: Whisper's text context
MAX_HEADS = 1024  # alignment heads of a window (large-v3 has 32 layers x 20 heads)
MAX_LAYERS = 1024
MAX_DURATION_S = 100 * 3600.0
MAX_SAMPLE_RATE = 1_000_000
MAX_CHANNELS = 1024
TIME_SLACK_S = 1.0  # a last word may end up to a frame or so past the decoded audio


def check_analysis(analysis: Analysis) -> None:
    """ValueError unless every number is in its range and every index points at something:
    the views index with them, size arrays by them and draw them on one time axis, so a NaN
    time would sort, draw and seek nowhere, and a negative or reversed one break them."""
    audio = analysis.audio
    if not (isinstance(audio.path, str) and isinstance(audio.sha256, str)
            and isinstance(analysis.model.name, str)):
        raise ValueError("the audio's path or checksum, or the model's name, is not text")
    duration = finite(audio.duration)
    if not 0 <= duration <= MAX_DURATION_S:
        raise ValueError(f"the recording's duration {duration!r} s is not 0 to "
                         f"{MAX_DURATION_S / 3600:.0f} hours")
    in_range("the recording's sample rate", audio.sample_rate, 1, MAX_SAMPLE_RATE)
    in_range("the recording's channel count", audio.channels, 1, MAX_CHANNELS)
    model = analysis.model
    in_range("the model's decoder layers", model.n_text_layer, 0, MAX_LAYERS)
    in_range("the model's heads per layer", model.n_text_head, 0, MAX_LAYERS)
    for pair in model.alignment_heads:
        if len(pair) != 2:
            raise ValueError(f"an alignment head is {pair!r}, not [layer, head]")
        in_range("an alignment head's layer", pair[0], 0, MAX_LAYERS)
        in_range("an alignment head's index", pair[1], 0, MAX_LAYERS)
    try:
        check_settings(analysis.settings)
    except WhisperScopeError as error:
        raise ValueError(f"its decoding settings: {error}") from None
    n_windows, n_segments = len(analysis.windows), len(analysis.segments)
    n_words, n_tokens = len(analysis.words), len(analysis.tokens)
    end_of_audio = duration + TIME_SLACK_S
    for kind, items in (("segment", analysis.segments), ("word", analysis.words),
                        ("token", analysis.tokens)):
        for i, item in enumerate(items):
            if not (math.isfinite(item.start) and math.isfinite(item.end)):
                raise ValueError(f"{kind} {i} has a time that is not a number "
                                 f"({item.start}, {item.end})")
            if not 0 <= item.start <= item.end <= end_of_audio:
                raise ValueError(f"{kind} {i} runs from {item.start:g} s to {item.end:g} s: "
                                 f"not an ordered span of the {duration:g} s recording")
    for w in analysis.windows:
        if not 0 <= w.start <= end_of_audio:
            raise ValueError(f"window {w.index} starts at {w.start:g} s, outside the "
                             f"{duration:g} s recording")
    for s in analysis.segments:
        check_indices("segment", s.index, s.words, n_words)
        check_indices("segment", s.index, (s.window,), n_windows)
    for i, w in enumerate(analysis.words):
        check_indices("word", i, w.tokens, n_tokens)
        check_indices("word", i, (w.segment,), n_segments)
    for k in analysis.tokens:
        check_indices("token", k.index, (k.window,), n_windows)
        check_indices("token", k.index, (k.segment,), n_segments)
        if not 0 <= k.row < len(analysis.windows[k.window].token_ids):
            raise ValueError(f"token {k.index} points at row {k.row} of window {k.window}, "
                             "which has fewer rows")


def text_end_of(meta: dict[str, Any]) -> int | None:
    """A window entry's `text_end`: None (or absent, in sessions written before it was
    kept) or a frame of the window."""
    value = meta.get("text_end")
    if value is not None:
        in_range("a window's text end", value, 0, WINDOW_ENCODER_FRAMES)
    return value


def check_window_counts(meta: dict[str, Any]) -> None:
    """A window's declared sizes, before anything is read or allocated for it: whether its
    array is empty or not, the views allocate rows x frames from these."""
    n_frames = meta.get("n_frames")
    in_range("a window's frame count", n_frames, 0, WINDOW_ENCODER_FRAMES)
    for key, most in (("token_ids", MAX_WINDOW_ROWS), ("token_texts", MAX_WINDOW_ROWS),
                      ("text_rows", MAX_WINDOW_ROWS), ("prompt_ids", MAX_WINDOW_ROWS),
                      ("head_ids", MAX_HEADS), ("pass_heads", MAX_HEADS)):
        value = meta.get(key, [])
        if not isinstance(value, list) or len(value) > most:
            raise ValueError(f"a window's {key} is not a list of at most {most}")
    for key in ("token_ids", "prompt_ids"):
        for token in meta.get(key, []):
            in_range(f"a window's {key} entry", token, 0, LARGEST_VOCABULARY - 1)


def in_range(what: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} is {value!r}, not a whole number from {low} to {high}")


def check_indices(kind: str, i: int, indices, n: int) -> None:
    for j in indices:
        if not isinstance(j, int) or isinstance(j, bool) or not 0 <= j < n:
            raise ValueError(f"{kind} {i} points at {j!r}, outside 0..{n - 1}")


def whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def finite(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number

"""From `AnalysisSettings` to whisper's `DecodingOptions`, as `whisper.transcribe` does it.

Checked up front (before a model is loaded), so a bad combination is one clear message,
not a failure in the middle of a recording.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from whisperscope.errors import WhisperScopeError
from whisperscope.session.model import AnalysisSettings

if TYPE_CHECKING:
    from whisper.decoding import DecodingOptions

TASKS = ("transcribe", "translate")


def check_settings(settings: AnalysisSettings) -> None:
    """Raise WhisperScopeError naming the first setting whisper would reject."""
    s = settings
    if s.task not in TASKS:
        raise WhisperScopeError(f"task must be one of {', '.join(TASKS)}, not '{s.task}'")
    if not s.temperatures or any(t < 0 for t in s.temperatures):
        raise WhisperScopeError("temperatures must be one or more numbers >= 0")
    for name in ("beam_size", "best_of", "max_tokens_per_window"):
        value = getattr(s, name)
        if value is not None and value < 1:
            raise WhisperScopeError(f"{name} must be at least 1, not {value}")
    if s.patience is not None:
        if s.beam_size is None:
            raise WhisperScopeError("patience needs beam_size (it is a beam-search option)")
        if round(s.beam_size * s.patience) < 1:
            raise WhisperScopeError(f"patience {s.patience:g} leaves no beam candidates")
    if s.length_penalty is not None and not 0 <= s.length_penalty <= 1:
        raise WhisperScopeError("length_penalty must be between 0 and 1")
    suppress_token_ids(s.suppress_tokens)
    clips = s.clip_timestamps
    pairs = zip(clips[::2], clips[1::2], strict=False)  # an open last clip runs to the end
    if any(t < 0 for t in clips) or any(end <= start for start, end in pairs):
        raise WhisperScopeError("clip_timestamps must be start,end pairs of seconds with "
                                "each end after its start")
    if s.hallucination_silence_threshold is not None and s.hallucination_silence_threshold < 0:
        raise WhisperScopeError("hallucination_silence_threshold must be >= 0 seconds")


def suppress_token_ids(text: str) -> tuple[int, ...]:
    """whisper's `--suppress_tokens` spelling: comma-separated ids, -1 for its default set,
    empty for none."""
    try:
        return tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise WhisperScopeError(f"suppress_tokens must be comma-separated token ids, "
                                f"not '{text}'") from None


def decoding_options(
    settings: AnalysisSettings,
    language: str,
    temperature: float,
    prompt: Sequence[int],
    fp16: bool,
) -> DecodingOptions:
    """The options of one decode at `temperature`. As `transcribe` does, beam search
    (beam_size, patience) applies at temperature 0 only and best_of above it."""
    # Imported here: check_settings runs in the window's process, which never loads torch.
    from whisper.decoding import DecodingOptions

    greedy = temperature == 0
    return DecodingOptions(
        task=settings.task,
        language=language,
        temperature=temperature,
        sample_len=settings.max_tokens_per_window,
        best_of=None if greedy else settings.best_of,
        beam_size=settings.beam_size if greedy else None,
        patience=settings.patience if greedy else None,
        length_penalty=settings.length_penalty,
        prompt=list(prompt),
        prefix=settings.prefix,
        suppress_tokens=list(suppress_token_ids(settings.suppress_tokens)),
        suppress_blank=settings.suppress_blank,
        fp16=fp16,
    )

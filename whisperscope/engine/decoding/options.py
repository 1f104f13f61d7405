"""From `AnalysisSettings` to whisper's `DecodingOptions`, as `whisper.transcribe` does it.

Checked up front (before a model is loaded), so a bad value is one clear message, not a
traceback after the model loaded or a failure in the middle of a recording. The checks are
keyed on the settings' fields (named as whisper names its options), so the command line,
the window's settings dialog and the Python API refuse the same values with the same words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from whisperscope.errors import WhisperScopeError
from whisperscope.session.model import AnalysisSettings

if TYPE_CHECKING:
    from whisper.decoding import DecodingOptions

TASKS = ("transcribe", "translate")
MAX_TEMPERATURE = 10.0  # softmax(logits / 10) is already near uniform: noise, not text
MAX_TEMPERATURES = 50  # decodes of one window; whisper's default fallback makes 6
MAX_BEAMS = 64  # beam_size and best_of: each is a decoder batch row (its kv cache)
MAX_PATIENCE = 100.0
MAX_TOKENS_PER_WINDOW = 448  # the text context of every Whisper model
MAX_THREADS = 1024
LARGEST_VOCABULARY = 51866  # large-v3; tiny.en..medium.en have 51864, the others 51865

# field: (lowest, highest, what it is), each inclusive; None for no bound
_RANGES: dict[str, tuple[float | None, float | None, str]] = {
    "compression_ratio_threshold": (0.0, None, "a gzip compression ratio"),
    "logprob_threshold": (None, 0.0, "an average log-probability (0 or below)"),
    "no_speech_threshold": (0.0, 1.0, "a probability, 0 to 1"),
    "length_penalty": (0.0, 1.0, "between 0 and 1"),
    "patience": (0.0, MAX_PATIENCE, f"above 0, at most {MAX_PATIENCE:g}"),
    "hallucination_silence_threshold": (0.0, None, "seconds, 0 or more"),
}
_COUNTS = {"beam_size": MAX_BEAMS, "best_of": MAX_BEAMS,
           "max_tokens_per_window": MAX_TOKENS_PER_WINDOW}


def check_settings(settings: AnalysisSettings, n_vocab: int | None = None) -> None:
    """Raise WhisperScopeError naming the first setting whisper would reject or that
    makes no sense (NaN, infinite, out of its range); `n_vocab`: the model's vocabulary,
    when it is known, for the suppressed token ids."""
    s = settings
    if s.task not in TASKS:
        raise WhisperScopeError(f"task must be one of {', '.join(TASKS)}, not '{s.task}'")
    _check_temperatures(s.temperatures)
    for name, (low, high, meaning) in _RANGES.items():
        value = getattr(s, name)
        if value is None:
            continue
        # an infinity on an open side keeps whisper's meaning (a logprob threshold of -inf
        # never re-decodes); NaN compares false with everything and means nothing
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or math.isnan(value) or (low is not None and value < low) \
                or (high is not None and value > high) or (name == "patience" and value == 0):
            raise WhisperScopeError(f"{name} must be {meaning}, not {value!r}")
    for name, most in _COUNTS.items():
        value = getattr(s, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= most):
            raise WhisperScopeError(f"{name} must be a whole number from 1 to {most}, "
                                    f"not {value!r}")
    if s.patience is not None:
        if s.beam_size is None:
            raise WhisperScopeError("patience needs beam_size (it is a beam-search option)")
        if round(s.beam_size * s.patience) < 1:
            raise WhisperScopeError(f"patience {s.patience:g} leaves no beam candidates")
    vocabulary = (f"this model's are 0 to {n_vocab - 1}" if n_vocab else
                  f"Whisper's are 0 to {LARGEST_VOCABULARY - 1} at most")
    for token in suppress_token_ids(s.suppress_tokens):
        if token != -1 and not 0 <= token < (n_vocab or LARGEST_VOCABULARY):
            raise WhisperScopeError(f"suppress_tokens: {token} is not a token id "
                                    f"({vocabulary}; -1: whisper's non-speech symbols)")
    clips = s.clip_timestamps
    pairs = zip(clips[::2], clips[1::2], strict=False)  # an open last clip runs to the end
    if any(not math.isfinite(t) or t < 0 for t in clips) \
            or any(end <= start for start, end in pairs):
        raise WhisperScopeError("clip_timestamps must be start,end pairs of seconds with "
                                "each end after its start")


def fallback_temperatures(temperature: float, increment: float | None
                          ) -> tuple[float, ...]:
    """whisper's temperatures from `--temperature` and `--temperature_increment_on_fallback`
    (`np.arange(t, 1.0 + 1e-6, increment)`), checked before any list is made: an increment
    of 1e-12 would ask for a trillion decodes of every window."""
    _check_temperatures((temperature,))
    if increment is None:
        return (temperature,)
    if isinstance(increment, bool) or not math.isfinite(increment) or increment <= 0:
        raise WhisperScopeError("temperature_increment_on_fallback must be above 0 (NONE: no "
                                f"fallback), not {increment!r}")
    count = math.floor((1.0 + 1e-6 - temperature) / increment) + 1 if temperature <= 1 else 1
    if count > MAX_TEMPERATURES:
        raise WhisperScopeError(
            f"temperature_increment_on_fallback {increment:g} makes {count:,} temperatures "
            f"from {temperature:g} to 1; at most {MAX_TEMPERATURES} (whisper's 0.2 makes 6)")
    temperatures = tuple(round(temperature + i * increment, 6) for i in range(count))
    return tuple(t for t in temperatures if t <= 1.0 + 1e-6) or (temperature,)


def check_threads(threads: int) -> None:
    """Torch threads: 0 leaves torch's default; negative or absurd counts are refused."""
    if isinstance(threads, bool) or not isinstance(threads, int) \
            or not 0 <= threads <= MAX_THREADS:
        raise WhisperScopeError(f"threads must be a whole number from 0 (torch's default) to "
                                f"{MAX_THREADS}, not {threads!r}")


def _check_temperatures(temperatures: Sequence[float]) -> None:
    if not temperatures or len(temperatures) > MAX_TEMPERATURES:
        raise WhisperScopeError(f"temperatures must be 1 to {MAX_TEMPERATURES} numbers")
    for t in temperatures:
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) \
                or not 0 <= t <= MAX_TEMPERATURE:
            raise WhisperScopeError(f"temperature must be from 0 (greedy) to "
                                    f"{MAX_TEMPERATURE:g}, not {t!r}")


def suppress_token_ids(text: str) -> tuple[int, ...]:
    """whisper's `--suppress_tokens` spelling: comma-separated ids, -1 for its default set,
    empty for none."""
    try:
        return tuple(int(t) for t in text.split(",") if t.strip())
    except (ValueError, AttributeError):
        raise WhisperScopeError(f"suppress_tokens must be comma-separated token ids, "
                                f"not {text!r}") from None


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

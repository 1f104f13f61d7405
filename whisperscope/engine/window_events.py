"""One window's decoding as engine events: whisper's temperature fallback, and the token
events the views draw (the decoding's rows, or a forced transcript's in their place)."""

from __future__ import annotations

import torch

from whisperscope.engine.decoding.options import decoding_options
from whisperscope.engine.decoding.window_decoding import (
    DecodedWindow,
    GeneratedToken,
    HypothesisSwitched,
    decode_window,
)
from whisperscope.engine.events import (
    HypothesisChanged,
    TokenDecoded,
    WindowRetried,
    WindowStarted,
)
from whisperscope.engine.window_record import token_text
from whisperscope.errors import WhisperScopeError
from whisperscope.session.model import AnalysisSettings

UNSPACED_LANGUAGES = {"zh", "ja", "th", "lo", "my", "yue"}  # as Tokenizer.split_to_word_tokens


def forced_rows(decoded: DecodedWindow, tokenizer, window, window_start, n_frames):
    """Events that replace a window's decoded rows by a forced transcript's: the decoding
    that found the window's share of the text is void, the transcript's pieces follow."""
    yield WindowRetried(window, "aligning the given transcript", 0.0)
    yield WindowStarted(window, window_start, n_frames, 0.0)
    for row, token_id in enumerate(decoded.token_ids):
        yield _token_decoded(tokenizer, window, window_start, row, token_id,
                             decoded.probabilities[row], decoded.attention[:, row])


def decode_with_fallback(decoder, tokenizer, settings, prompt, head_ids, n_frames, window,
                         window_start, cancel):
    """Decode one window as whisper's `transcribe` does, at each temperature in turn until
    the text passes its checks, yielding the events the views draw; returns the decoding
    kept."""
    decoded: DecodedWindow | None = None
    fp16 = decoder.dtype == torch.float16
    for attempt, temperature in enumerate(settings.temperatures):
        if attempt:
            yield WindowRetried(window, _fallback_reason(decoded, settings), temperature)
        yield WindowStarted(window, window_start, n_frames, temperature)
        options = decoding_options(settings, tokenizer.language, temperature, prompt, fp16)
        steps = decode_window(decoder, options, head_ids, n_frames, cancel,
                              seed=sample_seed(window, attempt, len(settings.temperatures)))
        while True:
            try:
                step = next(steps)
            except StopIteration as stop:
                decoded = stop.value
                break
            except ValueError as error:  # an option whisper rejects
                raise WhisperScopeError(str(error)) from None
            if isinstance(step, HypothesisSwitched):
                yield HypothesisChanged(window, tuple(
                    _token_event(tokenizer, window, window_start, row) for row in step.tokens))
            else:
                yield _token_event(tokenizer, window, window_start, step)
        if not _needs_fallback(decoded, settings):
            break
    return decoded


def sample_seed(window: int, attempt: int, attempts: int) -> int:
    """The seed of a window's sampled decode: one per window and fallback attempt, so a run
    gives the same text every time (whisper draws from torch's global generator) and each
    re-decode of a window draws afresh, as whisper's do (one seed per window would repeat
    the draws that just failed, only at another temperature)."""
    return window * attempts + attempt


def _token_event(tokenizer, window: int, window_start: float, row: GeneratedToken):
    return _token_decoded(tokenizer, window, window_start, row.row, row.token_id,
                          row.probability, row.attention)


def _token_decoded(tokenizer, window, window_start, row, token_id, probability, attention):
    """The event for one token, with what the views need to know of it."""
    text = token_text(tokenizer, token_id)
    return TokenDecoded(
        window=window, row=row, token_id=token_id, text=text, probability=probability,
        is_timestamp=token_id >= tokenizer.timestamp_begin, window_start=window_start,
        attention=attention, is_special=token_id >= tokenizer.eot,
        starts_word=_starts_word(tokenizer, text))


def _needs_fallback(decoded: DecodedWindow, settings: AnalysisSettings) -> bool:
    """whisper's rule: too repetitive or too unsure, unless it is silence."""
    s = settings
    low_logprob = s.logprob_threshold is not None and decoded.avg_logprob < s.logprob_threshold
    if s.no_speech_threshold is not None and decoded.no_speech_prob > s.no_speech_threshold \
            and low_logprob:
        return False  # silence
    repetitive = (s.compression_ratio_threshold is not None
                  and decoded.compression_ratio > s.compression_ratio_threshold)
    return repetitive or low_logprob


def _fallback_reason(decoded: DecodedWindow, settings: AnalysisSettings) -> str:
    threshold = settings.compression_ratio_threshold
    if threshold is not None and decoded.compression_ratio > threshold:
        return f"too repetitive (compression ratio {decoded.compression_ratio:.2f})"
    return f"low confidence (average log-probability {decoded.avg_logprob:.2f})"


def _starts_word(tokenizer, text: str) -> bool:
    """Whether a text token opens a new word, as the tokenizer splits words: at a leading
    space, or at every token in languages written without spaces."""
    return text.startswith(" ") or tokenizer.language in UNSPACED_LANGUAGES

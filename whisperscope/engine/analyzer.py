"""Analyse a whole recording window by window, yielding events as tokens are generated.

The outer loop is openai-whisper's `transcribe`: 30 s windows on one global timeline, each
decoded greedily with temperature fallback, the next window starting after the last word
(or last timestamp) of the previous one, the previous text fed as prompt. Memory stays
bounded by keeping only the alignment heads' attention, in float16, cut to the frames that
hold audio: about 2 bytes x heads x 1500 frames per token, roughly 25 KB per token or
250 MB per hour of dense speech for tiny.en/base (8 heads), plus the log-mel (115 MB/hour).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import torch
from whisper.audio import HOP_LENGTH, N_FRAMES, SAMPLE_RATE
from whisper.tokenizer import LANGUAGES, get_tokenizer

from whisperscope.audio.spectrogram import whisper_input_mel
from whisperscope.engine.alignment import (
    AlignmentOptions,
    encoder_frames,
    mel_level_db,
    next_sound,
    voiced_frames,
)
from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.decoder import CachedDecoder
from whisperscope.engine.events import (
    AnalysisStarted,
    EngineEvent,
    Failed,
    Finished,
    Progress,
    TokenDecoded,
    WindowDone,
    WindowRetried,
    WindowStarted,
)
from whisperscope.engine.models import LoadedModel
from whisperscope.engine.timing import WindowTiming, time_window
from whisperscope.engine.window_decoding import DecodedWindow, decode_window
from whisperscope.errors import AnalysisCancelled, AudioError, ModelError, WhisperScopeError
from whisperscope.session.model import (
    Analysis,
    AnalysisSettings,
    Segment,
    TokenTiming,
    WindowAttention,
    Word,
)

if TYPE_CHECKING:
    from whisperscope.audio.loader import LoadedAudio

log = logging.getLogger(__name__)
FRAMES_PER_SECOND = SAMPLE_RATE // HOP_LENGTH  # mel frames: 100 per second
SKIP_SILENCE_FRAMES = 150  # a window opening on more silence than this skips it...
LEAD_IN_FRAMES = 40  # ...up to this much before the next sound
TAIL_FRAMES = 30  # sound this short at a window's start is the end of the previous word
UNSPACED_LANGUAGES = {"zh", "ja", "th", "lo", "my", "yue"}  # as Tokenizer.split_to_word_tokens


def analyze(
    audio: LoadedAudio,
    model: LoadedModel,
    settings: AnalysisSettings = AnalysisSettings(),
    cancel: CancelToken | None = None,
    alignment: AlignmentOptions = AlignmentOptions(),
    mel: np.ndarray | None = None,
) -> Iterator[EngineEvent]:
    """Yield AnalysisStarted, then per window WindowStarted, TokenDecoded..., WindowDone,
    Progress; and finally Finished(analysis), or Failed if anything went wrong.

    `mel`: the recording's padded log-mel if the caller already has it (see
    `audio.spectrogram.whisper_input_mel`); it is used when its band count fits the model."""
    # no autograd: frozen parameters build no graph (a grad-mode context would leak into
    # the consumer's code while this generator is suspended at a yield)
    model.model.requires_grad_(False)
    try:
        yield from _run(audio, model, settings, cancel or CancelToken(), alignment, mel)
    except AnalysisCancelled:
        yield Failed("Analysis cancelled.", "cancelled")
    except torch.cuda.OutOfMemoryError:
        yield Failed(
            f"The GPU ran out of memory running {model.info.name}; try the CPU or a smaller "
            "model.", "out_of_memory")
    except AudioError as error:
        yield Failed(str(error), "audio")
    except ModelError as error:
        yield Failed(str(error), "model")
    except WhisperScopeError as error:
        yield Failed(str(error), "internal")


def _run(audio, model: LoadedModel, settings, cancel, alignment, mel) -> Iterator[EngineEvent]:
    started = time.monotonic()
    whisper_model = model.model
    dims = whisper_model.dims
    mel = torch.from_numpy(whisper_input_mel(audio.samples, dims.n_mels, reuse=mel))
    content_frames = mel.shape[-1] - N_FRAMES
    duration = content_frames / FRAMES_PER_SECOND
    yield AnalysisStarted(duration, max(1, int(np.ceil(content_frames / N_FRAMES))), model.info)

    dtype = torch.float16 if model.info.dtype == "float16" else torch.float32
    language = _language(settings, model, mel, dtype)
    tokenizer = get_tokenizer(
        whisper_model.is_multilingual,
        num_languages=whisper_model.num_languages,
        language=language,
        task=settings.task,
    )
    analysis = Analysis(audio.info(), model.info, settings, language=language)
    head_ids = model.alignment_heads
    prompt: list[int] = []
    if settings.initial_prompt:
        prompt = tokenizer.encode(" " + settings.initial_prompt.strip())

    # which 10 ms frames hold sound, judged on the whole recording's levels
    voiced_10ms = voiced_frames(mel_level_db(mel[:, :content_frames].numpy()), alignment.silence_db)
    seek, window = 0, 0
    while seek < content_frames:
        cancel.raise_if_cancelled()
        seek = _skip_silence(voiced_10ms, seek)
        if seek >= content_frames:
            break
        segment_size = min(N_FRAMES, content_frames - seek)
        window_start = seek / FRAMES_PER_SECOND
        mel_window = _pad_or_trim(mel[:, seek: seek + segment_size]).to(whisper_model.device)
        n_frames = max(1, segment_size // 2)
        features = whisper_model.encoder(mel_window[None].to(dtype))
        decoder = CachedDecoder(whisper_model, features)

        decoded = yield from _decode_with_fallback(
            decoder, tokenizer, prompt, settings, head_ids, n_frames, window, window_start,
            cancel)
        skip = (decoded.no_speech_prob > settings.no_speech_threshold
                and decoded.avg_logprob <= settings.logprob_threshold)
        if skip:
            timing = WindowTiming((), (), (), segment_size)
        else:
            voiced = encoder_frames(voiced_10ms[seek: seek + segment_size])
            timing = time_window(decoded, tokenizer, window_start, segment_size, voiced, alignment)
        done = _record_window(analysis, window, window_start, n_frames, decoded, timing,
                              tokenizer, head_ids, skip)
        yield done

        advance = timing.seek_frames
        if timing.words and advance < segment_size:
            # start the next window right after the last word, as transcribe() does
            last_end = timing.words[-1].end
            if last_end > window_start:
                advance = round(last_end * FRAMES_PER_SECOND) - seek
        seek += max(advance, 1)
        if not skip:
            prompt += list(timing.context_ids)
            if not settings.condition_on_previous_text or decoded.temperature > 0.5:
                prompt = []
        window += 1
        yield Progress(min(seek, content_frames) / FRAMES_PER_SECOND, duration,
                       time.monotonic() - started)

    analysis.elapsed = time.monotonic() - started
    yield Progress(duration, duration, analysis.elapsed)
    yield Finished(analysis)


def _skip_silence(voiced: np.ndarray, seek: int) -> int:
    """Start the window shortly before the next sound. Whisper may not place its first
    timestamp later than 1 s into a window, so a window that opens on a long silence makes
    it invent speech at the start; skipping the silence keeps the next onset right."""
    # the window may open on the fading end of the previous word: step over it
    tail_end, limit = seek, min(seek + TAIL_FRAMES, len(voiced))
    while tail_end < limit and voiced[tail_end]:
        tail_end += 1
    if tail_end < len(voiced) and voiced[tail_end]:
        return seek  # sound goes on: no pause here
    onset = next_sound(voiced, tail_end)
    if onset >= len(voiced):
        return onset  # only silence is left
    if onset - tail_end > SKIP_SILENCE_FRAMES:
        return onset - LEAD_IN_FRAMES
    return seek


def _decode_with_fallback(decoder, tokenizer, prompt, settings, head_ids, n_frames, window,
                          window_start, cancel):
    decoded: DecodedWindow | None = None
    temperatures = settings.temperatures or (0.0,)
    for attempt, temperature in enumerate(temperatures):
        if attempt:
            reason = _fallback_reason(decoded, settings)
            yield WindowRetried(window, reason, temperature)
        yield WindowStarted(window, window_start, n_frames, temperature)
        steps = decode_window(decoder, tokenizer, prompt, temperature, head_ids, n_frames,
                              cancel, settings.max_tokens_per_window, seed=window)
        while True:
            try:
                step = next(steps)
            except StopIteration as stop:
                decoded = stop.value
                break
            text = _token_text(tokenizer, step.token_id)
            yield TokenDecoded(
                window=window, row=step.row, token_id=step.token_id,
                text=text, probability=step.probability,
                is_timestamp=step.token_id >= tokenizer.timestamp_begin,
                window_start=window_start, attention=step.attention,
                is_special=step.token_id >= tokenizer.eot,
                starts_word=_starts_word(tokenizer, text))
        if not _needs_fallback(decoded, settings):
            break
    return decoded


def _needs_fallback(decoded: DecodedWindow, settings: AnalysisSettings) -> bool:
    silence = (decoded.no_speech_prob > settings.no_speech_threshold
               and decoded.avg_logprob < settings.logprob_threshold)
    if silence:
        return False
    return (decoded.compression_ratio > settings.compression_ratio_threshold
            or decoded.avg_logprob < settings.logprob_threshold)


def _fallback_reason(decoded: DecodedWindow, settings: AnalysisSettings) -> str:
    if decoded.compression_ratio > settings.compression_ratio_threshold:
        return f"too repetitive (compression ratio {decoded.compression_ratio:.2f})"
    return f"low confidence (average log-probability {decoded.avg_logprob:.2f})"


def _starts_word(tokenizer, text: str) -> bool:
    """Whether a text token opens a new word, as the tokenizer splits words: at a leading
    space, or at every token in languages written without spaces."""
    return text.startswith(" ") or tokenizer.language in UNSPACED_LANGUAGES


def _token_text(tokenizer, token_id: int) -> str:
    """Text tokens as they read; special and timestamp tokens as <|endoftext|>, <|1.00|>."""
    if token_id >= tokenizer.eot:
        return tokenizer.decode_with_timestamps([token_id])
    return tokenizer.decode([token_id])


def _pad_or_trim(mel: torch.Tensor) -> torch.Tensor:
    if mel.shape[-1] >= N_FRAMES:
        return mel[:, :N_FRAMES]
    return torch.nn.functional.pad(mel, (0, N_FRAMES - mel.shape[-1]))


def _language(settings: AnalysisSettings, model: LoadedModel, mel, dtype) -> str:
    if not model.model.is_multilingual:
        if settings.language not in (None, "en", "english"):
            raise ModelError(
                f"{model.info.name} is English-only; choose a multilingual model (base) "
                f"for language '{settings.language}'")
        return "en"
    if settings.language:
        code = settings.language.lower()
        if code not in LANGUAGES:
            by_name = {name: c for c, name in LANGUAGES.items()}
            if code not in by_name:
                raise WhisperScopeError(f"unknown language '{settings.language}'")
            code = by_name[code]
        return code
    segment = _pad_or_trim(mel[:, :N_FRAMES]).to(model.model.device).to(dtype)
    _, probs = model.model.detect_language(segment)
    return max(probs, key=probs.get)


def _record_window(analysis: Analysis, window, window_start, n_frames,
                   decoded: DecodedWindow, timing: WindowTiming, tokenizer, head_ids,
                   skipped) -> WindowDone:
    """Append the window's results to the analysis with global indices; build the event."""
    token_base, word_base, segment_base = (
        len(analysis.tokens), len(analysis.words), len(analysis.segments))
    attention = WindowAttention(
        index=window,
        start=window_start,
        n_frames=n_frames,
        token_ids=np.array(decoded.token_ids, dtype=np.int64),
        token_texts=tuple(_token_text(tokenizer, t) for t in decoded.token_ids),
        heads=decoded.attention.astype(np.float16),
        head_ids=tuple(head_ids),
        text_rows=np.array([t.row for t in timing.tokens], dtype=np.int64),
        prompt_ids=np.array(decoded.prompt_ids, dtype=np.int64),
    )
    # tokens outside any kept segment (e.g. blank ones) are dropped with their segment
    segment_map = {}
    for local, seg in enumerate(timing.segments):
        segment_map.update({i: segment_base + local for i in seg.tokens})
    kept = [i for i in range(len(timing.tokens)) if i in segment_map]
    token_index = {local: token_base + n for n, local in enumerate(kept)}
    tokens = [
        TokenTiming(index=token_index[i], token_id=t.token_id, text=t.text, start=t.start,
                    end=t.end, probability=t.probability, window=window, row=t.row,
                    segment=segment_map[i])
        for i, t in ((i, timing.tokens[i]) for i in kept)
    ]
    words = []
    for w in timing.words:
        indices = tuple(token_index[i] for i in w.tokens if i in token_index)
        if not indices:
            continue
        words.append(Word(text=w.text, start=w.start, end=w.end, probability=w.probability,
                          tokens=indices, segment=tokens[indices[0] - token_base].segment))
    segments = []
    for local, seg in enumerate(timing.segments):
        index = segment_base + local
        members = tuple(word_base + n for n, w in enumerate(words) if w.segment == index)
        segments.append(Segment(
            index=index, start=seg.start, end=seg.end, text=seg.text, words=members,
            window=window, avg_logprob=decoded.avg_logprob,
            no_speech_prob=decoded.no_speech_prob, temperature=decoded.temperature,
            compression_ratio=decoded.compression_ratio))
    analysis.windows.append(attention)
    analysis.tokens.extend(tokens)
    analysis.words.extend(words)
    analysis.segments.extend(segments)
    return WindowDone(window, attention, tuple(segments), tuple(words), tuple(tokens), skipped)

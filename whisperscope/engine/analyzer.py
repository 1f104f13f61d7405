"""Analyse a whole recording window by window, yielding events as tokens are generated.

The outer loop is openai-whisper's `transcribe` with word timestamps: 30 s windows on one
global timeline (within `clip_timestamps`), each decoded with temperature fallback, the
next window starting after the last word (or last timestamp) of the previous one, the
previous text fed as prompt. One deliberate difference: a window opening on a long silence
starts shortly before the next sound (`silence_skip.skip_silence`). Memory stays bounded by keeping
only the alignment heads' attention, in float16, cut to the frames that hold audio: about
2 bytes x heads x 1500 frames per token, roughly 25 KB per token or 250 MB per hour of
dense speech for tiny.en/base (8 heads), plus the log-mel (115 MB/hour).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from whisper.tokenizer import LANGUAGES, get_tokenizer

from whisperscope.audio.spectrogram import whisper_input_mel
from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.decoding.decoder import CachedDecoder
from whisperscope.engine.decoding.options import check_settings
from whisperscope.engine.events import (
    AnalysisStarted,
    EngineEvent,
    Failed,
    Finished,
    Progress,
)
from whisperscope.engine.hallucination import last_word_end
from whisperscope.engine.heap import give_back_freed_memory
from whisperscope.engine.models import LoadedModel
from whisperscope.engine.plausibility import implausible_words
from whisperscope.engine.silence_skip import skip_silence, skippable_silence
from whisperscope.engine.timing.anchors import (
    AnchorWord,
    anchored_share,
    anchors_in,
    match_anchors,
    speech_clock,
)
from whisperscope.engine.timing.forced_pass import opening_frame, run_alignment_pass
from whisperscope.engine.timing.forced_window import force_words
from whisperscope.engine.timing.hearing import hears_silence, silence_level, silence_padded
from whisperscope.engine.timing.island_division import island_timing, share_before_pause
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.engine.timing.pass_frames import pass_heads
from whisperscope.engine.timing.spectral_edges import spectral_change
from whisperscope.engine.timing.spelling import spell
from whisperscope.engine.timing.transcript import check_length, transcript_words, window_share
from whisperscope.engine.timing.voicing import encoder_frames, mel_level_db, voiced_frames
from whisperscope.engine.timing.window import (
    TimedSegment,
    WindowTiming,
    decoded_words,
    pair_end_frame,
    time_window,
)
from whisperscope.engine.transcribe_rules import (
    _no_speech,
    _Prompts,
    _seek_and_keep,
    _seek_clips,
    _segment_words,
    _taking_time,
)
from whisperscope.engine.window_events import decode_with_fallback, forced_rows
from whisperscope.engine.window_record import record_window
from whisperscope.errors import AnalysisCancelled, AudioError, ModelError, WhisperScopeError
from whisperscope.session.model import (
    Analysis,
    AnalysisSettings,
)
from whisperscope.units import (
    WINDOW_MEL_FRAMES,
    mel_frames_to_seconds,
    mel_to_encoder_frames,
)

if TYPE_CHECKING:
    from whisperscope.audio.loader import LoadedAudio

log = logging.getLogger(__name__)


def analyze(
    audio: LoadedAudio,
    model: LoadedModel,
    settings: AnalysisSettings = AnalysisSettings(),
    cancel: CancelToken | None = None,
    alignment: AlignmentOptions = AlignmentOptions(),
    mel: np.ndarray | None = None,
    transcript: str | None = None,
    keep_attention: bool = True,
    anchors: Sequence[AnchorWord] = (),
) -> Iterator[EngineEvent]:
    """Yield AnalysisStarted, then per window WindowStarted, TokenDecoded... (and, with beam
    search or best-of, HypothesisChanged), WindowDone, Progress; and finally
    Finished(analysis), or Failed if anything went wrong.

    `mel`: the recording's padded log-mel if the caller already has it (see
    `audio.spectrogram.whisper_input_mel`); it is used when its band count fits the model.
    `transcript`: the known text of the recording; its words are timed instead of the
    decoded ones (engine/timing/transcript.py says how they are spread over the windows).
    `anchors`: words whose times the user fixed (timing/anchors.py), found among the
    words being timed by their text, in order: they keep those times exactly and the other
    words are timed between them.
    `keep_attention=False`: the Analysis keeps no attention arrays (its windows keep their
    shapes), each WindowDone still carries its window's: for a run whose output reads none
    (text formats) or whose events take them elsewhere (the engine's process). An hour of
    base's is ~300 MB.
    No autograd: every forward pass runs under its own `torch.no_grad()`, so the caller's
    grad mode is untouched while this generator is suspended at a yield."""
    try:
        check_settings(settings, model.model.dims.n_vocab)
        events = _run(audio, model, settings, cancel or CancelToken(), alignment, mel,
                      transcript, keep_attention, tuple(anchors))
        yield from _with_warnings(events, audio)
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
    except RuntimeError as error:  # torch.multinomial on NaN probabilities, for one
        if not _non_finite(error):
            raise
        yield Failed(_corrupt_model_message(model), "model")


def _non_finite(error: RuntimeError) -> bool:
    text = str(error).lower()
    return "nan" in text or "inf" in text


def _corrupt_model_message(model: LoadedModel) -> str:
    return (f"{model.info.name} computed values that are not finite numbers (NaN or "
            f"infinity): its weights are probably corrupt ({model.info.source}). Reinstall or "
            "re-download the model.")


def _with_warnings(events: Iterator[EngineEvent], audio) -> Iterator[EngineEvent]:
    """The events, the finished analysis carrying the audio's warnings (a truncated file,
    clipping) and a warning for words the audio is too short to hold."""
    for event in events:
        if isinstance(event, Finished):
            analysis = event.analysis
            analysis.warnings[:0] = audio.warnings
            suspect = implausible_words(analysis.audio.duration, len(analysis.words),
                                        f"'{Path(analysis.audio.path).name}'")
            if suspect:
                analysis.warnings.append(suspect)
        yield event


def _run(audio, model: LoadedModel, settings, cancel, alignment, mel,
         transcript, keep_attention, anchors=()) -> Iterator[EngineEvent]:
    started = time.monotonic()
    whisper_model = model.model
    dims = whisper_model.dims
    mel = torch.from_numpy(whisper_input_mel(audio.samples, dims.n_mels, reuse=mel))
    content_frames = mel.shape[-1] - WINDOW_MEL_FRAMES
    duration = mel_frames_to_seconds(content_frames)
    clips = _seek_clips(settings.clip_timestamps, content_frames)
    remaining = None  # the transcript's words not yet placed
    held: list = []  # their anchors, word by word
    placed_anchor = None  # the latest anchored time of the words placed so far
    # which 10 ms frames hold sound, judged on the whole recording's levels (for timing),
    # and the stricter test of which may be skipped undecoded
    level_db = mel_level_db(mel[:, :content_frames].numpy())
    voiced_10ms = voiced_frames(level_db, alignment.silence_db)
    change_10ms = (spectral_change(mel[:, :content_frames].numpy())
                   if alignment.spectral_edges else None)
    audible_10ms = ~skippable_silence(level_db)
    # where the anchors' words are: among the speech, not the pauses
    clock = speech_clock(voiced_10ms) if anchors else None
    if transcript is not None:
        remaining = transcript_words(transcript)
        check_length(remaining, duration)
        held = match_anchors(remaining, anchors, clock)
    yield AnalysisStarted(duration, max(1, int(np.ceil(content_frames / WINDOW_MEL_FRAMES))),
                          model.info)

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
    prompts = _Prompts(settings, tokenizer, dims.n_text_ctx)
    last_speech_timestamp = 0.0

    silence = silence_level(mel)
    window = 0
    for clip_start, clip_end in clips:
        seek = clip_start
        while seek < clip_end:
            cancel.raise_if_cancelled()
            seek = skip_silence(audible_10ms, seek)
            if seek >= clip_end:
                break
            previous_seek = seek
            segment_size = min(WINDOW_MEL_FRAMES, content_frames - seek, clip_end - seek)
            window_start = mel_frames_to_seconds(seek)
            mel_window = _pad_or_trim(mel[:, seek: seek + segment_size]).to(whisper_model.device)
            n_frames = max(1, mel_to_encoder_frames(segment_size))
            voiced = encoder_frames(voiced_10ms[seek: seek + segment_size])
            change = None if change_10ms is None else change_10ms[seek: seek + segment_size - 1]
            opening = opening_frame(voiced, alignment.opening_timestamp)
            with torch.no_grad():
                features = whisper_model.encoder(mel_window[None].to(dtype))
            if not torch.isfinite(features).all():  # corrupt weights: fail now, not after minutes
                raise ModelError(_corrupt_model_message(model))
            decoder = CachedDecoder(whisper_model, features)
            hearing = _TimingDecoder(whisper_model, mel, seek, segment_size, silence, dtype,
                                     decoder, alignment)

            decoded = yield from decode_with_fallback(
                decoder, tokenizer, settings, prompts.next(), head_ids, n_frames, window,
                window_start, cancel)
            skipped = _no_speech(decoded, settings)
            # where the decoding stopped the text at a timestamp pair, leaving the rest of
            # the audio to the next window (kept with the window: realign.py reads it)
            text_end = pair_end_frame(decoded.token_ids, tokenizer)
            if skipped:
                timing = WindowTiming((), (), (), segment_size)
                kept: list[TimedSegment] = []
                seek = previous_seek + segment_size
            else:
                aligned = _alignment_pass(hearing.decoder(), decoded, tokenizer, segment_size,
                                          n_frames, alignment,
                                          pass_heads(alignment, head_ids, voiced), opening)
                here = () if remaining is not None or not anchors else tuple(match_anchors(
                    decoded_words(decoded, tokenizer, segment_size), anchors_in(
                        anchors, window_start,
                        window_start + mel_frames_to_seconds(segment_size)), clock))
                islands = island_timing(hearing.decoder(), tokenizer, aligned, voiced,
                                        alignment, head_ids, opening, here, window_start,
                                        text_stops_early=text_end is not None)
                timing = time_window(decoded, tokenizer, window_start, segment_size, voiced,
                                     alignment, islands.aligned, tuple(head_ids),
                                     islands=islands.parts, anchors=here, change=change)
                seek, kept, skipped = _seek_and_keep(
                    timing, decoded, tokenizer, settings, previous_seek, segment_size,
                    last_speech_timestamp, duration, content_frames)
                if not skipped:
                    end = last_word_end(_segment_words(timing, kept))
                    if end is not None:
                        last_speech_timestamp = end
                    kept = _taking_time(kept)
            given = remaining is not None
            # what the next window is prompted with: the decoding's own segments, with their
            # timestamps, also when a transcript is forced in its place (prompted with the
            # forced text, which has none, tiny.en stopped timestamping the next window, so
            # its last word ran on to the window's end and the seek skipped speech)
            prompt_source = (kept, decoded)
            if given:
                # the decoding found where the window's speech is; its share of the
                # transcript is forced in its place
                heard = [] if skipped else [w.text for w in timing.words]
                # the last window with sound takes the rest: no word is left unplaced
                last = (seek >= content_frames
                        or skip_silence(audible_10ms, seek) >= content_frames)
                share = window_share(heard, remaining, last).n_words
                if not last and share and alignment.islands:
                    share = share_before_pause(
                        hearing.decoder(), tokenizer, remaining, share,
                        mel_to_encoder_frames(seek - previous_seek), voiced, n_frames)
                if not last:  # the user's anchors say which words this window holds
                    share = anchored_share(
                        share, held, window_start + mel_frames_to_seconds(segment_size))
                words_here, remaining = remaining[:share], remaining[share:]
                anchors_here, held = tuple(held[:share]), held[share:]
                # the windows before and after hold anchors too: they bound these words
                bounds = (placed_anchor, next((a.start if a.start is not None else a.end
                                               for a in held if a is not None), None))
                placed_anchor = next((t for a in reversed(anchors_here) if a is not None
                                      for t in (a.end, a.start) if t is not None),
                                     placed_anchor)
                skipped = not words_here
                if skipped:
                    timing, kept = WindowTiming((), (), (), segment_size), []
                else:
                    forced = force_words(hearing.decoder(), tokenizer, words_here, head_ids,
                                         n_frames,
                                         decoded.no_speech_prob, alignment.alignment_units,
                                         pass_heads(alignment, head_ids, voiced), opening)
                    yield from forced_rows(forced.decoded, tokenizer, window, window_start,
                                            n_frames)
                    # the decoding stopped its text at a pair, leaving the rest to the next
                    # window: the forced share ends there too (the last window takes all
                    # the words left, wherever they are)
                    text_end = None if last else text_end
                    decoded = forced.decoded
                    islands = island_timing(hearing.decoder(), tokenizer, forced.timing_pass,
                                            voiced, alignment, head_ids, opening, anchors_here,
                                            window_start, bounds, text_end is not None)
                    timing = time_window(decoded, tokenizer, window_start, segment_size,
                                         voiced, alignment, islands.aligned, tuple(head_ids),
                                         forced.words, text_end, islands.parts, anchors_here,
                                         bounds, change)
                    kept = list(timing.segments)
            if not skipped:
                prompts.add(*prompt_source)
            done = record_window(analysis, window, window_start, n_frames, decoded,
                                  replace(timing, segments=tuple(kept)), tokenizer, head_ids,
                                  skipped, flag_unaligned=given, keep_attention=keep_attention,
                                  text_end=None if skipped else text_end)
            yield done
            # this window's decoder (its key/value caches, one per beam) and alignment pass
            # go before the next one's are made, and the pages they freed with them
            decoder = aligned = islands = features = hearing = None
            give_back_freed_memory()
            seek = max(seek, previous_seek + 1)  # always move on
            window += 1
            yield Progress(mel_frames_to_seconds(min(seek, content_frames)), duration,
                           time.monotonic() - started)

    analysis.elapsed = time.monotonic() - started
    yield Progress(duration, duration, analysis.elapsed)
    yield Finished(analysis)


class _TimingDecoder:
    """The decoder the timing passes use, made when first asked for: the decoding's own,
    or for a short window one over the window padded with silence (timing/hearing.py)."""

    def __init__(self, whisper_model, mel, seek, segment_size, silence, dtype, decoder,
                 alignment: AlignmentOptions):
        self._made = (None if hears_silence(segment_size, alignment.silence_padding)
                      else decoder)
        self._make = (whisper_model, mel, seek, segment_size, silence, dtype)

    def decoder(self) -> CachedDecoder:
        if self._made is None:
            whisper_model, mel, seek, size, silence, dtype = self._make
            window = silence_padded(mel[:, seek: seek + size], silence)
            with torch.no_grad():
                features = whisper_model.encoder(window[None].to(whisper_model.device, dtype))
            self._made = CachedDecoder(whisper_model, features)
        return self._made


def _alignment_pass(decoder, decoded, tokenizer, segment_size, n_frames, alignment, heads,
                    starts_at):
    """The teacher-forced pass over the decoded words that times them, when it is on."""
    if not alignment.alignment_pass:
        return None
    words = decoded_words(decoded, tokenizer, segment_size)
    if not words:
        return None
    units = spell(tokenizer, words, alignment.alignment_units)
    try:
        return run_alignment_pass(decoder, tokenizer, units, n_frames, heads, logprobs=False,
                                  starts_at=starts_at)
    except ValueError as error:  # a word longer than the decoder's whole context
        log.warning("alignment pass skipped: %s", error)
        return None


def _pad_or_trim(mel: torch.Tensor) -> torch.Tensor:
    if mel.shape[-1] >= WINDOW_MEL_FRAMES:
        return mel[:, :WINDOW_MEL_FRAMES]
    return torch.nn.functional.pad(mel, (0, WINDOW_MEL_FRAMES - mel.shape[-1]))


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
    segment = _pad_or_trim(mel[:, :WINDOW_MEL_FRAMES]).to(model.model.device).to(dtype)
    _, probs = model.model.detect_language(segment)
    return max(probs, key=probs.get)

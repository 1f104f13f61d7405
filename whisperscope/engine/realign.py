"""Re-align one window of a finished analysis with corrected words.

A word's text edited by hand changes what the window says, so the window's words (with the
edit) are forced through the decoder again on the same audio, exactly as a known transcript
is (timing/forced_window.py); `window_splice.splice_done` puts the new records in place of
the window's in a copy of the Analysis, every later index shifted by the difference. Other
windows keep their times to the millisecond. Qt-free.
"""

from __future__ import annotations

import numpy as np
import torch
from whisper.audio import N_FRAMES
from whisper.tokenizer import get_tokenizer

from whisperscope.audio.spectrogram import whisper_input_mel
from whisperscope.engine.decoding.decoder import CachedDecoder
from whisperscope.engine.events import WindowDone
from whisperscope.engine.models import LoadedModel
from whisperscope.engine.timing.forced_pass import opening_frame
from whisperscope.engine.timing.forced_window import force_words
from whisperscope.engine.timing.hearing import hears_silence, silence_level, silence_padded
from whisperscope.engine.timing.island_division import island_timing
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.engine.timing.pass_frames import pass_heads
from whisperscope.engine.timing.spectral_edges import spectral_change
from whisperscope.engine.timing.voicing import encoder_frames, mel_level_db, voiced_frames
from whisperscope.engine.timing.window import pair_end_frame, time_window
from whisperscope.engine.window_record import record_window
from whisperscope.engine.window_splice import RealignRequest
from whisperscope.session.model import Analysis
from whisperscope.units import seconds_to_mel_frames


def realign_records(
    request: RealignRequest,
    samples: np.ndarray,
    model: LoadedModel,
    alignment: AlignmentOptions = AlignmentOptions(),
    mel: np.ndarray | None = None,
) -> WindowDone:
    """The records of `request.window` holding `request.words`, indexed from 0 as if the
    window were alone (`window_splice.splice_done` puts them in place); the words with
    `request.anchors` keep those times (timing/anchors.py)."""
    window = request.window
    whisper_model = model.model
    dims = whisper_model.dims
    mel_t = torch.from_numpy(np.ascontiguousarray(
        whisper_input_mel(samples, dims.n_mels, reuse=mel)))
    content_frames = mel_t.shape[-1] - N_FRAMES
    # the same mel frames the analysis fed this window (engine/attention.py)
    seek = seconds_to_mel_frames(window.start)
    segment_size = min(N_FRAMES, content_frames - seek)
    segment = mel_t[:, seek: seek + segment_size]
    # the timing passes hear silence after a short window's end, as the analysis's did
    silence = (silence_level(mel_t) if hears_silence(segment_size, alignment.silence_padding)
               else 0.0)
    segment = silence_padded(segment, silence)
    content = mel_t[:, :content_frames].numpy()
    voiced_10ms = voiced_frames(mel_level_db(content), alignment.silence_db)
    voiced = encoder_frames(voiced_10ms[seek: seek + segment_size])
    # the analysis's change at the window's boundaries: it reads a frame either side
    around = max(seek - 1, 0)
    change = spectral_change(content[:, around: seek + segment_size + 1])[
        seek - around: seek - around + segment_size - 1]
    tokenizer = get_tokenizer(whisper_model.is_multilingual,
                              num_languages=whisper_model.num_languages,
                              language=request.language, task=request.task)
    head_ids = tuple(model.alignment_heads)
    dtype = torch.float16 if model.info.dtype == "float16" else torch.float32
    with torch.no_grad():
        features = whisper_model.encoder(segment[None].to(whisper_model.device, dtype))
        decoder = CachedDecoder(whisper_model, features)
        opening = opening_frame(voiced, alignment.opening_timestamp)
        forced = force_words(decoder, tokenizer, as_written(request.words),
                             head_ids, window.n_frames, request.no_speech_prob,
                             alignment.alignment_units, pass_heads(alignment, head_ids, voiced),
                             opening)
        # where the analysis's decoding stopped the window's text, its words stop as they
        # did there: without it, words of a window re-aligned unchanged moved by up to 5 s
        # (tiny.en, 62 s of timit-dev, its transcript given)
        text_end, stops_early, known = where_text_stops(
            window, tokenizer, full_with_audio_after=seek + segment_size < content_frames)
        islands = island_timing(decoder, tokenizer, forced.timing_pass, voiced, alignment,
                                head_ids, opening, request.anchors, window.start,
                                text_stops_early=stops_early)
        timing = time_window(forced.decoded, tokenizer, window.start, segment_size, voiced,
                             alignment, islands.aligned, head_ids, forced.words, text_end,
                             islands=islands.parts, anchors=request.anchors, change=change)
    # the window's records as if it were the only one (only the scratch's lists are used)
    scratch = Analysis(None, model.info, None, request.language)
    return record_window(scratch, request.index, window.start, window.n_frames,
                         forced.decoded, timing, tokenizer, head_ids, False,
                         flag_unaligned=True, text_end=text_end, text_end_known=known)


def as_written(words) -> list[str]:
    """The request's words spelled as the analysis spelled them: one space before a word
    written after one, none before a word that follows the one before it ("tomb" "-like",
    a character of a script written without spaces). A space added there changed the
    pass: re-aligned unchanged, "old?" moved 1.1 s (tiny.en, 62 s of timit-dev)."""
    return [" " + w.strip() if w[:1].isspace() else w.strip() for w in words]


def where_text_stops(window, tokenizer, full_with_audio_after: bool
                     ) -> tuple[int | None, bool, bool]:
    """(the frame where the analysis's decoding stopped `window`'s text at a timestamp
    pair or None, whether the text stops before the window's speech does, whether that is
    the analysis's own answer): as kept with the window. A session written before it was
    kept: a recognised window's own tokens hold the pair, or its absence; a transcript's
    forced tokens hold no timestamps, and such a window is taken to stop early wherever it
    is full with audio after it, the rule re-alignment had then (on timit-dev's three 62 s
    recordings given their transcripts, re-aligned unchanged, tiny.en: 2 of 9 windows
    moved, by up to 4.9 s; with stamps at their pauses instead, 4 of 9)."""
    if window.text_end is not None:
        return window.text_end, True, True
    if window.text_end_known:
        return None, False, True
    pair = pair_end_frame(window.token_ids, tokenizer)
    if any(t >= tokenizer.timestamp_begin for t in window.token_ids):  # recognised
        return pair, pair is not None, True
    return None, full_with_audio_after, False

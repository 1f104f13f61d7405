"""Re-align one window of a finished analysis with corrected words.

A word's text edited by hand changes what the window says, so the window's words (with the
edit) are forced through the decoder again on the same audio, exactly as a known transcript
is (forced_window.py), and the window's tokens, words and segments are replaced in a copy
of the Analysis; every later index is shifted by the difference. Other windows keep their
times to the millisecond. Qt-free.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import torch
from whisper.audio import N_FRAMES
from whisper.tokenizer import get_tokenizer

from whisperscope.audio.spectrogram import whisper_input_mel
from whisperscope.engine.alignment import (
    AlignmentOptions,
    encoder_frames,
    mel_level_db,
    voiced_frames,
)
from whisperscope.engine.decoder import CachedDecoder
from whisperscope.engine.forced_window import force_words
from whisperscope.engine.models import LoadedModel
from whisperscope.engine.timing import pass_heads, time_window
from whisperscope.engine.transcript import TranscriptError
from whisperscope.engine.window_record import record_window
from whisperscope.session.model import Analysis, Segment, TokenTiming, WindowAttention, Word
from whisperscope.units import seconds_to_mel_frames


def window_words(analysis: Analysis, window_index: int) -> list[int]:
    """Indices of the words whose tokens belong to window `window_index`."""
    return [i for i, w in enumerate(analysis.words)
            if w.tokens and analysis.tokens[w.tokens[0]].window == window_index]


def window_of_word(analysis: Analysis, word_index: int) -> int:
    return analysis.tokens[analysis.words[word_index].tokens[0]].window


def realign_window(
    analysis: Analysis,
    window_index: int,
    words: Sequence[str],
    samples: np.ndarray,
    model: LoadedModel,
    alignment: AlignmentOptions = AlignmentOptions(),
    mel: np.ndarray | None = None,
) -> Analysis:
    """A copy of `analysis` whose window `window_index` holds `words` (as written, each
    after a space), timed by a forced pass on that window's audio; `samples` is the
    recording at 16 kHz, `mel` its padded log-mel if already computed."""
    if not words:
        raise TranscriptError("a window cannot be aligned with no words")
    window = analysis.windows[window_index]
    whisper_model = model.model
    dims = whisper_model.dims
    mel_t = torch.from_numpy(np.ascontiguousarray(
        whisper_input_mel(samples, dims.n_mels, reuse=mel)))
    content_frames = mel_t.shape[-1] - N_FRAMES
    # the same mel frames the analysis fed this window (engine/attention.py)
    seek = seconds_to_mel_frames(window.start)
    segment_size = min(N_FRAMES, content_frames - seek)
    segment = mel_t[:, seek: seek + segment_size]
    segment = torch.nn.functional.pad(segment, (0, N_FRAMES - segment.shape[-1]))
    voiced_10ms = voiced_frames(mel_level_db(mel_t[:, :content_frames].numpy()),
                                alignment.silence_db)
    voiced = encoder_frames(voiced_10ms[seek: seek + segment_size])
    tokenizer = get_tokenizer(whisper_model.is_multilingual,
                              num_languages=whisper_model.num_languages,
                              language=analysis.language, task=analysis.settings.task)
    head_ids = tuple(model.alignment_heads)
    old_segments = [s for s in analysis.segments if s.window == window_index]
    no_speech = old_segments[0].no_speech_prob if old_segments else 0.0
    dtype = torch.float16 if model.info.dtype == "float16" else torch.float32
    with torch.no_grad():
        features = whisper_model.encoder(segment[None].to(whisper_model.device, dtype))
        decoder = CachedDecoder(whisper_model, features)
        forced = force_words(decoder, tokenizer, [" " + w.strip() for w in words], head_ids,
                             window.n_frames, no_speech, alignment.alignment_units,
                             pass_heads(alignment, head_ids, voiced))
        timing = time_window(forced.decoded, tokenizer, window.start, segment_size, voiced,
                             alignment, forced.timing_pass, head_ids, forced.words)
    # the window's records as if it were the only one, then spliced in place
    scratch = Analysis(analysis.audio, analysis.model, analysis.settings, analysis.language)
    done = record_window(scratch, window_index, window.start, window.n_frames,
                          forced.decoded, timing, tokenizer, head_ids, False,
                          flag_unaligned=True)
    return splice_window(analysis, window_index, done.attention, list(done.tokens),
                         list(done.words), list(done.segments))


def splice_window(analysis: Analysis, window_index: int, attention: WindowAttention,
                  tokens: list[TokenTiming], words: list[Word],
                  segments: list[Segment]) -> Analysis:
    """A copy of `analysis` with window `window_index`'s tokens, words and segments
    replaced by these (indexed from 0, as if the window were alone) and its attention by
    `attention`; the indices of everything after it are shifted to match."""
    old_tokens = [t.index for t in analysis.tokens if t.window == window_index]
    old_segments = [s.index for s in analysis.segments if s.window == window_index]
    old_words = window_words(analysis, window_index)
    # where the window's records start (or would: windows are stored in order)
    t0 = old_tokens[0] if old_tokens else sum(t.window < window_index for t in analysis.tokens)
    s0 = old_segments[0] if old_segments else sum(
        s.window < window_index for s in analysis.segments)
    w0 = old_words[0] if old_words else sum(
        1 for w in analysis.words if analysis.tokens[w.tokens[0]].window < window_index)
    t1, s1, w1 = t0 + len(old_tokens), s0 + len(old_segments), w0 + len(old_words)
    dt, ds, dw = (len(tokens) - len(old_tokens), len(segments) - len(old_segments),
                  len(words) - len(old_words))
    replace = dataclasses.replace

    new_tokens = [
        *analysis.tokens[:t0],
        *(replace(t, index=t0 + t.index, window=window_index, segment=s0 + t.segment)
          for t in tokens),
        *(replace(t, index=t.index + dt, segment=t.segment + ds)
          for t in analysis.tokens[t1:]),
    ]
    new_words = [
        *analysis.words[:w0],
        *(replace(w, tokens=tuple(t0 + i for i in w.tokens), segment=s0 + w.segment)
          for w in words),
        *(replace(w, tokens=tuple(i + dt for i in w.tokens), segment=w.segment + ds)
          for w in analysis.words[w1:]),
    ]
    new_segments = [
        *analysis.segments[:s0],
        *(replace(s, index=s0 + s.index, window=window_index,
                  words=tuple(w0 + i for i in s.words)) for s in segments),
        *(replace(s, index=s.index + ds, words=tuple(i + dw for i in s.words))
          for s in analysis.segments[s1:]),
    ]
    windows = list(analysis.windows)
    windows[window_index] = dataclasses.replace(attention, index=window_index)
    return replace(analysis, tokens=new_tokens, words=new_words, segments=new_segments,
                   windows=windows)

"""One finished window's results appended to the `Analysis` with global indices (tokens,
words, segments, its attention), and the `WindowDone` event that carries them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from whisperscope.engine.decoding.window_decoding import DecodedWindow
from whisperscope.engine.events import WindowDone
from whisperscope.engine.half import as_float16
from whisperscope.engine.timing.forced_window import (
    DOUBTFUL_WINDOW_PROBABILITY,
    MAX_WORD_SECONDS,
    UNALIGNED_PROBABILITY,
)
from whisperscope.engine.timing.window import WindowTiming
from whisperscope.session.model import Analysis, Segment, TokenTiming, WindowAttention, Word
from whisperscope.units import seconds_to_mel_frames


def _pass_fields(timing: WindowTiming) -> dict:
    """The alignment pass's rows for the heatmap's heads menu, when it timed the window."""
    aligned = timing.alignment
    if aligned is None or aligned.token_rows is None or not timing.tokens:
        return {}
    return {"pass_rows": aligned.token_rows,
            "pass_heads": tuple((int(layer), int(head)) for layer, head in aligned.heads)}


def token_text(tokenizer, token_id: int) -> str:
    """Text tokens as they read; special and timestamp tokens as <|endoftext|>, <|1.00|>."""
    if token_id >= tokenizer.eot:
        return tokenizer.decode_with_timestamps([token_id])
    return tokenizer.decode([token_id])


def without_arrays(window: WindowAttention) -> WindowAttention:
    """`window` with its rows and metadata but not its attention arrays."""
    return replace(window, heads=np.zeros((*window.heads.shape[:2], 0), np.float16),
                   pass_rows=None)


def record_window(analysis: Analysis, window, window_start, n_frames,
                   decoded: DecodedWindow, timing: WindowTiming, tokenizer, head_ids,
                   skipped, flag_unaligned: bool = False, keep_attention: bool = True,
                   text_end: int | None = None, text_end_known: bool = True) -> WindowDone:
    """Append the window's results to the analysis with global indices; build the event.
    Without `keep_attention` the analysis keeps the window with its rows and metadata but no
    arrays (heads with no frames, no pass rows); the event carries them all the same.
    `text_end`: where the decoding stopped the window's text at a timestamp pair (kept
    with the window, `WindowAttention.text_end`; `text_end_known` False where that is not
    known, a window of an older session re-aligned)."""
    token_base, word_base, segment_base = (
        len(analysis.tokens), len(analysis.words), len(analysis.segments))
    attention = WindowAttention(
        index=window,
        start=window_start,
        n_frames=n_frames,
        token_ids=np.array(decoded.token_ids, dtype=np.int64),
        token_texts=tuple(token_text(tokenizer, t) for t in decoded.token_ids),
        heads=as_float16(decoded.attention),
        head_ids=tuple(head_ids),
        text_rows=np.array([t.row for t in timing.tokens], dtype=np.int64),
        prompt_ids=np.array(decoded.prompt_ids, dtype=np.int64),
        text_end=text_end,
        text_end_known=text_end_known,
        **_pass_fields(timing),
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
    # a transcript share the audio does not hold as a whole (the wrong file, a missing
    # paragraph) is flagged whole, not only its least likely words
    doubtful_window = flag_unaligned and bool(timing.words) and float(
        np.median([w.probability for w in timing.words])) < DOUBTFUL_WINDOW_PROBABILITY
    words = []
    for w in timing.words:
        indices = tuple(token_index[i] for i in w.tokens if i in token_index)
        if not indices:
            continue
        words.append(Word(text=w.text, start=w.start, end=w.end, probability=w.probability,
                          tokens=indices, segment=tokens[indices[0] - token_base].segment,
                          unaligned=flag_unaligned and (w.probability < UNALIGNED_PROBABILITY
                                                        or doubtful_window
                                                        or w.end - w.start > MAX_WORD_SECONDS)))
    segments = []
    for local, seg in enumerate(timing.segments):
        index = segment_base + local
        members = tuple(word_base + n for n, w in enumerate(words) if w.segment == index)
        segments.append(Segment(
            index=index, start=seg.start, end=seg.end, text=seg.text, words=members,
            window=window, avg_logprob=decoded.avg_logprob,
            no_speech_prob=decoded.no_speech_prob, temperature=decoded.temperature,
            compression_ratio=decoded.compression_ratio,
            seek=seconds_to_mel_frames(window_start)))
    analysis.windows.append(attention if keep_attention else without_arrays(attention))
    analysis.tokens.extend(tokens)
    analysis.words.extend(words)
    analysis.segments.extend(segments)
    return WindowDone(window, attention, tuple(segments), tuple(words), tuple(tokens), skipped)

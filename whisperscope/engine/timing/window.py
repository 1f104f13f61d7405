"""Turn one decoded window into timed tokens, words and segments.

Segments follow openai-whisper's `transcribe` (consecutive timestamp tokens close a segment);
token times come from the cross-attention: a teacher-forced pass (forced_pass.py) timed by
DTW with pause states (boundaries.py), or the decoding's own rows (decoder_rows.py); words
group tokens with the tokenizer's own word splitting and whisper's punctuation merging.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from whisper.timing import WordTiming, merge_punctuations
from whisper.tokenizer import Tokenizer

from whisperscope.engine.decoding.window_decoding import TIME_PRECISION, DecodedWindow
from whisperscope.engine.timing.anchors import Anchor, anchor_band, place_anchored
from whisperscope.engine.timing.decoder_rows import (
    TokenSpan,
    dtw_spans,
    give_punctuation_to_next,
    refine_spans,
)
from whisperscope.engine.timing.dtw import alignment_matrix
from whisperscope.engine.timing.forced_pass import AlignmentPass
from whisperscope.engine.timing.islands import IslandPart
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.engine.timing.pass_frames import PassFrames, pass_frames, pass_matrix
from whisperscope.engine.timing.pass_rows import frame_shares, pool_token_rows, token_units
from whisperscope.engine.timing.punctuation import (
    APPEND_PUNCTUATIONS,
    PREPEND_PUNCTUATIONS,
    is_punctuation,
)
from whisperscope.engine.timing.spectral_edges import snapped_starts

MAX_PAUSE_INSIDE_WORD = 0.3  # seconds


@dataclass(frozen=True)
class TimedToken:
    row: int
    token_id: int
    text: str
    start: float  # global seconds
    end: float
    probability: float
    segment: int  # local segment index within the window


@dataclass(frozen=True)
class TimedWord:
    text: str
    start: float
    end: float
    probability: float
    tokens: tuple[int, ...]  # local indices into the window's TimedToken list
    segment: int


@dataclass(frozen=True)
class WordGroup:
    text: str
    tokens: tuple[int, ...]  # local TimedToken indices
    segment: int


@dataclass(frozen=True)
class TimedSegment:
    start: float
    end: float
    text: str
    tokens: tuple[int, ...]  # local TimedToken indices
    rows: tuple[int, int] = (0, 0)  # first and past-the-end row in the window's token_ids,
    #                                 timestamps included: what the next prompt takes from it


@dataclass(frozen=True)
class PassMatrix:
    """The matrix a window's times came from when an alignment pass timed it: one row per
    unit (the last one the end of text), shape = (n_units + 1, n_frames), float16."""

    unit_texts: tuple[str, ...]
    matrix: np.ndarray
    heads: tuple[tuple[int, int], ...]  # (layer, head) averaged into it
    unit_starts: tuple[int, ...]  # DTW start frame of each row
    token_rows: np.ndarray | None = None  # (n_tokens, n_frames) float16: `matrix` pooled
    #   onto the window's text tokens (pass_rows.py), for the heatmap


@dataclass(frozen=True)
class WindowTiming:
    tokens: tuple[TimedToken, ...]
    words: tuple[TimedWord, ...]
    segments: tuple[TimedSegment, ...]
    seek_frames: int  # mel frames (10 ms) to advance past this window's start
    alignment: PassMatrix | None = None


def split_segments(
    token_ids: list[int], tokenizer: Tokenizer, n_mel_frames: int
) -> tuple[list[tuple[int, int, int, int]], int]:
    """openai-whisper's segmentation of one window's output.

    Returns ([(first_row, end_row, start_ts, end_ts), ...], seek advance in mel frames);
    rows index `token_ids`, timestamps are in 20 ms steps from the window start.
    """
    tokens = [t for t in token_ids if t != tokenizer.eot]
    ts_begin = tokenizer.timestamp_begin
    is_ts = [t >= ts_begin for t in tokens]
    single_ending = is_ts[-2:] == [False, True]
    consecutive = [i + 1 for i in range(len(tokens) - 1) if is_ts[i] and is_ts[i + 1]]
    segments = []
    if consecutive:
        slices = consecutive + ([len(tokens)] if single_ending else [])
        last = 0
        for current in slices:
            piece = tokens[last:current]
            segments.append((last, current, piece[0] - ts_begin, piece[-1] - ts_begin))
            last = current
        if single_ending:
            seek = n_mel_frames
        else:
            seek = (tokens[last - 1] - ts_begin) * 2
    else:
        timestamps = [t for t in tokens if t >= ts_begin]
        end_ts = round(n_mel_frames / 2)
        if timestamps and timestamps[-1] != ts_begin:
            end_ts = timestamps[-1] - ts_begin
        segments.append((0, len(tokens), 0, end_ts))  # starts at the window, as whisper's
        seek = n_mel_frames
    return segments, seek


def decoded_words(decoded: DecodedWindow, tokenizer: Tokenizer, n_mel_frames: int) -> list[str]:
    """The window's words as `time_window` groups them (what an alignment pass spells)."""
    ids = list(decoded.token_ids)
    raw_segments, _ = split_segments(ids, tokenizer, n_mel_frames)
    rows = [r for r, t in enumerate(ids) if t < tokenizer.eot]
    tokens = _untimed_tokens(rows, ids, {r: tokenizer.decode([ids[r]]) for r in rows},
                             decoded, _segment_of_row(raw_segments))
    return [g.text for g in _word_groups(tokens, tokenizer)]


def time_window(
    decoded: DecodedWindow,
    tokenizer: Tokenizer,
    window_start: float,
    n_mel_frames: int,
    voiced: np.ndarray | None,
    options: AlignmentOptions = AlignmentOptions(),
    aligned: AlignmentPass | None = None,
    head_ids: tuple[tuple[int, int], ...] = (),
    given_words: tuple[tuple[str, int], ...] | None = None,
    text_end: int | None = None,
    islands: tuple[IslandPart, ...] = (),
    anchors: tuple[Anchor | None, ...] = (),
    anchor_bounds: tuple[float | None, float | None] = (None, None),
    change: np.ndarray | None = None,
) -> WindowTiming:
    """Place every text token of the window in time from its cross-attention: that of
    `aligned`, a teacher-forced pass over `decoded_words(...)`, when given, else the
    decoding's own (its alignment heads). `given_words` ((text, n_tokens) per word, in order)
    groups the tokens into a transcript's words instead of the tokenizer's word splitting.
    `text_end` (encoder frames): where the decoding that found those words stopped at a
    timestamp pair (`pair_end_frame`), for a forced text that has no timestamps of its own;
    no letter may run more than `options.text_end_margin` past it. `islands`: the words'
    division among the window's islands of speech (island_division.py), each island then
    timed on its own frames. `anchors`: per word (in order), the times the user fixed
    (anchors.py): the pass's rows keep between them and the anchored sides land on them;
    `anchor_bounds`: anchored times just before and after the window's words. `change`:
    the window's spectral change per 10 ms (spectral_edges.spectral_change), which places
    the pass's word starts within a frame."""
    ids = list(decoded.token_ids)
    raw_segments, seek = split_segments(ids, tokenizer, n_mel_frames)
    text_rows = [r for r, t in enumerate(ids) if t < tokenizer.eot]
    if not text_rows:
        return WindowTiming((), (), (), seek)

    texts = {r: tokenizer.decode([ids[r]]) for r in text_rows}
    segment_of_row = _segment_of_row(raw_segments)
    pass_matrix = None
    if aligned is not None:
        tokens = _untimed_tokens(text_rows, ids, texts, decoded, segment_of_row)
        groups = (_given_groups(tokens, given_words) if given_words is not None
                  else _word_groups(tokens, tokenizer))
        n_frames = aligned.weights.shape[-1]
        band = None
        if options.text_end_margin > 0 and _ends_at_pair(ids, tokenizer):
            band = text_end_band(aligned.units, groups, tokens, raw_segments, n_frames,
                                 options.text_end_margin)
        elif options.text_end_margin > 0 and text_end is not None:
            band = np.tile(np.array([0, n_frames]), (len(aligned.units) + 1, 1))
            band[:-1, 1] = min(text_end + options.text_end_margin, n_frames)
        held = anchor_band(aligned.units.word_of_unit, anchors, window_start, n_frames,
                           anchor_bounds)
        tokens, pass_matrix = _tokens_from_pass(tokens, groups, aligned, voiced, window_start,
                                                options, head_ids, band, islands, held, change)
        words = _time_words(groups, tokens)
        words, tokens = place_anchored(words, tokens, anchors, anchor_bounds)
        segments = _segments(raw_segments, tokens, words, tokenizer, window_start)
        return WindowTiming(tuple(tokens), tuple(words), tuple(segments), seek, pass_matrix)
    # DTW rows: every text token, then the row right after the last one (what ended it)
    dtw_rows = text_rows + [min(text_rows[-1] + 1, len(ids) - 1)]
    matrix = alignment_matrix(decoded.attention[:, dtw_rows], options.medfilt_width)
    if options.refine and voiced is not None:
        voiced = voiced[: matrix.shape[1]]
        silent = [is_punctuation(texts[r]) for r in text_rows]
        spans, merged = give_punctuation_to_next(dtw_spans(matrix, voiced), matrix, silent)
        spans = refine_spans(spans, merged, voiced, options)
    else:
        spans = dtw_spans(matrix)

    tokens = [
        _timed_token(r, ids[r], texts[r], span, decoded, window_start, segment_of_row.get(r, 0))
        for r, span in zip(text_rows, spans, strict=False)
    ]
    groups = _word_groups(tokens, tokenizer)
    tokens = _keep_words_whole(tokens, groups)
    words = _time_words(groups, tokens)
    words, tokens = place_anchored(words, tokens, anchors, anchor_bounds)
    segments = _segments(raw_segments, tokens, words, tokenizer, window_start)
    return WindowTiming(tuple(tokens), tuple(words), tuple(segments), seek)


def _ends_at_pair(ids: list[int], tokenizer: Tokenizer) -> bool:
    """Whether the text stops at a timestamp pair (the rest of the window is re-decoded)."""
    tokens = [t for t in ids if t != tokenizer.eot]
    return len(tokens) >= 2 and all(t >= tokenizer.timestamp_begin for t in tokens[-2:])


def pair_end_frame(ids, tokenizer: Tokenizer) -> int | None:
    """The encoder frame of the timestamp pair a window's text stops at, if it stops at
    one: the audio after it is left to the next window."""
    ids = list(ids)
    if not _ends_at_pair(ids, tokenizer):
        return None
    return [t for t in ids if t != tokenizer.eot][-1] - tokenizer.timestamp_begin


def _segment_of_row(raw_segments) -> dict[int, int]:
    segment_of_row = {}
    for s, (first, end, _, _) in enumerate(raw_segments):
        for r in range(first, end):
            segment_of_row[r] = s
    return segment_of_row


def _untimed_tokens(rows, ids, texts, decoded, segment_of_row) -> list[TimedToken]:
    return [TimedToken(r, ids[r], texts[r], 0.0, 0.0, decoded.probabilities[r],
                       segment_of_row.get(r, 0)) for r in rows]


def _segments(raw_segments, tokens, words, tokenizer, window_start) -> list[TimedSegment]:
    segments = []
    for s, (first, end, start_ts, end_ts) in enumerate(raw_segments):
        members = tuple(i for i, tok in enumerate(tokens) if first <= tok.row < end)
        text = tokenizer.decode([tokens[i].token_id for i in members])
        seg_start = window_start + start_ts * TIME_PRECISION
        seg_end = window_start + end_ts * TIME_PRECISION
        seg_words = [w for w in words if w.segment == s]
        if seg_words:  # the words' own times are the better estimate
            seg_start, seg_end = seg_words[0].start, seg_words[-1].end
        if text.strip():
            segments.append(TimedSegment(seg_start, seg_end, text, members, (first, end)))
    return segments


def _tokens_from_pass(tokens, groups, aligned: AlignmentPass, voiced, window_start,
                      options: AlignmentOptions, head_ids, band=None, islands=(),
                      held=None, change=None):
    """Token times from the alignment pass (or its islands' passes): each word's span from
    its characters, split between the word's tokens where each token's first character
    starts."""
    units = aligned.units
    if voiced is not None:
        voiced = voiced[: aligned.weights.shape[-1]]
    whole, heads = pass_matrix(aligned, options, head_ids)
    parts = [(p, pass_frames(whole, units, voiced, options, heads, band, p, held,
                             aligned.island_ends)) for p in islands]
    if not parts:
        parts = [(None, pass_frames(whole, units, voiced, options, heads, band, None, held))]
    matrix, starts, spans, heads = _joined(parts, len(units), len(units.words),
                                           aligned.weights.shape[-1])
    token_frames: dict[int, tuple[int, int]] = {}
    word_spans: dict[int, tuple[int, int]] = {}
    for k, group in enumerate(groups):
        lo, hi = spans[k] if k < len(spans) else (-1, -1)
        members = list(group.tokens)
        if lo < 0:  # punctuation only: no time of its own, at the end of what came before
            at = token_frames[members[0] - 1][1] if members[0] else 0
            token_frames.update((i, (at, at)) for i in members)
            continue
        word_spans[k] = (lo, hi)
        # each spoken token begins where its first letter does (a leading space is silent)
        firsts = units.char_units[k]
        begins, offset = {}, 0
        for i in members:
            text = tokens[i].text
            if not is_punctuation(text) and firsts:
                letter = min(offset + len(text) - len(text.lstrip()), len(firsts) - 1)
                begins[i] = int(np.clip(starts[firsts[letter]], lo, hi))
            offset += len(text)
        spoken = [i for i in members if i in begins]
        edges = np.maximum.accumulate([lo] + [begins[i] for i in spoken[1:]] + [hi])
        frames = {i: (int(edges[n]), int(edges[n + 1])) for n, i in enumerate(spoken)}
        for i in members:
            token_frames[i] = frames.get(i, (hi, hi) if spoken and i > spoken[0] else (lo, lo))
    seconds = _frame_seconds(word_spans, token_frames, change, options)
    timed = list(tokens)
    for i, (start, end) in token_frames.items():
        timed[i] = replace(timed[i], start=round(window_start + seconds(start), 3),
                           end=round(window_start + seconds(end), 3))
    # the matrix DTW ran on, as shares of frames, on the tokens' rows (pass_rows.py)
    rows = pool_token_rows(frame_shares(matrix), token_units(
        units, [g.tokens for g in groups], [t.text for t in timed]))
    view = PassMatrix(units.texts + ("<|endoftext|>",), matrix.astype(np.float16), heads,
                      tuple(int(x) for x in starts), rows)
    return timed, view


def _frame_seconds(word_spans: dict[int, tuple[int, int]],
                   token_frames: dict[int, tuple[int, int]], change: np.ndarray | None,
                   options: AlignmentOptions):
    """Seconds from the window's start of an encoder frame a token starts or ends on: a
    word's start frame at the strongest spectral change near it (spectral_edges.py; the
    word before ending there too, where it ended on that frame), any other frame at its
    own 20 ms step."""
    snapped: dict[int, float] = {}
    if change is not None and options.spectral_edges:
        edges = [f for pair in token_frames.values() for f in pair]
        moved = snapped_starts(word_spans, edges, change, TIME_PRECISION)
        snapped = {word_spans[k][0]: at for k, at in moved.items()}
    return lambda frame: snapped.get(frame, frame * TIME_PRECISION)


def _joined(parts: list[tuple[IslandPart | None, PassFrames]], n_units: int, n_words: int,
            n_frames: int):
    """The window's matrix (n_units + 1, n_frames), unit starts and word spans from its
    parts: the whole window's pass, or one per island, each in its own rows and frames
    (the end of text is the last island's)."""
    if len(parts) == 1 and parts[0][0] is None:
        frames = parts[0][1]
        return frames.matrix, frames.starts, list(frames.spans), frames.heads
    matrix = np.zeros((n_units + 1, n_frames), np.float32)
    starts = np.zeros(n_units + 1, np.int64)
    spans: list[tuple[int, int]] = [(-1, -1)] * n_words
    heads: list[tuple[int, int]] = []
    for part, frames in parts:
        (u0, u1), (w0, w1), (f0, f1) = part.units, part.words, frames.frames
        matrix[u0:u1, f0:f1] = frames.matrix[:-1]
        matrix[-1, f0:f1] = frames.matrix[-1]
        starts[u0:u1] = frames.starts[:-1]
        starts[-1] = frames.starts[-1]
        spans[w0:w1] = frames.spans
        heads += [h for h in frames.heads if h not in heads]
    return matrix, starts, spans, tuple(heads)


def text_end_band(units, groups, tokens: list[TimedToken], raw_segments, n_frames: int,
                  margin: int) -> np.ndarray:
    """(n_units + 1, 2): the [lo, hi) encoder frames each unit's row may take freely.

    Only a text that stops at a timestamp pair is bounded, and only by that last
    timestamp: there the decoder leaves the audio after it to the next window, which starts
    where the last word ends, so a letter pulled past it (its row seeing a like sound in
    the untranscribed speech) would make the next window skip that speech. The last
    segment's letters, and the spaces and punctuation after its first word, may run
    `margin` frames past the timestamp (20 ms steps: one encoder frame each); the end of
    text is free. Timestamps inside the text are not trusted so: after a 13 s pause
    tiny.en stamped a sentence said at 16.6-21 s as 2-6 s."""
    band = np.tile(np.array([0, n_frames]), (len(units) + 1, 1))
    if not raw_segments:
        return band
    first_row, end_row, _, end_ts = raw_segments[-1]
    hi = min(end_ts + margin, n_frames)
    # a token after the pair is in no segment (whisper re-decodes it in the next window)
    last = [k for k, g in enumerate(groups)
            if any(first_row <= tokens[i].row < end_row for i in g.tokens)]
    if not last:
        return band
    owner = list(units.word_of_unit)
    start = owner.index(last[0]) if last[0] in owner else len(owner)
    for i in range(start, len(owner)):
        if owner[i] < 0 or owner[i] in last:
            band[i] = (0, hi)
    return band


def _keep_words_whole(tokens: list[TimedToken], groups: list[WordGroup]) -> list[TimedToken]:
    """A word's later pieces follow its first without a pause: a piece that alignment put
    past a pause (a sub-word squeezed against the next phrase) is moved back to the word."""
    fixed = list(tokens)
    for group in groups:
        for previous, current in zip(group.tokens, group.tokens[1:], strict=False):
            if fixed[current].start - fixed[previous].end > MAX_PAUSE_INSIDE_WORD:
                end = fixed[previous].end
                fixed[current] = replace(fixed[current], start=end, end=end)
    return fixed


def _timed_token(row, token_id, text, span: TokenSpan, decoded, window_start, segment):
    return TimedToken(
        row=row,
        token_id=token_id,
        text=text,
        start=round(window_start + span.start_frame * TIME_PRECISION, 3),
        end=round(window_start + span.end_frame * TIME_PRECISION, 3),
        probability=decoded.probabilities[row],
        segment=segment,
    )


def _given_groups(tokens: list[TimedToken], words) -> list[WordGroup]:
    groups, cursor = [], 0
    for text, size in words:
        members = tuple(range(cursor, cursor + size))
        groups.append(WordGroup(text, members, tokens[cursor].segment if size else 0))
        cursor += size
    return groups


def _word_groups(tokens: list[TimedToken], tokenizer: Tokenizer) -> list[WordGroup]:
    """Words by the tokenizer's splitting (spaces, or unicode points for CJK) per segment,
    with leading/trailing punctuation merged as openai-whisper does. Depends only on the
    token ids, not their times."""
    groups: list[WordGroup] = []
    by_segment: dict[int, list[int]] = {}
    for i, tok in enumerate(tokens):
        by_segment.setdefault(tok.segment, []).append(i)
    for segment, members in sorted(by_segment.items()):
        ids = [tokens[i].token_id for i in members]
        texts, id_groups = tokenizer.split_to_word_tokens(ids)
        timings, cursor = [], 0
        for text, group in zip(texts, id_groups, strict=False):
            timings.append(WordTiming(text, members[cursor: cursor + len(group)], 0.0, 0.0, 0.0))
            cursor += len(group)
        merge_punctuations(timings, PREPEND_PUNCTUATIONS, APPEND_PUNCTUATIONS)
        groups += [WordGroup(t.word, tuple(t.tokens), segment) for t in timings if t.word]
    return groups


def _time_words(groups: list[WordGroup], tokens: list[TimedToken]) -> list[TimedWord]:
    words: list[TimedWord] = []
    for group in groups:
        # punctuation carries no sound: time the word by its spoken tokens
        spoken = [i for i in group.tokens if not is_punctuation(tokens[i].text)]
        timed = spoken or list(group.tokens)
        start = tokens[timed[0]].start
        if words and words[-1].segment == group.segment:
            start = max(start, words[-1].end)  # words never overlap
        words.append(
            TimedWord(
                text=group.text,
                start=start,
                end=max(start, max(tokens[i].end for i in timed)),
                probability=float(np.mean([tokens[i].probability for i in group.tokens])),
                tokens=group.tokens,
                segment=group.segment,
            )
        )
    return words

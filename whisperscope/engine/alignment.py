"""Token timing from cross-attention: pure numerics on numpy arrays, no model, no torch.

The recipe starts as openai-whisper's `timing.find_alignment` (normalise each alignment head
over tokens, median-filter along time, average the heads, DTW on the negated matrix), then
fixes its two known faults:

* DTW must give every frame to some token, so a pause is absorbed into the word before it
  (its end runs on until the next word starts). Here each token's span is shrunk to the
  frames its own attention actually covers, and to frames that hold sound at all, so a word
  ends where its speech ends.
* Onsets land late: the DTW step into a new token happens once the new row wins on average,
  after the sound has already begun. The start is moved back to where the token's own
  attention rises, bounded by the previous token's end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MEDIAN_FILTER_WIDTH = 7
ABSOLUTE_SILENCE_DB = -80.0  # mean mel power below this is silence however quiet the file
NOISE_FLOOR_PERCENTILE = 5
NOISE_MARGIN_DB = 6.0
MAX_TAIL_FRAMES = 10  # a word's sound running on past its DTW end: at most 0.2 s

# --- timing words from a teacher-forced alignment pass (engine/alignment_pass.py) ---
#
# Measured on ../shared/data/timit-dev (64 utterances, 8 speakers): with the window's words
# spelled as characters, the alignment heads of whisper's table average heads whose rows lag
# the sound by different amounts (tiny.en: 93 ms mean word-start error, 3 heads of the
# best-scored ones averaged: 64 ms); the one head of all layers that scores best, chosen per
# window from the attention alone, times word starts within 31 ms with tiny.en and base.
# Peakedness alone chose a layer-0 head parked on a few frames in 12 of base's 64 windows
# (457 ms); peakedness x coverage never did. Median filter width 3 was best of 1, 3, 5, 7.
PASS_MEDIAN_FILTER_WIDTH = 3
COVERAGE_FRAMES = 2  # a row's peak covers the frames this close to it (40 ms)
# What a silent frame costs a letter's row, in z-scored attention units, where a space's
# row pays nothing: 0.5 took every word out of the 7 s and 13 s pauses of the joined
# timit-dev pairs (0.0 left 5 of 16 files with the first word after the pause put before
# it) and moved clean-speech errors by under 1 ms; 0.5 to 2.0 measured alike.
PAUSE_COST = 0.5
# A silence this long inside a word's span is a pause after the word (200 ms): base left
# the last word before the 13 s pause of 6 of 16 joined pairs running to the next word's
# breath (307 ms mean end error there); cutting at 10 frames left clean timit-dev's ends
# as they were (36.3 ms), 5 frames cut stop closures (37.5 ms).
PAUSE_FRAMES = 10
# Where a window's text stops at a timestamp pair (the decoder leaves the rest to the next
# window), its last segment's letters pay BAND_COST per frame (z-scored attention units; a
# row's peak is 5-15, so all but a wall) further than TEXT_END_MARGIN past that timestamp
# (timing.text_end_band). Without it, tiny.en's pass put the "o" of "old" (53.5 s) on the
# "o" of "outcast" (55.9 s) in a 62 s recording of joined timit-dev utterances, and the next
# window skipped what lay between. 50 frames (1 s) is looser than whisper's own 0.5 s rule
# for a last word that runs past its segment; measured on timit-dev's long60, clean,
# pair and noise sets (bench/RESULTS.md).
BAND_COST = 10.0
TEXT_END_MARGIN = 50


def normalise_heads(weights: np.ndarray) -> np.ndarray:
    """z-score each head's weights over tokens, per frame.

    weights: shape = (n_heads, n_rows, n_frames) softmax weights. Returns float32, same shape.
    """
    w = weights.astype(np.float32)
    mean = w.mean(axis=-2, keepdims=True)
    std = w.std(axis=-2, keepdims=True)
    return (w - mean) / np.maximum(std, 1e-8)


def median_filter(x: np.ndarray, width: int = MEDIAN_FILTER_WIDTH) -> np.ndarray:
    """Median over a sliding window of odd `width` along the last axis, reflect-padded."""
    if width % 2 != 1 or width < 1:
        raise ValueError("median filter width must be a positive odd number")
    pad = width // 2
    if x.shape[-1] <= pad:
        return x
    padding = [(0, 0)] * (x.ndim - 1) + [(pad, pad)]
    padded = np.pad(x, padding, mode="reflect")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=-1)
    return np.median(windows, axis=-1).astype(x.dtype)


def alignment_matrix(weights: np.ndarray, width: int = MEDIAN_FILTER_WIDTH) -> np.ndarray:
    """The head-averaged, normalised, filtered matrix DTW runs on: (n_rows, n_frames)."""
    if weights.shape[1] == 0:
        return np.zeros((0, weights.shape[2]), np.float32)
    return median_filter(normalise_heads(weights), width).mean(axis=0)


def _path_costs(x: np.ndarray) -> np.ndarray:
    """The (n + 1, m + 1) cumulative costs of the cheapest monotonic path to each cell.

    Filled one anti-diagonal at a time: each cell's three predecessors lie on the two
    diagonals before it, and in the row-major flat array a diagonal is a strided slice, so
    each diagonal is three numpy minimums and an add (450 x 1500, a dense 30 s window: ~12 ms,
    where numba took ~6 ms but importing it cost 115 MB in every engine process). The sums
    are the same float64 additions as a cell-by-cell loop, so the costs are bit-identical.
    """
    n, m = x.shape
    cost = np.full((n + 1, m + 1), np.inf)
    cost[0, 0] = 0.0
    flat, cells = cost.reshape(-1), x.reshape(-1)
    for d in range(2, n + m + 1):  # the cells (i, j) with i + j = d, 1 <= i <= n, 1 <= j <= m
        lo, hi = max(1, d - m), min(n, d - 1)
        count = hi - lo + 1
        # (i, j) is flat[i * m + d]: (i-1, j-1), (i-1, j), (i, j-1) and x[i-1, j-1]
        best = np.minimum(np.minimum(flat[_run((lo - 1) * m + d - 2, m, count)],
                                     flat[_run((lo - 1) * m + d - 1, m, count)]),
                          flat[_run(lo * m + d - 1, m, count)])
        flat[_run(lo * m + d, m, count)] = (
            cells[_run((lo - 1) * (m - 1) + d - 2, max(m - 1, 1), count)] + best)
    return cost


def _run(start: int, step: int, count: int) -> slice:
    """`count` flat indices from `start`, `step` apart."""
    return slice(start, start + (count - 1) * step + 1, step)


def dtw(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Monotonic minimum-cost path from (0, 0) to (n-1, m-1) through `cost` (n_rows, n_frames).

    Steps are diagonal, down (next row, same frame) or right (same row, next frame).
    Returns (row_indices, frame_indices) along the path.
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    at = _path_costs(np.ascontiguousarray(cost, dtype=np.float64)).item
    width = m + 1
    i, j = n, m
    rows, frames = [], []
    while i > 0 and j > 0:
        rows.append(i - 1)
        frames.append(j - 1)
        above = (i - 1) * width + j
        diagonal, up, left = at(above - 1), at(above), at(above + width - 1)
        # a true minimum: whisper's `dtw_cpu` takes the right step on any tie of the other
        # two (diagonal == up < left), harmless on real attention but wrong on the equal
        # costs of silent frames, where it left the optimal path
        if diagonal <= up and diagonal <= left:
            i, j = i - 1, j - 1
        elif up <= left:
            i -= 1
        else:
            j -= 1
    # the path can end on the top edge or left edge only at (0, 0) since costs there are inf
    return np.array(rows[::-1], np.int64), np.array(frames[::-1], np.int64)


def row_start_frames(rows: np.ndarray, frames: np.ndarray, n_rows: int) -> np.ndarray:
    """First frame the DTW path spends on each row: shape = (n_rows,)."""
    starts = np.zeros(n_rows, np.int64)
    seen = np.zeros(n_rows, bool)
    for r, f in zip(rows, frames, strict=False):
        if not seen[r]:
            starts[r] = f
            seen[r] = True
    return starts


@dataclass(frozen=True)
class TokenSpan:
    start_frame: float
    end_frame: float


@dataclass(frozen=True)
class AlignmentOptions:
    medfilt_width: int = MEDIAN_FILTER_WIDTH
    refine: bool = True  # False: plain openai-whisper-style boundaries (the reference)
    attention_floor: float = 0.25  # a frame belongs to a token where its attention exceeds
    #                                this fraction of the token's peak (after smoothing)
    silence_db: float = 45.0  # frames this far below the window's loudest are silence
    max_onset_shift: int = 25  # frames an onset may move earlier (0.5 s)
    min_gap: int = 3  # a silence of this many frames (60 ms) separates words
    alignment_pass: bool = True  # time words from a teacher-forced pass over the window's
    #                              words (alignment_pass.py) rather than the decoding's rows
    alignment_units: str = "chars"  # what that pass feeds: "chars" or "pieces"
    choose_heads: bool = True  # that pass's best-scored head, else the model's heads
    pass_medfilt_width: int = PASS_MEDIAN_FILTER_WIDTH
    pause_states: bool = True  # spaces absorb pauses in that pass (see unit_starts)
    pause_cost: float = PAUSE_COST
    open_end: bool = True  # untranscribed sound after the text goes to its end (unit_starts)
    text_end_margin: int = TEXT_END_MARGIN  # frames the last letters may run past a
    #                                         timestamp pair that ends the text; 0: no bound


def dtw_spans(matrix: np.ndarray, voiced: np.ndarray | None = None) -> list[TokenSpan]:
    """Token spans from DTW. Rows 0..n-2 are text tokens, the last row is the token after
    them (timestamp or end of text). Token i spans [start_i, start_{i+1}).

    With `voiced` (bool per frame), silent frames cost the same for every row, so they
    cannot pull a boundary: tokens are placed by the frames that hold sound. Without it this
    is openai-whisper's rule.
    """
    n_rows, _ = matrix.shape
    if n_rows < 2:
        return []
    cost = -matrix
    if voiced is not None and voiced.any():
        cost = np.where(voiced[None, :], cost, 0.0)
    rows, frames = dtw(cost)
    starts = row_start_frames(rows, frames, n_rows)
    return [TokenSpan(float(starts[i]), float(starts[i + 1])) for i in range(n_rows - 1)]


def give_punctuation_to_next(
    spans: list[TokenSpan], matrix: np.ndarray, silent: list[bool]
) -> tuple[list[TokenSpan], np.ndarray]:
    """Tokens that make no sound (punctuation) get no time: their frames go to the next
    token, and so does their attention. The row that predicts a full stop looks at where
    the next sentence begins, while the next word's own row often looks late.

    Returns the new spans and the matrix with each punctuation row merged into the next.
    """
    out, rows = list(spans), matrix.copy()
    for i, span in enumerate(spans):
        if not silent[i]:
            continue
        anchor = out[i - 1].end_frame if i else span.start_frame
        if i + 1 < len(out) and not silent[i + 1]:
            out[i + 1] = TokenSpan(min(span.start_frame, out[i + 1].start_frame),
                                   out[i + 1].end_frame)
            rows[i + 1] = np.maximum(rows[i + 1], rows[i])
        out[i] = TokenSpan(anchor, anchor)
    return out, rows


def voiced_frames(level_db: np.ndarray, silence_db: float) -> np.ndarray:
    """Frames that hold sound, from their level in dB.

    The threshold sits above the recording's noise floor (its quietest 5 % of frames) by a
    quarter of the floor-to-peak range, never lower than `silence_db` below the loudest
    frame, nor below the absolute floor under which nothing is audible: a clean recording's
    pauses, a noisy one's pauses and a silent file all come out as silence.
    """
    if len(level_db) == 0:
        return np.zeros(0, bool)
    loudest = float(level_db.max())
    floor = float(np.percentile(level_db, NOISE_FLOOR_PERCENTILE))
    threshold = max(floor + max(NOISE_MARGIN_DB, 0.25 * (loudest - floor)),
                    loudest - silence_db, ABSOLUTE_SILENCE_DB)
    return level_db > threshold


def encoder_frames(mask_10ms: np.ndarray) -> np.ndarray:
    """A per-mel-frame (10 ms) mask as a per-encoder-frame (20 ms) one: either half counts."""
    n = len(mask_10ms) // 2
    out = mask_10ms[: 2 * n : 2] | mask_10ms[1 : 2 * n : 2]
    if len(mask_10ms) % 2:
        out = np.append(out, mask_10ms[-1])
    return out


def refine_spans(
    spans: list[TokenSpan],
    matrix: np.ndarray,
    voiced: np.ndarray,
    options: AlignmentOptions = AlignmentOptions(),
) -> list[TokenSpan]:
    """Shrink each span to the sounding stretch its token attends to, and move onsets back
    to where the token's own attention rises (DTW steps into a token late).

    matrix: (n_rows, n_frames), the DTW matrix. voiced: (n_frames,) bool.
    Zero-length spans (punctuation) stay zero-length, where the token before them ends.
    """
    refined: list[TokenSpan] = []
    previous_end = 0
    for i, span in enumerate(spans):
        if span.end_frame <= span.start_frame:
            refined.append(TokenSpan(float(previous_end), float(previous_end)))
            continue
        start = int(span.start_frame)
        end = max(int(span.end_frame), start + 1)
        row = matrix[i]
        pieces = sounding_pieces(voiced, start, end, options.min_gap)
        if len(pieces) > 1 and _runs_on(refined, voiced, previous_end, pieces[0]):
            # the first piece is the previous word's sound running on past its DTW end
            previous_end = pieces[0][1]
            _extend_last(refined, previous_end)
            pieces = pieces[1:]
        lo, hi = _attended_piece(row, pieces) if pieces else (start, end)
        peak = row[lo:hi].max()
        floor = row.min() + options.attention_floor * (peak - row.min())
        limit = max(previous_end, lo - options.max_onset_shift, 0)
        while lo > limit and voiced[lo - 1] and row[lo - 1] >= floor:
            lo -= 1
        refined.append(TokenSpan(float(lo), float(hi)))
        previous_end = hi
    return refined


def sounding_pieces(voiced, start: int, end: int, min_gap: int) -> list[tuple[int, int]]:
    """[start, end) split at silences of `min_gap` frames or more, silence at the ends
    dropped: the stretches [a, b) that hold sound."""
    pieces, piece_start, quiet_run = [], None, 0
    for f in range(start, end):
        if voiced[f]:
            if piece_start is None:
                piece_start = f
            elif quiet_run >= min_gap:
                pieces.append((piece_start, f - quiet_run))
                piece_start = f
            quiet_run = 0
        else:
            quiet_run += 1
    if piece_start is not None:
        pieces.append((piece_start, end - quiet_run))
    return pieces


def _attended_piece(row, pieces: list[tuple[int, int]]) -> tuple[int, int]:
    """The first piece whose mean attention is in the upper half of the pieces' range.

    A span can reach across a pause into the next word's first frames (DTW steps late); the
    earliest well-attended piece is the token's own."""
    scores = [row[a:b].mean() for a, b in pieces]
    floor = min(scores) + 0.5 * (max(scores) - min(scores))
    return next(p for p, score in zip(pieces, scores, strict=True) if score >= floor)


def _runs_on(refined: list[TokenSpan], voiced, previous_end: int, piece) -> bool:
    """Is `piece` a short tail of the previous token's sound, running on without a pause
    past the previous token's DTW end?"""
    return (bool(refined) and 0 < previous_end and piece[0] <= previous_end
            and bool(voiced[previous_end - 1]) and piece[1] - piece[0] <= MAX_TAIL_FRAMES)


def _extend_last(refined: list[TokenSpan], end: int) -> None:
    """Stretch the last sounding span to `end`; zero-length spans after it move along."""
    for j in range(len(refined) - 1, -1, -1):
        span = refined[j]
        if span.end_frame > span.start_frame:
            refined[j] = TokenSpan(span.start_frame, float(end))
            for k in range(j + 1, len(refined)):
                refined[k] = TokenSpan(float(end), float(end))
            return


LEVEL_CHUNK_FRAMES = 1 << 15  # mel frames per step of `mel_level_db` (~5.5 min)


def mel_level_db(log_mel: np.ndarray) -> np.ndarray:
    """Level in dB of each 10 ms mel frame of Whisper's normalised log-mel
    (shape = (n_mels, n_mel_frames)), from the very input the model saw.

    A chunk of frames at a time: over an hour's mel at once, the float64 temporaries were
    ~700 MB, the highest point of a whole analysis. Each frame's value is its own column's,
    so the result is the same to the bit."""
    out = np.empty(log_mel.shape[1], np.float32)
    for c0 in range(0, log_mel.shape[1], LEVEL_CHUNK_FRAMES):
        out[c0: c0 + LEVEL_CHUNK_FRAMES] = _level_db(log_mel[:, c0: c0 + LEVEL_CHUNK_FRAMES])
    return out


def _level_db(log_mel: np.ndarray) -> np.ndarray:
    # whisper's log-mel is (log10(power) + 4) / 4; undo it and average power over mels
    log_power = log_mel.astype(np.float64) * 4.0 - 4.0
    return (10.0 * np.log10(np.mean(10.0 ** log_power, axis=0) + 1e-10)).astype(np.float32)


def next_sound(voiced: np.ndarray, start: int) -> int:
    """Index of the first voiced frame at or after `start`; len(voiced) if none."""
    loud = np.flatnonzero(voiced[start:])
    return start + int(loud[0]) if loud.size else len(voiced)




def head_alignment_scores(weights: np.ndarray, voiced: np.ndarray | None) -> np.ndarray:
    """How alignment-like each head's attention is: shape = (n_layers, n_heads).

    weights: (n_layers, n_heads, n_rows, n_frames) softmax weights; voiced: bool per frame.
    The score is peakedness (a row's largest weight, averaged over rows) times coverage (the
    share of sounding frames within COVERAGE_FRAMES of some row's peak). A head that follows
    the text through the speech is both; an attention sink or a head parked on a few
    frames is sharp but covers little, and a diffuse head covers much but is flat.
    """
    peak_sum, near = head_score_parts(weights)
    return scores_from_parts(peak_sum, weights.shape[-2], near, voiced)


def head_score_parts(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What `head_alignment_scores` reads of (..., n_rows, n_frames) weights: per head, the
    sum over rows of each row's largest weight, and the frames near some row's peak (bool,
    (..., n_frames)). Both add up over chunks of rows (a sum, an or)."""
    w = np.asarray(weights, dtype=np.float32)
    n_frames = w.shape[-1]
    peak_sum = w.max(axis=-1).sum(axis=-1)
    near = np.zeros(w.shape[:-2] + (n_frames,), bool)
    peaks = w.argmax(axis=-1)  # (..., n_rows)
    heads = tuple(i[..., None] for i in np.indices(peaks.shape[:-1]))
    for offset in range(-COVERAGE_FRAMES, COVERAGE_FRAMES + 1):
        near[(*heads, np.clip(peaks + offset, 0, n_frames - 1))] = True
    return peak_sum, near


def scores_from_parts(peak_sum: np.ndarray, n_rows: int, near: np.ndarray,
                      voiced: np.ndarray | None) -> np.ndarray:
    """`head_alignment_scores` from `head_score_parts` summed over `n_rows` rows."""
    n_frames = near.shape[-1]
    sounding = np.ones(n_frames, bool) if voiced is None or not voiced[:n_frames].any() \
        else voiced[:n_frames].astype(bool)
    # (a mean is its float32 sum over the count: the same number as w.max(-1).mean(-1))
    return (peak_sum / np.float32(n_rows)) * near[..., sounding].mean(axis=-1)


def best_aligned_head(weights: np.ndarray, voiced: np.ndarray | None) -> tuple[int, int]:
    """(layer, head) with the highest `head_alignment_scores`."""
    scores = head_alignment_scores(weights, voiced)
    layer, head = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return int(layer), int(head)


def unit_starts(
    matrix: np.ndarray,
    voiced: np.ndarray | None,
    pause_rows: np.ndarray | None = None,
    pause_cost: float = PAUSE_COST,
    open_end: bool = False,
    band: np.ndarray | None = None,
) -> np.ndarray:
    """First frame of each row on the DTW path through `matrix` (n_rows, n_frames).

    Silent frames cost the same for every row, so attention cannot pull a boundary into a
    pause. With `pause_rows` (bool per row: the spaces between words and the end of text),
    a silent frame costs `pause_cost` more on any other row: a pause is spent on a space,
    never on a word, so the word after a long pause cannot start before it.

    With `open_end`, the last row (the end of text) never costs more than nothing: sound
    after the text (speech the decoder left for the next window) is spent there instead of
    stretching the text over it, as if the path could end before the window does.

    `band` (n_rows, 2): [lo, hi) frames each row may take at no extra cost; any other frame
    costs it BAND_COST (see `timing.text_end_band`)."""
    cost = -matrix.astype(np.float64)
    if voiced is not None and voiced.any():
        silent = ~voiced[None, :]
        penalty = 0.0 if pause_rows is None else np.where(pause_rows, 0.0, pause_cost)[:, None]
        cost = np.where(silent, np.broadcast_to(penalty, cost.shape), cost)
    if open_end:
        cost[-1] = np.minimum(cost[-1], 0.0)
    if band is not None:
        frames = np.arange(cost.shape[1])[None, :]
        outside = (frames < band[:, :1]) | (frames >= band[:, 1:])
        cost = cost + np.where(outside, BAND_COST, 0.0)
    rows, frames = dtw(cost)
    return row_start_frames(rows, frames, matrix.shape[0])


def word_frames(
    starts: np.ndarray, word_of_unit, n_words: int, voiced: np.ndarray | None
) -> list[tuple[int, int]]:
    """[start, end) encoder frames of each word from the start frames of its units.

    `starts` has one entry per unit and one more (the end-of-text row). A word starts where
    its first sounding unit starts and ends where the next word starts (in read speech one
    word's end is the next one's start), or at the end-of-text row for the last word; the
    span is then pulled in off silent frames at either edge, so a pause belongs to no word.
    """
    first: dict[int, int] = {}
    for i, w in enumerate(word_of_unit):
        if w >= 0 and w not in first:
            first[w] = i
    out: list[tuple[int, int]] = []
    order = [w for w in range(n_words) if w in first]
    ends = {w: int(starts[first[nxt]]) for w, nxt in zip(order, order[1:], strict=False)}
    if order:
        ends[order[-1]] = int(starts[-1])
    for w in range(n_words):
        if w not in first:
            out.append((-1, -1))  # a word of punctuation only: no sound of its own
            continue
        lo = int(starts[first[w]])
        hi = max(ends[w], lo + 1)
        if voiced is not None and len(voiced):
            lo, hi = _trim_silence(voiced, lo, hi)
            hi = _end_at_pause(voiced, lo, hi)
        out.append((lo, hi))
    return out


def _end_at_pause(voiced: np.ndarray, lo: int, hi: int) -> int:
    """A word ends where the first pause inside its span begins: the sound after a pause
    is the next word's lead-in (a breath, the recording's noise), not this word."""
    run = 0
    for f in range(lo, min(hi, len(voiced))):
        run = 0 if voiced[f] else run + 1
        if run >= PAUSE_FRAMES:
            return max(f - run + 1, lo + 1)
    return hi


def _trim_silence(voiced: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    n = len(voiced)
    a, b = lo, min(hi, n)
    while a < b - 1 and not voiced[a]:
        a += 1
    while b > a + 1 and not voiced[b - 1]:
        b -= 1
    return (a, b) if a < b and voiced[a:b].any() else (lo, hi)

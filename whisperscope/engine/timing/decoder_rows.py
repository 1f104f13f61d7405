"""Token spans from the decoding's own attention rows, when no alignment pass runs.

The fallback path (`AlignmentOptions(alignment_pass=False)`, or a word longer than the
decoder's context): whisper's `find_alignment` recipe on the alignment heads, then fixed
for its two known faults:

* DTW must give every frame to some token, so a pause is absorbed into the word before it
  (its end runs on until the next word starts). Here each token's span is shrunk to the
  frames its own attention actually covers, and to frames that hold sound at all, so a word
  ends where its speech ends.
* Onsets land late: the DTW step into a new token happens once the new row wins on average,
  after the sound has already begun. The start is moved back to where the token's own
  attention rises, bounded by the previous token's end."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from whisperscope.engine.timing.dtw import dtw, row_start_frames
from whisperscope.engine.timing.options import AlignmentOptions

MAX_TAIL_FRAMES = 10  # a word's sound running on past its DTW end: at most 0.2 s


@dataclass(frozen=True)
class TokenSpan:
    start_frame: float
    end_frame: float


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

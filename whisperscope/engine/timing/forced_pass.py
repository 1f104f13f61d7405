"""A teacher-forced pass over a window's words, for timing them.

After a window is decoded (or when its text is given), its words are fed to the decoder at
once, spelled as characters (`alignment_units.spell`), on the encoder output already
computed for the window, as whisper's `timing.find_alignment` does with word pieces:
`[*sot_sequence, <|notimestamps|>, *units, <|endoftext|>]`. One step gives every layer's and
head's cross-attention for every unit; the row that times unit i is the one that predicts it
(its input is the unit before). The log-probability of each unit says how well the audio
supports the text.

A window whose units do not fit the decoder's context is fed in several passes of whole
words, each after the previous pass's text as prompt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from whisperscope.engine.decoding.decoder import CachedDecoder, DecoderState
from whisperscope.engine.timing.heads import head_score_parts, scores_from_parts
from whisperscope.engine.timing.spelling import AlignmentUnits

PROMPT_UNITS = 64  # context room kept for the previous pass's text when a window is split


@dataclass(frozen=True, eq=False)
class HeadRequest:
    """Which heads' attention a pass keeps: those in `keep` and, with `choose`, the most
    alignment-like head (`head_alignment_scores` over the `voiced` frames). The others are
    dropped layer by layer as the pass makes them: all of base's layers and heads for a
    full window are ~130 MB of float32, the one head that times it 3 MB."""

    keep: tuple[tuple[int, int], ...] = ()
    choose: bool = False
    voiced: np.ndarray | None = None  # bool per encoder frame; None: every frame sounds


@dataclass(frozen=True)
class AlignmentPass:
    """weights: shape = (len(heads), n_units + 1, n_frames), float32 softmax of the kept
    `heads` ((layer, head) each, in order); row i is the row that predicts unit i, the last
    row predicts the end of text.
    chosen: the most alignment-like head, when the pass was asked to choose one.
    logprobs: shape = (n_units + 1,), log-probability of each unit (then of the end);
    empty when the pass was run for its attention only."""

    units: AlignmentUnits
    heads: tuple[tuple[int, int], ...]
    weights: np.ndarray
    logprobs: np.ndarray
    chosen: tuple[int, int] | None = None
    island_ends: tuple[tuple[int, int], ...] = ()  # (unit, row) in a pass stamped at its
    #   pauses (run_stamped_pass): the row, after the end of text's, ending the text before unit
    state: DecoderState | None = None  # the decoder's cache after a pass fed in one piece,
    #   from which a pass with the same opening goes on (run_stamped_pass)

    def head(self, layer: int, head: int) -> np.ndarray:
        """(n_units + 1, n_frames) weights of one kept head."""
        return self.weights[self.heads.index((layer, head))]


def run_alignment_pass(
    decoder: CachedDecoder, tokenizer, units: AlignmentUnits, n_frames: int,
    heads: HeadRequest, logprobs: bool = True, starts_at: int | None = None,
) -> AlignmentPass:
    """Teacher-force `units` through the window whose encoder output `decoder` holds,
    keeping the attention of the `heads` asked for; with
    `starts_at` (an encoder frame) the text opens with that frame's timestamp token in
    place of <|notimestamps|>, as whisper opens a segment (`opening_frame`).
    The decoder's cache is reset: run this after the window's decoding is done.
    `logprobs=False` skips projecting the units onto the vocabulary: for a pass that only
    times, that projection (~300 rows x 52k tokens) was most of the pass's cost."""
    reserve = min(PROMPT_UNITS, decoder.n_ctx // 4)  # small test models have tiny contexts
    budget = max(1, decoder.n_ctx - len(tokenizer.sot_sequence) - 3 - reserve)
    chunks = _chunk_feeds(tokenizer, units, budget, reserve, starts_at)
    voiced = None if heads.voiced is None else heads.voiced[:n_frames]
    picker = _HeadPicker(heads.keep, heads.choose, voiced, len(decoder.blocks),
                         keep_best=len(chunks) == 1)
    scores = []
    for fed, rows, targets in chunks:
        out = _step(decoder, fed, rows, n_frames, picker, logprobs)
        if logprobs:
            scores.append(_target_logprobs(out.logits[0], torch.tensor(
                targets, device=out.logits.device)))
    state = decoder.state(chunks[0][0]) if len(chunks) == 1 else None
    kept = picker.kept()
    chosen = picker.chosen()
    if chosen is not None and chosen not in kept:
        # a window split into chunks is scored over all of them: only then is its best
        # head known, and its rows are made again (one layer captured, the rest on SDPA)
        again = _HeadPicker((chosen,), False, None, len(decoder.blocks))
        for fed, rows, _ in chunks:
            _step(decoder, fed, rows, n_frames, again, False)
        kept.update(again.kept())
    order = tuple(dict.fromkeys((*heads.keep, *(() if chosen is None else (chosen,)))))
    return AlignmentPass(units, order, np.stack([kept[h] for h in order]),
                         np.concatenate(scores).astype(np.float32) if scores
                         else np.zeros(0, np.float32), chosen, state=state)


def run_stamped_pass(decoder: CachedDecoder, tokenizer, first: AlignmentPass, n_frames: int,
                     breaks: tuple[tuple[int, int, int], ...], starts_at: int | None
                     ) -> AlignmentPass | None:
    """`first`'s units teacher-forced again, keeping its heads, with whisper's pair of
    timestamps at each pause between islands of speech (islands.py): `breaks` holds
    (unit, end frame, start frame) per pause, the text before `unit` ending at the first
    frame's timestamp and the text from it opening at the second's, as whisper writes two
    segments. Its weights hold a row per unit and the end of text, then the row that ends
    each island before a pause (`island_ends`). None when the text does not fit the
    decoder's context in one piece (a window whose first pass was split).

    The text before the first pause is fed as `first` fed it, and a row sees only what
    came before it: where `first` kept its decoder's state, the pass goes on from it after
    that text, and those rows are `first`'s own."""
    fed, rows, ends = _stamped_feed(tokenizer, first.units, breaks, starts_at)
    if len(fed) > decoder.n_ctx:
        return None
    wanted = rows + [row for _, row in ends]
    state = first.state
    deepest = max(layer for layer, _ in first.heads)
    if state is None or state.owner is not decoder or len(state.keys) <= deepest:
        state = None  # another decoder's, or one whose pass stopped short of these heads
    shared = 0 if state is None else _shared_prefix(state.tokens, fed[:-1])
    fresh = [row for row in wanted if row >= shared]
    picker = _HeadPicker(first.heads, False, None, len(decoder.blocks))
    if state is None:
        decoder.reset(1)
    else:
        decoder.resume(state, shared)
    _feed(decoder, fed[shared:], [row - shared for row in fresh], n_frames, picker, False)
    made = picker.kept()
    opening = len(tokenizer.sot_sequence)  # the row of `first`'s first unit
    weights = np.empty((len(first.heads), len(wanted), n_frames), np.float32)
    old = [k for k, row in enumerate(wanted) if row < shared]
    new = [k for k, row in enumerate(wanted) if row >= shared]
    for i, head in enumerate(first.heads):
        weights[i, old] = first.head(*head)[[wanted[k] - opening for k in old]]
        weights[i, new] = made[head]
    return AlignmentPass(first.units, first.heads, weights, np.zeros(0, np.float32),
                         first.chosen, tuple((unit, len(rows) + k)
                                             for k, (unit, _) in enumerate(ends)))


def _shared_prefix(a, b) -> int:
    """How many tokens `a` and `b` open with alike."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _stamped_feed(tokenizer, units: AlignmentUnits, breaks: tuple[tuple[int, int, int], ...],
                  starts_at: int | None) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    """(tokens fed, the row that predicts each unit and then the end of text, (unit, row)
    of the row that predicts each pause's closing timestamp) for `run_stamped_pass`."""
    fed = [*tokenizer.sot_sequence, (tokenizer.no_timestamps if starts_at is None
                                     else tokenizer.timestamp_begin + starts_at)]
    at = {unit: (end, begin) for unit, end, begin in breaks}
    rows, ends = [], []
    for i, token in enumerate((*units.ids, tokenizer.eot)):
        if i in at:
            ends.append((i, len(fed) - 1))
            fed += [tokenizer.timestamp_begin + frame for frame in at[i]]
        rows.append(len(fed) - 1)
        fed.append(token)
    return fed, rows, ends


def opening_frame(voiced: np.ndarray | None, enabled: bool = True) -> int | None:
    """Where a window's text opens, for `starts_at`: its first sounding encoder frame, as
    the timestamp whisper writes before a segment. Without it the row that predicts the
    first letter must find the speech's start alone; with it, base given the transcript
    timed the first words of 32 timit-dev utterances 21 -> 12 ms from their truth (the
    other words 26.3 -> 25.5 ms). None: no sound, or `enabled` off."""
    if not enabled or voiced is None or not voiced.any():
        return None
    return int(np.flatnonzero(voiced)[0])


def _chunk_feeds(tokenizer, units: AlignmentUnits, budget: int, reserve: int,
                 starts_at: int | None = None) -> list[tuple[list[int], slice, list[int]]]:
    """(tokens fed, rows whose attention times the chunk's units, the units they predict)
    for each chunk of whole words, each after the previous chunks' text as prompt; the
    first chunk opens with the timestamp of `starts_at` if given."""
    chunks = _word_chunks(units, budget)
    feeds, done = [], []
    for k, (lo, hi) in enumerate(chunks):
        ids = list(units.ids[lo:hi])
        prompt = [tokenizer.sot_prev, *done[-(reserve - 1):]] if done and reserve > 1 else []
        opening = (tokenizer.no_timestamps if starts_at is None or k
                   else tokenizer.timestamp_begin + starts_at)
        start = [*prompt, *tokenizer.sot_sequence, opening]
        n_rows = len(ids) + (1 if k == len(chunks) - 1 else 0)  # the last chunk's end is
        #                                                         the end of text
        rows = slice(len(start) - 1, len(start) - 1 + n_rows)
        feeds.append(([*start, *ids, tokenizer.eot], rows, [*ids, tokenizer.eot][:n_rows]))
        done += ids
    return feeds


def _step(decoder: CachedDecoder, fed: list[int], rows: slice, n_frames: int,
          picker: _HeadPicker, logprobs: bool):
    decoder.reset(1)
    return _feed(decoder, fed, rows, n_frames, picker, logprobs)


def _feed(decoder: CachedDecoder, fed: list[int], rows: slice | list[int], n_frames: int,
          picker: _HeadPicker, logprobs: bool):
    """`fed` after what the decoder holds, `rows` (of `fed`) kept by `picker`."""
    listed = list(range(rows.start, rows.stop)) if isinstance(rows, slice) else rows
    with torch.no_grad():
        return decoder.step(torch.tensor([fed], device=decoder.device),
                            logit_rows=listed if logprobs else [],
                            capture_layers=picker.layers(), keep_attention=(rows, n_frames),
                            attention_sink=picker.add, attention_only=not logprobs)


class _HeadPicker:
    """Takes each layer's weights as the decoder makes them (its `attention_sink`): copies
    out the heads to `keep` and, when choosing, sums up every head's score (`head_score_
    parts`), keeping the best-scored head's weights so far if `keep_best` (a window in one
    chunk, whose scores are whole as soon as its layer is made)."""

    def __init__(self, keep: tuple[tuple[int, int], ...], choose: bool,
                 voiced: np.ndarray | None, n_layers: int, keep_best: bool = False):
        self.keep, self.choose, self.voiced = keep, choose, voiced
        self.n_layers, self.keep_best = n_layers, keep_best
        self.pieces: dict[tuple[int, int], list[np.ndarray]] = {h: [] for h in keep}
        self.parts: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # layer: peak sum, near
        self.n_rows: dict[int, int] = {}
        self.best: tuple[float, tuple[int, int], np.ndarray] | None = None

    def layers(self) -> list[int]:
        # every layer up to the deepest wanted is computed explicitly: on SDPA instead, a
        # layer's output differs in the last bits, and so would the weights after it
        deepest = self.n_layers - 1 if self.choose else max((i for i, _ in self.keep),
                                                            default=-1)
        return list(range(deepest + 1))

    def add(self, layer: int, weights: torch.Tensor) -> None:
        w = weights[0].float().cpu().numpy()  # (n_heads, n_rows, n_frames), one hypothesis
        for i, head in self.keep:
            if i == layer:
                self.pieces[(i, head)].append(w[head].copy())
        if not self.choose:
            return
        peak_sum, near = head_score_parts(w)
        if layer in self.parts:
            peak_sum, near = peak_sum + self.parts[layer][0], near | self.parts[layer][1]
        self.parts[layer] = peak_sum, near
        self.n_rows[layer] = self.n_rows.get(layer, 0) + w.shape[1]
        if self.keep_best:
            scores = scores_from_parts(peak_sum, self.n_rows[layer], near, self.voiced)
            head = int(np.argmax(scores))
            # strictly better: ties go to the earlier layer, as an argmax over all would
            if self.best is None or scores[head] > self.best[0]:
                self.best = (float(scores[head]), (layer, head), w[head].copy())

    def kept(self) -> dict[tuple[int, int], np.ndarray]:
        kept = {h: np.concatenate(p) if len(p) > 1 else p[0] for h, p in self.pieces.items()}
        if self.best is not None:
            kept.setdefault(self.best[1], self.best[2])
        return kept

    def chosen(self) -> tuple[int, int] | None:
        """The best-scored (layer, head) over all rows fed; None when not choosing."""
        if not self.choose:
            return None
        scores = np.stack([scores_from_parts(*self._layer(i), self.voiced)
                           for i in range(self.n_layers)])
        layer, head = np.unravel_index(int(np.argmax(scores)), scores.shape)
        return int(layer), int(head)

    def _layer(self, i: int):
        peak_sum, near = self.parts[i]
        return peak_sum, self.n_rows[i], near


def _target_logprobs(logits: torch.Tensor, targets: torch.Tensor, rows: int = 32
                     ) -> np.ndarray:
    """log_softmax(logits)[i, targets[i]] for each row, a few rows at a time: a full
    window's log-softmax over the ~52k-token vocabulary is another 90 MB at once."""
    out = []
    for lo in range(0, len(targets), rows):
        chunk = logits[lo: lo + rows].float()
        picked = chunk.gather(1, targets[lo: lo + rows, None])[:, 0]
        out.append((picked - torch.logsumexp(chunk, dim=-1)).cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def _word_chunks(units: AlignmentUnits, budget: int) -> list[tuple[int, int]]:
    """[lo, hi) unit ranges of at most `budget` units that never split a word."""
    if len(units) <= budget:
        return [(0, len(units))]
    chunks, lo, last_break = [], 0, 0
    for i in range(1, len(units) + 1):
        if i == len(units) or units.word_of_unit[i] != units.word_of_unit[i - 1]:
            if i - lo > budget and last_break > lo:
                chunks.append((lo, last_break))
                lo = last_break
            last_break = i
    chunks.append((lo, len(units)))
    return chunks

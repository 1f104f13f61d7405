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

from whisperscope.engine.alignment_units import AlignmentUnits
from whisperscope.engine.decoder import CachedDecoder

PROMPT_UNITS = 64  # context room kept for the previous pass's text when a window is split


@dataclass(frozen=True)
class AlignmentPass:
    """weights: shape = (n_layers, n_heads, n_units + 1, n_frames), float32 softmax; row i is
    the row that predicts unit i, the last row predicts the end of text.
    logprobs: shape = (n_units + 1,), log-probability of each unit (then of the end);
    empty when the pass was run for its attention only."""

    units: AlignmentUnits
    weights: np.ndarray
    logprobs: np.ndarray


def run_alignment_pass(
    decoder: CachedDecoder, tokenizer, units: AlignmentUnits, n_frames: int,
    logprobs: bool = True,
) -> AlignmentPass:
    """Teacher-force `units` through the window whose encoder output `decoder` holds.
    The decoder's cache is reset: run this after the window's decoding is done.
    `logprobs=False` skips projecting the units onto the vocabulary: for a pass that only
    times, that projection (~300 rows x 52k tokens) was most of the pass's cost."""
    reserve = min(PROMPT_UNITS, decoder.n_ctx // 4)  # small test models have tiny contexts
    budget = max(1, decoder.n_ctx - len(tokenizer.sot_sequence) - 3 - reserve)
    chunks = _word_chunks(units, budget)
    weights, scores = [], []
    done: list[int] = []
    for k, (lo, hi) in enumerate(chunks):
        ids = list(units.ids[lo:hi])
        prompt = [tokenizer.sot_prev, *done[-(reserve - 1):]] if done and reserve > 1 else []
        start = [*prompt, *tokenizer.sot_sequence, tokenizer.no_timestamps]
        fed = [*start, *ids, tokenizer.eot]
        last = k == len(chunks) - 1
        first_row = len(start) - 1
        n_rows = len(ids) + (1 if last else 0)  # only the last chunk's end is the end
        rows = slice(first_row, first_row + n_rows)
        decoder.reset(1)
        with torch.no_grad():
            out = decoder.step(torch.tensor([fed], device=decoder.cross_keys[0].device),
                               logit_rows=list(range(rows.start, rows.stop)) if logprobs
                               else [],
                               keep_attention=(rows, n_frames))
        # one hypothesis: batch entry 0
        weights.append(out.cross_attention[:, 0].float().cpu().numpy())
        if logprobs:
            targets = torch.tensor([*ids, tokenizer.eot][:n_rows], device=out.logits.device)
            scores.append(_target_logprobs(out.logits[0], targets))
        done += ids
    # one chunk (nearly every window) is used as it is: concatenating copies ~115 MB (base)
    kept = weights[0] if len(weights) == 1 else np.concatenate(weights, axis=2)
    return AlignmentPass(units, kept,
                         np.concatenate(scores).astype(np.float32) if scores
                         else np.zeros(0, np.float32))


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

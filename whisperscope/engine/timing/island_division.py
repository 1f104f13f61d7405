"""Dividing a window's words among its islands of speech (islands.py) by what the decoder
hears of each island alone: the model's part of timing island by island."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from whisperscope.engine.decoding.decoder import CachedDecoder
from whisperscope.engine.timing.anchors import Anchor, Bounds, anchor_band
from whisperscope.engine.timing.forced_pass import AlignmentPass, run_stamped_pass
from whisperscope.engine.timing.islands import (
    LONG_PAUSE_FRAMES,
    Island,
    IslandPart,
    candidates,
    first_division,
    held_limits,
    speech_islands,
)
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.engine.timing.pass_frames import pass_frames, pass_matrix
from whisperscope.engine.timing.spelling import spell

log = logging.getLogger(__name__)
# Words after the tried divisions that the later island's text keeps, so each division is
# judged on some of what follows it too (a few words: the judgement is about an edge).
FOLLOWING_WORDS = 6


@dataclass(frozen=True)
class IslandTiming:
    """What times a window island by island: its pass, stamped at the pauses between the
    islands that hold words, and each island's share of the words (() when the window is
    timed as one, on the pass it had)."""

    aligned: AlignmentPass | None
    parts: tuple[IslandPart, ...]


def island_timing(decoder: CachedDecoder, tokenizer, aligned: AlignmentPass | None,
                  voiced: np.ndarray | None, options: AlignmentOptions, head_ids,
                  starts_at: int | None, anchors: Sequence[Anchor | None] = (),
                  window_start: float = 0.0, anchor_bounds: Bounds = (None, None),
                  text_stops_early: bool = False) -> IslandTiming:
    """`aligned` (the whole window's pass, opening at `starts_at`) divided among the
    window's islands of speech (`island_parts`) and, where the window's text runs to the
    end of its speech, made again with whisper's timestamps at each pause between them
    (forced_pass.run_stamped_pass). Without them the rows after a pause follow the text
    before it as if no time had passed: base timed the sentence after a 13 s pause 7 ms
    worse than alone at both edges; stamped, its ends came within 1 ms of alone (16
    timit-dev pairs; the whole stress sets 1-4 ms closer, bench/RESULTS.md).

    `text_stops_early`: the window's text stops before its speech does (at a timestamp
    pair, the rest left to the next window). Stamped, the last segment's end of text then
    no longer took that speech: tiny.en given 62 s of timit-dev stretched the window's
    last word 1.4 s over the next window's first words. Such a window keeps its first pass."""
    parts = island_parts(decoder, tokenizer, aligned, voiced, options, head_ids, anchors,
                         window_start, anchor_bounds)
    if (aligned is None or len(parts) < 2 or not options.island_stamps
            or text_stops_early):
        return IslandTiming(aligned, parts)
    breaks = tuple((after.units[0], before.island.sound[1], after.island.sound[0])
                   for before, after in zip(parts, parts[1:], strict=False))
    stamped = run_stamped_pass(decoder, tokenizer, aligned, aligned.weights.shape[-1], breaks,
                               starts_at)
    return IslandTiming(aligned if stamped is None else stamped, parts)


def island_parts(decoder: CachedDecoder, tokenizer, aligned: AlignmentPass | None,
                 voiced: np.ndarray | None, options: AlignmentOptions, head_ids,
                 anchors: Sequence[Anchor | None] = (), window_start: float = 0.0,
                 anchor_bounds: Bounds = (None, None)) -> tuple[IslandPart, ...]:
    """The words of `aligned` (the whole window's pass) divided among the window's islands
    of speech; () when the window's sound is one island (or islands are off), and the
    whole window is timed as one. `decoder` holds the window's encoder output. The user's
    `anchors` (per word; `anchor_bounds` around the window's words, see anchors.py) hold
    the first pass as they hold the timing, and no division puts an anchored word on the
    far side of a pause from its anchor."""
    if aligned is None or voiced is None or not options.islands:
        return ()
    n_frames = aligned.weights.shape[-1]
    islands = speech_islands(voiced[:n_frames])
    words = aligned.units.words
    if len(islands) < 2 or not words:
        return ()
    held = anchor_band(aligned.units.word_of_unit, anchors, window_start, n_frames,
                       anchor_bounds)
    matrix, heads = pass_matrix(aligned, options, head_ids)
    first = pass_frames(matrix, aligned.units, voiced, options, heads, anchor_band=held)
    limits = held_limits(held, aligned.units.word_of_unit, len(words), islands)
    guesses = [min(max(g, lo), hi) for g, (lo, hi) in zip(first_division(first.spans, islands),
                                                          limits, strict=True)]
    try:
        splits = divide_words(decoder, tokenizer, words, islands, guesses, limits)
    except ValueError as error:  # an island's text longer than the decoder's context
        log.warning("words divided among islands by the first pass alone: %s", error)
        splits = guesses
    return _parts(tokenizer, aligned.units, islands, [0, *splits, len(words)])


def _parts(tokenizer, units, islands, bounds) -> tuple[IslandPart, ...]:
    """Each island's share of the words (`bounds`: the word where each island's share
    starts, then the end) and the units that spell it; islands with no words have none."""
    out = []
    for k, island in enumerate(islands):
        if bounds[k] == bounds[k + 1]:
            continue
        first = len(spell(tokenizer, units.words[: bounds[k]], units.kind))
        end = len(spell(tokenizer, units.words[: bounds[k + 1]], units.kind))
        out.append(IslandPart(island, (bounds[k], bounds[k + 1]), (first, end)))
    return tuple(out)


def divide_words(decoder: CachedDecoder, tokenizer, words: Sequence[str],
                 islands: list[Island], guesses: list[int],
                 limits: Sequence[tuple[int, int]] | None = None) -> list[int]:
    """For each pause between islands, how many of `words` are said before it: of the
    divisions near the first pass's `guesses`, the one under which the text before the
    pause (then its end) is most likely given only the island before it, plus the text
    after it given only the island after it (log-probabilities of the words' own pieces).
    `limits`: per pause, the fewest and the most words before it (`held_limits`)."""
    splits: list[int] = []
    for k, guess in enumerate(guesses):
        low, high = limits[k] if limits is not None else (0, len(words))
        lower = max(splits[-1] if splits else 0, low)
        upper = min(max(lower, guesses[k + 1] if k + 1 < len(guesses) else len(words)),
                    high)
        upper = max(lower, upper)  # `guesses` keep within `limits` (island_parts)
        tried = candidates(guess, lower, upper)
        if len(tried) == 1:
            splits.append(tried[0])
            continue
        ending = _ending_logprobs(decoder, tokenizer, words[lower: tried[-1]],
                                  [n - lower for n in tried], islands[k].span)
        tail = min(upper, tried[-1] + FOLLOWING_WORDS)
        opening = _text_logprobs(decoder, tokenizer, [words[n: tail] for n in tried],
                                 islands[k + 1].span, ended=tail == upper)
        scores = [a + b for a, b in zip(ending, opening, strict=True)]
        splits.append(tried[int(np.argmax(scores))])
    return splits


def share_before_pause(decoder: CachedDecoder, tokenizer, words: Sequence[str], guess: int,
                       heard_end: int, voiced: np.ndarray | None, n_frames: int) -> int:
    """How many of `words` (a transcript's words not yet placed) a window holds whose
    decoding stopped its text at encoder frame `heard_end`, leaving the rest to the next
    window, when that text ends on a long pause: the model's judgement of the divisions
    near `guess` (the text match's count, window_share), as for islands within a window.

    The text match counts a misheard tail word for word; "every morning." heard as
    "everyone." gave the window one word too few, and "morning" was forced onto the next
    sentence, 13 s after it was said (base, timit-dev fvmh0 sx26 + sx116). Where no long
    pause follows the text, the text match decides (speech running on across the window's
    edge has no audio boundary to judge by)."""
    if voiced is None or guess < 1:
        return guess
    islands = speech_islands(voiced[:n_frames])
    heard = [k for k, island in enumerate(islands) if island.sound[0] < heard_end]
    if not heard:
        return guess
    k = heard[-1]
    ends_on_pause = (islands[k].sound[1] - heard_end <= LONG_PAUSE_FRAMES // 2
                     and (k + 1 < len(islands)
                          or n_frames - islands[k].sound[1] >= LONG_PAUSE_FRAMES))
    if not ends_on_pause:  # the text stopped inside speech, or no long pause follows
        return guess
    tried = candidates(guess, 1, len(words))
    if len(tried) == 1:
        return guess
    # what the window's share hears: all up to the pause and half a long pause into it
    # (the row of the end of text looks past the last word's end; not tuned)
    reach = LONG_PAUSE_FRAMES // 2
    following = islands[k + 1].sound[0] if k + 1 < len(islands) else n_frames
    before = (0, min(islands[k].sound[1] + reach, (islands[k].sound[1] + following) // 2))
    try:
        scores = _ending_logprobs(decoder, tokenizer, words[: tried[-1]], list(tried), before)
        if k + 1 < len(islands):  # the speech after the pause is in this window: hear it
            after = (islands[k + 1].span[0], n_frames)
            tail = min(len(words), tried[-1] + FOLLOWING_WORDS)
            opening = _text_logprobs(decoder, tokenizer, [words[n: tail] for n in tried],
                                     after, ended=tail == len(words))
            scores = [a + b for a, b in zip(scores, opening, strict=True)]
    except ValueError as error:  # a share longer than the decoder's context
        log.warning("the window's share of the transcript kept as matched: %s", error)
        return guess
    return tried[int(np.argmax(scores))]


def _pieces(tokenizer, words: Sequence[str]) -> tuple[list[int], list[int]]:
    """The words' pieces, and after how many pieces each word ends."""
    ids, ends = [], []
    for word in words:
        ids += tokenizer.encode(word)
        ends.append(len(ids))
    return ids, ends


def _logprobs(decoder: CachedDecoder, tokenizer, texts: Sequence[list[int]],
              span: tuple[int, int], rows: Sequence[range]
              ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Each of `texts` (token ids) fed after the prompt, as one batch, with the decoder
    hearing only `span`: for each text, the logits at its `rows` (row r: what follows the
    text's first r ids), (len(rows), n_vocab), and their log-normaliser (len(rows),).
    Shorter texts are padded at the end, which no earlier row sees. One batch instead of
    one pass per text, and only the rows read: the projection onto the ~52k-token
    vocabulary is most of a pass's cost (tiny.en, 5 texts in one batch: about 40 % less
    time than 5 passes; half of what is left is the projection)."""
    start = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    width = max(len(ids) for ids in texts)
    fed = [[*start, *ids, *[tokenizer.eot] * (width - len(ids))] for ids in texts]
    read = torch.zeros((len(fed), len(fed[0])), dtype=torch.bool)
    for b, wanted in enumerate(rows):
        read[b, [len(start) - 1 + r for r in wanted]] = True
    decoder.reset(len(fed))
    with torch.no_grad():
        out = decoder.step(torch.tensor(fed, device=decoder.device), capture_layers=[],
                           logit_rows=read.to(decoder.device), audio_span=span)
    logits = out.logits[0].float()
    norm = torch.logsumexp(logits, dim=-1)
    bounds = np.cumsum([0, *(len(wanted) for wanted in rows)])
    return [(logits[lo:hi], norm[lo:hi]) for lo, hi in zip(bounds, bounds[1:], strict=False)]


def _ending_logprobs(decoder, tokenizer, words, ends: list[int], span) -> list[float]:
    """For each n in `ends`: log P(the first n words, then the end of text | span), less
    that of the words before the fewest of `ends`: the same for every n, so the choice
    between them is unchanged, and their rows need no projection onto the vocabulary."""
    ids, word_ends = _pieces(tokenizer, words)
    at = [word_ends[n - 1] if n else 0 for n in ends]
    first, last = min(at), max(at)
    [(logits, norm)] = _logprobs(decoder, tokenizer, [ids[:last]], span,
                                 [range(first, last + 1)])
    # row r: after the first `first + r` ids
    steps = _picked(logits, norm, ids[first:last]).double().numpy()
    running = np.concatenate([[0.0], np.cumsum(steps)])
    ending = _picked(logits, norm, [tokenizer.eot] * (last - first + 1))
    return [float(running[a - first]) + float(ending[a - first]) for a in at]


def _text_logprobs(decoder, tokenizer, texts: Sequence[Sequence[str]], span, ended: bool
                   ) -> list[float]:
    """log P(words | span) for each of `texts` (words each), then of the end of text if
    `ended` (else the text goes on)."""
    pieces = [_pieces(tokenizer, words)[0] for words in texts]
    targets = [[*ids, tokenizer.eot] if ended else ids for ids in pieces]
    scored = _logprobs(decoder, tokenizer, pieces, span,
                       [range(len(wanted)) for wanted in targets])
    return [float(_picked(logits, norm, wanted).double().sum())
            for (logits, norm), wanted in zip(scored, targets, strict=True)]


def _picked(logits: torch.Tensor, norm: torch.Tensor, targets: Sequence[int]) -> torch.Tensor:
    """log P(targets[r]) at row r, for the first len(targets) rows of one text's `logits`
    and log-normaliser `norm` (`_logprobs`)."""
    rows = torch.arange(len(targets))
    return logits[rows, torch.tensor(list(targets), dtype=torch.long)] - norm[rows]

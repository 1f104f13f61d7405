"""Decode one 30 s window token by token, the way `whisper.decode` does.

whisper's own `DecodingTask` is built from the `DecodingOptions` and its pieces are used as
they are: the initial tokens (prompt, SOT sequence, prefix), the logit filters (blank and
`suppress_tokens` suppression, timestamp rules), the token decoder (greedy, best-of-N
sampling, or beam search with patience) and the length-penalty ranker. Only the forward
pass is ours (`CachedDecoder`), so each step's cross-attention comes with its token.

A generator: after every step it yields the newest row of the best hypothesis so far (a
`GeneratedToken`), or, when another hypothesis has become the best (beam search, best-of),
all of that one's rows (`HypothesisSwitched`); it returns the winner as a `DecodedWindow`.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from whisper.decoding import DecodingOptions, DecodingTask, GreedyDecoder, Inference
from whisper.utils import compression_ratio

from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.decoding.decoder import CachedDecoder
from whisperscope.units import ENCODER_FRAME_SECONDS

TIME_PRECISION = ENCODER_FRAME_SECONDS  # seconds per timestamp-token step (<|0.02|>)


@dataclass(frozen=True)
class GeneratedToken:
    """One row of a hypothesis.

    `probability`: for a text token, its probability among the text tokens under the
    unfiltered logits, which is the softmax whisper's word probabilities come from
    (`timing.find_alignment`); for a special or timestamp token, its probability in the
    filtered distribution it was chosen from."""

    row: int
    token_id: int
    probability: float
    attention: np.ndarray  # (n_heads, n_frames) float32 softmax weights, alignment heads


@dataclass(frozen=True)
class HypothesisSwitched:
    """The best hypothesis so far is no longer the one whose rows were yielded: these are
    all of its rows, replacing those."""

    tokens: tuple[GeneratedToken, ...]


@dataclass(frozen=True)
class DecodedWindow:
    prompt_ids: tuple[int, ...]  # fed before the first generated token
    token_ids: tuple[int, ...]  # generated, ending with EOT when the model finished
    probabilities: tuple[float, ...]  # as GeneratedToken.probability
    attention: np.ndarray  # (n_heads, n_rows, n_frames) float32, one row per generated token
    avg_logprob: float
    no_speech_prob: float
    temperature: float
    text: str  # stripped, as whisper's DecodingResult.text

    @property
    def compression_ratio(self) -> float:
        return compression_ratio(self.text)


@dataclass(frozen=True)
class _History:
    """What one hypothesis has generated, with what the views need per row."""

    token_ids: tuple[int, ...] = ()
    rows: tuple[GeneratedToken, ...] = ()

    def extended(self, token_id: int, probability: float, attention: np.ndarray) -> _History:
        row = GeneratedToken(len(self.rows), token_id, probability, attention)
        return _History((*self.token_ids, token_id), (*self.rows, row))


class _CacheRearranger(Inference):
    """What whisper's `BeamSearchDecoder` calls to reorder the hypotheses: ours reorders
    the kv cache and remembers which hypothesis each new one continues."""

    def __init__(self, decoder: CachedDecoder):
        self.decoder = decoder
        self.sources: list[int] = []

    def rearrange_kv_cache(self, source_indices) -> None:
        self.sources = list(source_indices)
        self.decoder.select(self.sources)


class _SeededSampler(GreedyDecoder):
    """whisper's `GreedyDecoder` drawing from a seeded generator when the temperature is
    above 0, so a fallback decode gives the same result every run (whisper draws from the
    global RNG)."""

    def __init__(self, temperature: float, eot: int, generator: torch.Generator):
        super().__init__(temperature, eot)
        self.generator = generator

    def update(self, tokens, logits, sum_logprobs):
        if self.temperature == 0:
            return super().update(tokens, logits, sum_logprobs)
        probs = (logits.float() / self.temperature).softmax(dim=-1)
        next_tokens = torch.multinomial(probs, 1, generator=self.generator)[:, 0]
        logprobs = F.log_softmax(logits.float(), dim=-1)
        current_logprobs = logprobs[torch.arange(logprobs.shape[0]), next_tokens]
        sum_logprobs += current_logprobs * (tokens[:, -1] != self.eot)
        next_tokens[tokens[:, -1] == self.eot] = self.eot
        tokens = torch.cat([tokens, next_tokens[:, None]], dim=-1)
        return tokens, (tokens[:, -1] == self.eot).all()


def decode_window(
    decoder: CachedDecoder,
    options: DecodingOptions,
    head_ids: Sequence[tuple[int, int]],
    n_frames: int,
    cancel: CancelToken | None = None,
    seed: int = 0,
) -> Generator[GeneratedToken | HypothesisSwitched, None, DecodedWindow]:
    """Decode the window whose encoder output the `decoder` holds, as `whisper.decode(mel,
    options)` would (options.language must be set). `n_frames` = encoder frames holding
    real audio (attention is cut there). Raises ValueError for options whisper rejects."""
    task = DecodingTask(decoder.model, options)  # checks the options, builds the pieces
    tokenizer = task.tokenizer
    eot = tokenizer.eot
    n_group, n_ctx = task.n_group, task.n_ctx
    beams = options.beam_size is not None
    rearranger = _CacheRearranger(decoder)
    if beams:
        task.decoder.inference = rearranger
        search = task.decoder
    else:
        generator = torch.Generator(device=decoder.device).manual_seed(seed)
        search = _SeededSampler(options.temperature, eot, generator)
    search.reset()

    captured = sorted({layer for layer, _ in head_ids})  # only these need their weights
    head_layers = torch.tensor([captured.index(layer) for layer, _ in head_ids])
    heads = torch.tensor([head for _, head in head_ids])

    def head_rows(out) -> np.ndarray:  # (n_batch, n_heads, n_frames), the newest position
        rows = out.cross_attention[head_layers, :, heads, -1, :n_frames]
        return rows.transpose(0, 1).cpu().numpy()

    # one pass over the prompt, then one hypothesis per beam or sample (whisper feeds the
    # prompt n_group times over; the copies are identical)
    decoder.reset(1)
    tokens = torch.tensor([task.initial_tokens], device=decoder.device)
    out = decoder.step(tokens, captured, logit_rows=[task.sot_index, task.sample_begin - 1])
    no_speech_prob = 0.0
    if tokenizer.no_speech is not None:
        no_speech_prob = out.logits[0, 0].softmax(-1)[tokenizer.no_speech].item()
    decoder.select([0] * n_group)
    tokens = tokens.repeat(n_group, 1)
    logits = out.logits[:, -1].repeat(n_group, 1)
    attention = head_rows(out).repeat(n_group, axis=0)

    sum_logprobs = torch.zeros(n_group, device=decoder.device)
    live = [_History()] * n_group
    finished: dict[tuple[int, ...], _History] = {}  # beam search: by whole token sequence
    shown = _History()
    for _ in range(task.sample_len):
        # whisper's word-probability softmax reads the logits before any filter
        text_probs = logits[:, :eot].softmax(dim=-1)
        for logit_filter in task.logit_filters:
            logit_filter.apply(logits, tokens)
        logprobs = F.log_softmax(logits, dim=-1)
        before = {tuple(row): i for i, row in enumerate(tokens.tolist())} if beams else {}
        rearranger.sources = list(range(n_group))
        tokens, completed = search.update(tokens, logits, sum_logprobs)

        step = _Step(eot, text_probs, logprobs, attention)
        if beams:
            for sequence in search.finished_sequences[0]:
                if sequence not in finished:
                    finished[sequence] = step.grown(live, before[sequence[:-1]], eot)
        live = [step.grown(live, source, row[-1]) for source, row in
                zip(rearranger.sources, tokens.tolist(), strict=True)]
        best = _best_so_far(task, live, sum_logprobs.tolist(), finished, search, beams)
        shown = yield from _show(shown, best)
        if completed or tokens.shape[-1] > n_ctx:
            break
        if cancel is not None:
            cancel.raise_if_cancelled()
        out = decoder.step(tokens[:, -1:], captured)
        logits = out.logits[:, -1]
        attention = head_rows(out)

    winner, sum_logprob = _winner(task, search, tokens, sum_logprobs, live, finished)
    yield from _show(shown, winner)
    text_ids = [t for t in winner.token_ids if t != eot]
    rows = [row.attention for row in winner.rows]
    return DecodedWindow(
        prompt_ids=tuple(task.initial_tokens),
        token_ids=winner.token_ids,
        probabilities=tuple(row.probability for row in winner.rows),
        attention=(np.stack(rows, axis=1) if rows
                   else np.zeros((len(head_ids), 0, n_frames), np.float32)),
        avg_logprob=sum_logprob / (len(text_ids) + 1),
        no_speech_prob=no_speech_prob,
        temperature=options.temperature,
        text=tokenizer.decode(text_ids).strip(),
    )


@dataclass(frozen=True)
class _Step:
    """One decoding step's outputs, per hypothesis before the step."""

    eot: int
    text_probs: torch.Tensor  # (n_group, eot): softmax over the text tokens, unfiltered
    logprobs: torch.Tensor  # (n_group, n_vocab): log-softmax of the filtered logits
    attention: np.ndarray  # (n_group, n_heads, n_frames)

    def grown(self, live: list[_History], source: int, token_id: int) -> _History:
        """Hypothesis `source` with `token_id` appended."""
        history = live[source]
        if history.token_ids and history.token_ids[-1] == self.eot:
            return history  # a finished sample is padded with EOT, not extended
        probability = (self.text_probs[source, token_id] if token_id < self.eot
                       else self.logprobs[source, token_id].exp()).item()
        return history.extended(token_id, probability, self.attention[source])


def _show(shown: _History, best: _History):
    """Yield what turns the rows shown into `best`'s; return `best`."""
    if best.token_ids == shown.token_ids:
        return shown
    if best.token_ids[:-1] == shown.token_ids:
        yield best.rows[-1]
    else:
        yield HypothesisSwitched(best.rows)
    return best


def _best_so_far(task, live, sums, finished, search, beams) -> _History:
    """The hypothesis whisper's ranker would pick if decoding stopped now. Greedy decoding
    has just one; beam search ranks its finished sequences with the live beams."""
    if len(live) == 1:
        return live[0]
    candidates = list(live)
    scores = list(sums)
    if beams:
        for sequence, score in search.finished_sequences[0].items():
            candidates.append(finished[sequence])
            scores.append(score)
    texts = [[t for t in c.token_ids if t != task.tokenizer.eot] for c in candidates]
    return candidates[task.sequence_ranker.rank([texts], [scores])[0]]


def _winner(task, search, tokens, sum_logprobs, live, finished) -> tuple[_History, float]:
    """whisper's finalize and rank; the winner's history and summed log-probability."""
    eot = task.tokenizer.eot
    n_group = len(live)
    by_sequence = dict(finished)
    for history, row in zip(live, tokens.tolist(), strict=True):
        by_sequence.setdefault((*row, eot), history)  # an unfinished beam ended here
    candidates, sums = search.finalize(tokens.reshape(1, n_group, -1),
                                       sum_logprobs.reshape(1, n_group))
    candidates, sums = list(candidates[0]), list(sums[0])
    sliced = [c[task.sample_begin: int((c == eot).nonzero()[0, 0])] for c in candidates]
    chosen = task.sequence_ranker.rank([sliced], [sums])[0]
    if isinstance(search, _SeededSampler):
        return live[chosen], sums[chosen]
    return by_sequence[tuple(candidates[chosen].tolist())], sums[chosen]

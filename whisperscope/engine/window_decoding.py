"""Decode one 30 s window token by token, the way `whisper.decode` does with greedy search.

A generator: it yields a `GeneratedToken` the moment each token is chosen (with that step's
cross-attention for the alignment heads) and returns a `DecodedWindow` when done. Whisper's
own logit filters (blank and non-speech suppression, timestamp rules) are reused as they are.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from whisper.decoding import ApplyTimestampRules, SuppressBlank, SuppressTokens
from whisper.tokenizer import Tokenizer
from whisper.utils import compression_ratio

from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.decoder import CachedDecoder

MAX_INITIAL_TIMESTAMP = 1.0  # seconds, as whisper.decode's default
TIME_PRECISION = 0.02


@dataclass(frozen=True)
class GeneratedToken:
    row: int
    token_id: int
    probability: float
    attention: np.ndarray  # (n_heads, n_frames) float32 softmax weights, alignment heads


@dataclass(frozen=True)
class DecodedWindow:
    prompt_ids: tuple[int, ...]  # fed before the first generated token
    token_ids: tuple[int, ...]  # generated, ending with EOT when the model finished
    probabilities: tuple[float, ...]
    attention: np.ndarray  # (n_heads, n_rows, n_frames) float32, one row per generated token
    avg_logprob: float
    no_speech_prob: float
    temperature: float
    text: str

    @property
    def compression_ratio(self) -> float:
        return compression_ratio(self.text) if self.text else 0.0


def suppress_token_ids(tokenizer: Tokenizer) -> list[int]:
    """whisper's default `suppress_tokens="-1"` set plus the special tokens."""
    ids = set(tokenizer.non_speech_tokens)
    ids.update(
        [tokenizer.transcribe, tokenizer.translate, tokenizer.sot, tokenizer.sot_prev,
         tokenizer.sot_lm]
    )
    if tokenizer.no_speech is not None:
        ids.add(tokenizer.no_speech)
    return sorted(ids)


def initial_tokens(tokenizer: Tokenizer, prompt: Sequence[int], n_text_ctx: int) -> list[int]:
    tokens = list(tokenizer.sot_sequence)
    if prompt:
        tokens = [tokenizer.sot_prev, *list(prompt)[-(n_text_ctx // 2 - 1):], *tokens]
    return tokens


def decode_window(
    decoder: CachedDecoder,
    tokenizer: Tokenizer,
    prompt: Sequence[int],
    temperature: float,
    head_ids: Sequence[tuple[int, int]],
    n_frames: int,
    cancel: CancelToken | None = None,
    sample_len: int | None = None,
    seed: int = 0,
) -> Generator[GeneratedToken, None, DecodedWindow]:
    """Greedy (temperature 0) or sampled decoding of the window whose encoder output the
    `decoder` holds. `n_frames` = encoder frames holding real audio (attention is cut there).
    """
    n_ctx = decoder.n_ctx
    sample_len = sample_len or n_ctx // 2
    start_tokens = initial_tokens(tokenizer, prompt, n_ctx)
    sample_begin = len(start_tokens)
    sot_index = start_tokens.index(tokenizer.sot)
    filters = [
        SuppressBlank(tokenizer, sample_begin),
        SuppressTokens(suppress_token_ids(tokenizer)),
        ApplyTimestampRules(tokenizer, sample_begin, round(MAX_INITIAL_TIMESTAMP / TIME_PRECISION)),
    ]
    captured = sorted({layer for layer, _ in head_ids})  # only these need their weights
    head_layers = torch.tensor([captured.index(layer) for layer, _ in head_ids])
    heads = torch.tensor([head for _, head in head_ids])
    device = decoder.cross_keys[0].device
    generator = torch.Generator(device=device).manual_seed(seed)

    decoder.reset()
    tokens = torch.tensor([start_tokens], device=device)
    out = decoder.step(tokens, captured, logit_rows=[sot_index, sample_begin - 1])
    no_speech_prob = 0.0
    if tokenizer.no_speech is not None:
        no_speech_prob = out.logits[0].softmax(-1)[tokenizer.no_speech].item()

    generated: list[int] = []
    probabilities: list[float] = []
    rows: list[np.ndarray] = []
    sum_logprob = 0.0
    for row in range(sample_len):
        logits = out.logits[-1:].clone()
        attention = out.cross_attention[head_layers, heads, -1, :n_frames].cpu().numpy()
        for logit_filter in filters:
            logit_filter.apply(logits, tokens)
        if temperature == 0:
            next_token = logits.argmax(dim=-1)
        else:  # seeded, so a fallback decode gives the same result every run
            probs = (logits / temperature).softmax(dim=-1)
            next_token = torch.multinomial(probs, 1, generator=generator)[:, 0]
        logprob = F.log_softmax(logits, dim=-1)[0, next_token].item()
        token_id = int(next_token.item())
        sum_logprob += logprob
        probability = float(np.exp(logprob))
        generated.append(token_id)
        probabilities.append(probability)
        rows.append(attention)
        yield GeneratedToken(row, token_id, probability, attention)
        if token_id == tokenizer.eot or decoder.offset + 1 > n_ctx:
            break
        if cancel is not None:
            cancel.raise_if_cancelled()
        tokens = torch.cat([tokens, next_token[:, None]], dim=-1)
        out = decoder.step(next_token[:, None], captured)

    n_text = len([t for t in generated if t != tokenizer.eot])
    text_ids = [t for t in generated if t < tokenizer.eot]
    stacked = (
        np.stack(rows, axis=1) if rows else np.zeros((len(head_ids), 0, n_frames), np.float32)
    )
    return DecodedWindow(
        prompt_ids=tuple(start_tokens),
        token_ids=tuple(generated),
        probabilities=tuple(probabilities),
        attention=stacked,
        avg_logprob=sum_logprob / (n_text + 1),
        no_speech_prob=no_speech_prob,
        temperature=temperature,
        text=tokenizer.decode(text_ids),
    )

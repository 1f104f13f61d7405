"""Whisper's text decoder run step by step with our own kv-cache, exposing cross-attention.

openai-whisper's `DecodingTask` decodes a whole window before returning, and its attention
weights only exist with SDPA switched off globally (which slows the encoder too). Here the
decoder blocks' own sub-modules are called directly: self-attention uses SDPA over a
preallocated key/value cache, cross-attention is computed explicitly (one query row against
the window's 1500 encoder frames per step, cheap) so its softmax weights come for free.
No hooks, no global switches: nothing to forget to undo. Several hypotheses (beam search,
best-of-N sampling) are rows of one batch; `select` reorders their caches between steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor
from whisper.model import Whisper


@dataclass(frozen=True)
class StepOutput:
    """logits: shape = (n_batch, n_rows, n_vocab), float32, for the rows asked for.
    cross_attention: shape = (len(layers), n_batch, n_heads, n_new, n_audio_ctx), float32
    softmax weights of the captured `layers`, in that order (None when none was captured)."""

    logits: Tensor
    cross_attention: Tensor | None
    layers: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class DecoderState:
    """What one hypothesis left in a decoder's cache: the tokens fed since its last reset
    and, for the first `len(keys)` layers (all that ran), their self-attention keys and
    values, to go on from any prefix of them (`CachedDecoder.resume`)."""

    owner: CachedDecoder
    tokens: tuple[int, ...]
    keys: tuple[Tensor, ...]
    values: tuple[Tensor, ...]


class CachedDecoder:
    """Runs `model.decoder` one or more tokens at a time for a single audio window.

    Every call runs under `torch.no_grad()` on its own, so nothing here changes the grad
    mode of the caller (the analysis is a generator: a mode set around it would leak into
    whatever code runs while it is suspended at a yield)."""

    @torch.no_grad()
    def __init__(self, model: Whisper, audio_features: Tensor):
        """audio_features: shape = (1, n_audio_ctx, n_audio_state), the encoder output."""
        self.model = model
        self.blocks = list(model.decoder.blocks)
        self.n_head = model.dims.n_text_head
        self.n_ctx = model.dims.n_text_ctx
        self.dtype = audio_features.dtype
        self.device = audio_features.device
        self.offset = 0
        self.n_batch = 0
        self.cached_layers = 0  # the first layers whose cache holds every token fed
        self.self_keys: list[Tensor] = []
        self.self_values: list[Tensor] = []
        self.reset(1)
        self._audio_features = audio_features
        # Cross-attention keys/values depend on the audio only: computed once per window,
        # split into heads once, shared by every hypothesis (broadcast over the batch), and
        # only for the layers a step runs (an attention-only pass over a window stops early).
        self._cross: list[tuple[Tensor, Tensor] | None] = [None] * len(self.blocks)
        self._scaled_keys: list[Tensor | None] = [None] * len(self.blocks)

    @torch.no_grad()
    def cross_keys_values(self, layer: int) -> tuple[Tensor, Tensor]:
        """Layer `layer`'s cross-attention keys and values, split into heads."""
        made = self._cross[layer]
        if made is None:
            attn = self.blocks[layer].cross_attn
            made = (self._split_heads(attn.key(self._audio_features)),
                    self._split_heads(attn.value(self._audio_features)))
            self._cross[layer] = made
        return made

    def _keys_scaled(self, layer: int) -> Tensor:
        """Layer `layer`'s keys times d^-0.25, as a captured step scales them (whisper's
        qkv_attention): once a window instead of once a step (base decoding 113 s: 0.2 s)."""
        scaled = self._scaled_keys[layer]
        if scaled is None:
            keys = self.cross_keys_values(layer)[0]
            scaled = keys * keys.shape[-1] ** -0.25
            self._scaled_keys[layer] = scaled
        return scaled

    def reset(self, n_batch: int = 1) -> None:
        """Forget all tokens (a fallback re-decode of the same window); the next step feeds
        `n_batch` hypotheses."""
        self.offset = 0
        self.cached_layers = 0
        if self.self_keys and self.self_keys[0].shape[0] == n_batch:
            return  # the old cache is overwritten position by position
        self.n_batch = n_batch
        shape = (n_batch, self.n_ctx, self.model.dims.n_text_state)
        # left unset: a step reads only the positions fed (writing 448 positions of zeros
        # for every batch cost base 0.1 s of a 113 s passage's analysis)
        self.self_keys = [torch.empty(shape, dtype=self.dtype, device=self.device)
                          for _ in self.blocks]
        self.self_values = [torch.empty(shape, dtype=self.dtype, device=self.device)
                            for _ in self.blocks]

    def state(self, tokens: Sequence[int]) -> DecoderState:
        """The cache of a single hypothesis that was fed `tokens` since the last reset."""
        if self.n_batch != 1 or len(tokens) != self.offset:
            raise ValueError("a state is kept of one hypothesis and all it was fed")
        n, layers = self.offset, range(self.cached_layers)
        return DecoderState(self, tuple(tokens),
                            tuple(self.self_keys[i][0, :n].clone() for i in layers),
                            tuple(self.self_values[i][0, :n].clone() for i in layers))

    def resume(self, state: DecoderState, n_tokens: int) -> None:
        """Go on as if only the first `n_tokens` of `state`'s tokens had been fed since a
        reset: the next step feeds what follows them."""
        if state.owner is not self or n_tokens > len(state.tokens):
            raise ValueError("a state resumes on its own decoder, within what it was fed")
        self.reset(1)
        for i, (keys, values) in enumerate(zip(state.keys, state.values, strict=True)):
            self.self_keys[i][0, :n_tokens] = keys[:n_tokens]
            self.self_values[i][0, :n_tokens] = values[:n_tokens]
        self.offset, self.cached_layers = n_tokens, len(state.keys)

    @torch.no_grad()
    def select(self, sources: Sequence[int]) -> None:
        """Hypothesis i continues hypothesis `sources[i]` (whisper's `rearrange_kv_cache`);
        the batch may grow or shrink (e.g. one prompt pass, then five beams)."""
        if list(sources) == list(range(self.n_batch)):
            return
        index = torch.tensor(list(sources), device=self.device)
        self.self_keys = [k.index_select(0, index) for k in self.self_keys]
        self.self_values = [v.index_select(0, index) for v in self.self_values]
        self.n_batch = len(sources)

    @torch.no_grad()
    def step(
        self,
        tokens: Tensor,
        capture_layers: Sequence[int] | None = None,
        logit_rows: list[int] | Tensor | None = None,
        keep_attention: tuple[slice | list[int], int] | None = None,
        attention_sink: Callable[[int, Tensor], None] | None = None,
        audio_span: tuple[int, int] | None = None,
        attention_only: bool = False,
    ) -> StepOutput:
        """Feed `tokens` (shape = (n_batch, n_new)) after those already fed.

        capture_layers: the decoder layers whose cross-attention weights are wanted (default:
        all). The others run on SDPA: weights nobody reads are never materialised.

        logit_rows: which of the new positions need logits (default: all). Projecting onto
        the ~52k-token vocabulary is the costliest part of a long prompt, so the first step
        asks only for the rows it reads. Or a boolean mask, shape = (n_batch, n_new): the
        marked positions' logits, hypothesis after hypothesis, as one batch of rows (shape =
        (1, n_marked, n_vocab)), for hypotheses that need different rows (texts of several
        lengths padded to one).

        keep_attention: (rows, n_frames): keep only those query rows and the first n_frames
        of each captured layer's weights. A teacher-forced pass over a full window captures
        every layer: 6 x 8 x 448 x 1500 float32 is 130 MB, so each layer's full weights are
        cut as soon as they are made instead of all being stacked and cut afterwards.

        attention_sink: called with (layer, weights) for each captured layer as soon as its
        weights are made (cut by `keep_attention` when given); nothing is kept for the
        output (its cross_attention is None). A pass that keeps a few heads of each layer
        never holds all of them.

        audio_span: (lo, hi) encoder frames the cross-attention may look at; every other
        frame gets no weight, as if the window held only that stretch of audio (a pass over
        one island of speech, timing/islands.py). Default: the whole window.

        attention_only: only the captured layers' weights are wanted (through
        `attention_sink`): the layers after the deepest captured one are not run and no
        logits are made (a timing pass that keeps one head of layer 2 of tiny.en's 4 skips
        a quarter of its work). The cache then lacks those layers: a step that runs them
        needs a `reset` first.
        """
        layers = tuple(range(len(self.blocks)) if capture_layers is None
                       else sorted(set(capture_layers)))
        running = layers[-1] + 1 if attention_only and layers else len(self.blocks)
        if self.offset and running > self.cached_layers:
            raise ValueError("the cache lacks layers an attention-only step skipped: "
                             "reset the decoder first")
        cached = running if self.offset == 0 else min(self.cached_layers, running)
        if self.offset == 0 and tokens.shape[0] != self.n_batch:
            self.reset(tokens.shape[0])
        if tokens.shape[0] != self.n_batch:
            raise ValueError(f"{tokens.shape[0]} hypotheses fed, {self.n_batch} cached")
        decoder = self.model.decoder
        n_new = tokens.shape[-1]
        start, end = self.offset, self.offset + n_new
        if end > self.n_ctx:
            raise ValueError(f"decoder context full ({end} > {self.n_ctx} tokens)")
        x = decoder.token_embedding(tokens) + decoder.positional_embedding[start:end]
        x = x.to(self.dtype)
        mask = None
        if n_new > 1:
            # query i (at position start+i) may see keys 0..start+i
            q_pos = torch.arange(start, end, device=x.device)[:, None]
            k_pos = torch.arange(end, device=x.device)[None, :]
            mask = k_pos <= q_pos
        stacked = None if attention_sink is not None else _Stacked(len(layers))
        sink = attention_sink or stacked.add
        heard = None if audio_span is None else slice(max(0, audio_span[0]), audio_span[1])
        for i, block in enumerate(self.blocks):
            x = x + self._self_attention(i, block, block.attn_ln(x), start, end, mask)
            capture = i in layers
            out, weights = self._cross_attention(i, block, block.cross_attn_ln(x), capture,
                                                 heard)
            x = x + out
            if capture:
                if keep_attention is not None:
                    rows, n_frames = keep_attention
                    weights = weights[:, :, rows, :n_frames]
                sink(i, weights)
                del weights  # the full layer's weights go now
            if attention_only and i + 1 == running:
                self.offset, self.cached_layers = end, cached
                return StepOutput(logits=x.new_zeros((x.shape[0], 0, 0), dtype=torch.float32),
                                  cross_attention=None if stacked is None else stacked.tensor,
                                  layers=layers)
            x = x + block.mlp(block.mlp_ln(x))
        self.offset, self.cached_layers = end, cached
        x = decoder.ln(x)
        if isinstance(logit_rows, Tensor):
            x = x[logit_rows][None]
        elif logit_rows is not None:
            x = x[:, logit_rows]
        logits = (x @ decoder.token_embedding.weight.to(x.dtype).T).float()
        cross = None if stacked is None else stacked.tensor
        return StepOutput(logits=logits, cross_attention=cross, layers=layers)

    def _split_heads(self, x: Tensor) -> Tensor:
        n_batch, n_ctx, n_state = x.shape
        return x.view(n_batch, n_ctx, self.n_head, n_state // self.n_head).transpose(1, 2)

    @staticmethod
    def _merge_heads(x: Tensor) -> Tensor:
        return x.transpose(1, 2).flatten(start_dim=2)

    def _self_attention(self, i, block, x, start, end, mask) -> Tensor:
        attn = block.attn
        self.self_keys[i][:, start:end] = attn.key(x)
        self.self_values[i][:, start:end] = attn.value(x)
        q = self._split_heads(attn.query(x))
        k = self._split_heads(self.self_keys[i][:, :end])
        v = self._split_heads(self.self_values[i][:, :end])
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return attn.out(self._merge_heads(out))

    def _cross_attention(self, i, block, x, capture: bool, heard: slice | None = None
                         ) -> tuple[Tensor, Tensor | None]:
        """`heard`: the only encoder frames the queries may attend to (None: all)."""
        attn = block.cross_attn
        q = self._split_heads(attn.query(x))
        k, v = self.cross_keys_values(i)
        if capture:
            # as whisper's qkv_attention: q and k each scaled by d^-0.25, so that q·k stays
            # in range in float16 (scaling the product by d^-0.5 afterwards can overflow)
            k = self._keys_scaled(i)
        if q.shape[0] != k.shape[0]:
            k = k.expand(q.shape[0], -1, -1, -1)
            v = v.expand(q.shape[0], -1, -1, -1)
        if not capture:
            if heard is not None:  # the frames heard, alone: as if masked, at their cost only
                k, v = k[:, :, heard], v[:, :, heard]
            out = F.scaled_dot_product_attention(q, k, v)
            return attn.out(self._merge_heads(out)), None
        scores = ((q * q.shape[-1] ** -0.25) @ k.transpose(-1, -2)).float()
        if heard is not None:
            audible = torch.zeros(scores.shape[-1], dtype=torch.bool, device=scores.device)
            audible[heard] = True
            scores = scores.masked_fill(~audible, float("-inf"))
        weights = scores.softmax(dim=-1)
        out = weights.to(v.dtype) @ v
        return attn.out(self._merge_heads(out)), weights


class _Stacked:
    """Captured layers' weights copied one by one into a single tensor: no list to stack."""

    def __init__(self, n_layers: int):
        self.n_layers = n_layers
        self.count = 0
        self.tensor: Tensor | None = None

    def add(self, _layer: int, weights: Tensor) -> None:
        if self.tensor is None:
            self.tensor = weights.new_empty((self.n_layers, *weights.shape))
        self.tensor[self.count] = weights
        self.count += 1

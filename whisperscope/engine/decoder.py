"""Whisper's text decoder run step by step with our own kv-cache, exposing cross-attention.

openai-whisper's `DecodingTask` decodes a whole window before returning, and its attention
weights only exist with SDPA switched off globally (which slows the encoder too). Here the
decoder blocks' own sub-modules are called directly: self-attention uses SDPA over a
preallocated key/value cache, cross-attention is computed explicitly (one query row against
the window's 1500 encoder frames per step, cheap) so its softmax weights come for free.
No hooks, no global switches: nothing to forget to undo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor
from whisper.model import Whisper


@dataclass(frozen=True)
class StepOutput:
    """logits: shape = (n_rows, n_vocab), float32, for the rows asked for.
    cross_attention: shape = (len(layers), n_heads, n_new, n_audio_ctx), float32 softmax
    weights of the captured `layers`, in that order (None when none was captured)."""

    logits: Tensor
    cross_attention: Tensor | None
    layers: tuple[int, ...] = ()


class CachedDecoder:
    """Runs `model.decoder` one or more tokens at a time for a single audio window."""

    def __init__(self, model: Whisper, audio_features: Tensor):
        """audio_features: shape = (1, n_audio_ctx, n_audio_state), the encoder output."""
        decoder = model.decoder
        self.model = model
        self.blocks = list(decoder.blocks)
        self.n_head = model.dims.n_text_head
        self.n_ctx = model.dims.n_text_ctx
        dtype = audio_features.dtype
        device = audio_features.device
        n_state = model.dims.n_text_state
        self.offset = 0
        shape = (1, self.n_ctx, n_state)
        self.self_keys = [torch.zeros(shape, dtype=dtype, device=device) for _ in self.blocks]
        self.self_values = [torch.zeros(shape, dtype=dtype, device=device) for _ in self.blocks]
        # Cross-attention keys/values depend on the audio only: computed once per window.
        self.cross_keys = [b.cross_attn.key(audio_features) for b in self.blocks]
        self.cross_values = [b.cross_attn.value(audio_features) for b in self.blocks]
        self.dtype = dtype

    def reset(self) -> None:
        """Forget all tokens (for a fallback re-decode of the same window)."""
        self.offset = 0

    def step(
        self,
        tokens: Tensor,
        capture_layers: Sequence[int] | None = None,
        logit_rows: list[int] | None = None,
    ) -> StepOutput:
        """Feed `tokens` (shape = (1, n_new)) after those already fed.

        capture_layers: the decoder layers whose cross-attention weights are wanted (default:
        all). The others run on SDPA: weights nobody reads are never materialised.

        logit_rows: which of the new positions need logits (default: all). Projecting onto
        the ~52k-token vocabulary is the costliest part of a long prompt, so the first step
        asks only for the rows it reads.
        """
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
        layers = tuple(range(len(self.blocks)) if capture_layers is None
                       else sorted(set(capture_layers)))
        attentions = []
        for i, block in enumerate(self.blocks):
            x = x + self._self_attention(i, block, block.attn_ln(x), start, end, mask)
            capture = i in layers
            out, weights = self._cross_attention(i, block, block.cross_attn_ln(x), capture)
            x = x + out
            if capture:
                attentions.append(weights)
            x = x + block.mlp(block.mlp_ln(x))
        self.offset = end
        x = decoder.ln(x)[0]
        if logit_rows is not None:
            x = x[logit_rows]
        logits = (x @ decoder.token_embedding.weight.to(x.dtype).T).float()
        cross = torch.stack(attentions)[:, 0] if attentions else None
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

    def _cross_attention(self, i, block, x, capture: bool) -> tuple[Tensor, Tensor | None]:
        attn = block.cross_attn
        q = self._split_heads(attn.query(x))
        k = self._split_heads(self.cross_keys[i])
        v = self._split_heads(self.cross_values[i])
        if not capture:
            out = F.scaled_dot_product_attention(q, k, v)
            return attn.out(self._merge_heads(out)), None
        scale = q.shape[-1] ** -0.5
        weights = ((q @ k.transpose(-1, -2)) * scale).float().softmax(dim=-1)
        out = weights.to(v.dtype) @ v
        return attn.out(self._merge_heads(out)), weights

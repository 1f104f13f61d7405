"""Turn a CTranslate2 Whisper model into openai-whisper's `Whisper` module.

The name mapping is the table in docs/ARCHITECTURE.md. Fused projections are split by rows
(self-attention `linear_0` = query, key, value; cross-attention `linear_1` = key, value);
Whisper's key projections have no bias, so that part of the fused bias is dropped (a key
bias only shifts every score of a query by the same amount, so softmax ignores it).
Weights are converted to float32; the caller moves or halves the model for its device.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch.overrides import TorchFunctionMode
from whisper.model import ModelDimensions, Whisper

from whisperscope.engine.models.ct2_dequantize import dequantize
from whisperscope.engine.models.ct2_reader import CT2Model, drop_pages
from whisperscope.errors import ModelError

AlignmentHeads = tuple[tuple[int, int], ...]

_MAX_CONFIG_BYTES = 16 * 1024 * 1024


def whisper_dims(ct2: CT2Model) -> ModelDimensions:
    """Infer `ModelDimensions` from the tensor shapes and the `*/num_heads` scalars."""

    conv1 = _tensor(ct2, "encoder/conv1/weight", rank=3)
    audio_pos = _tensor(ct2, "encoder/position_encodings/encodings", rank=2)
    embeddings = _tensor(ct2, "decoder/embeddings/weight", rank=2)
    text_pos = _tensor(ct2, "decoder/position_encodings/encodings", rank=2)
    dims = ModelDimensions(
        n_mels=conv1.shape[1],
        n_audio_ctx=audio_pos.shape[0],
        n_audio_state=conv1.shape[0],
        n_audio_head=_num_heads(ct2, "encoder"),
        n_audio_layer=_num_layers(ct2, "encoder"),
        n_vocab=embeddings.shape[0],
        n_text_ctx=text_pos.shape[0],
        n_text_state=embeddings.shape[1],
        n_text_head=_num_heads(ct2, "decoder"),
        n_text_layer=_num_layers(ct2, "decoder"),
    )
    for side, state, heads in (
        ("encoder", dims.n_audio_state, dims.n_audio_head),
        ("decoder", dims.n_text_state, dims.n_text_head),
    ):
        if state % heads:
            raise ModelError(
                f"{ct2.source}: {side} width {state} is not a multiple of its {heads} heads."
            )
    return dims


def ct2_state_dict(ct2: CT2Model, dims: ModelDimensions) -> dict[str, torch.Tensor]:
    """openai-whisper state-dict entries (float32) for every tensor of a CT2 Whisper model.

    Raises `ModelError` for a missing variable, a fused projection of the wrong size, or a
    tensor the mapping does not know (rank-0 settings such as `decoder/pre_norm` are skipped).
    """
    builder = _StateDictBuilder(ct2)
    b = builder
    b.linear("encoder/conv1", "encoder.conv1")
    b.linear("encoder/conv2", "encoder.conv2")
    b.copy("encoder/position_encodings/encodings", "encoder.positional_embedding")
    b.norm("encoder/layer_norm", "encoder.ln_post")
    b.copy("decoder/embeddings/weight", "decoder.token_embedding.weight")
    b.copy("decoder/position_encodings/encodings", "decoder.positional_embedding")
    b.norm("decoder/layer_norm", "decoder.ln")
    b.tied("decoder/projection/weight", "decoder/embeddings/weight")
    for side, n_layer, n_state in (
        ("encoder", dims.n_audio_layer, dims.n_audio_state),
        ("decoder", dims.n_text_layer, dims.n_text_state),
    ):
        for layer in range(n_layer):
            src, dst = f"{side}/layer_{layer}", f"{side}.blocks.{layer}"
            b.fused(
                f"{src}/self_attention/linear_0",
                [f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value"],
                n_state,
                no_bias=f"{dst}.attn.key",
            )
            b.linear(f"{src}/self_attention/linear_1", f"{dst}.attn.out")
            b.norm(f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
            if side == "decoder":
                b.linear(f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
                b.fused(
                    f"{src}/attention/linear_1",
                    [f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"],
                    n_state,
                    no_bias=f"{dst}.cross_attn.key",
                )
                b.linear(f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
                b.norm(f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
            b.linear(f"{src}/ffn/linear_0", f"{dst}.mlp.0")
            b.linear(f"{src}/ffn/linear_1", f"{dst}.mlp.2")
            b.norm(f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
    return builder.finish()


def read_alignment_heads(config_path: str | Path) -> AlignmentHeads | None:
    """The `alignment_heads` ([layer, head] pairs) of a CT2 `config.json`; None if absent."""
    path = Path(config_path)
    try:
        if path.stat().st_size > _MAX_CONFIG_BYTES:
            raise ModelError(f"{path}: too large for a model config.json.")
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the model config: {exc}") from exc
    heads = config.get("alignment_heads") if isinstance(config, dict) else None
    if heads is None:
        return None
    try:
        pairs = tuple((int(layer), int(head)) for layer, head in heads)
    except (TypeError, ValueError) as exc:
        raise ModelError(
            f"{path}: alignment_heads must be a list of [layer, head] pairs, got {heads!r:.200}"
        ) from exc
    return pairs


def default_alignment_heads(n_text_layer: int, n_text_head: int) -> AlignmentHeads:
    """openai-whisper's default: every head of the last half of the decoder layers."""
    layers = range(n_text_layer // 2, n_text_layer)
    return tuple((layer, head) for layer in layers for head in range(n_text_head))


def alignment_heads_of(model: Whisper) -> AlignmentHeads:
    """The (layer, head) pairs of a model's `alignment_heads` buffer, sorted."""
    mask = model.alignment_heads
    mask = mask.to_dense() if mask.is_sparse else mask
    return tuple((int(layer), int(head)) for layer, head in mask.nonzero().tolist())


def set_alignment_heads(model: Whisper, heads: Iterable[Sequence[int]]) -> None:
    """Register `heads` as the model's sparse bool `alignment_heads` buffer, shape =
    (n_text_layer, n_text_head), as `Whisper.set_alignment_heads` does for its own dumps."""
    n_layer, n_head = model.dims.n_text_layer, model.dims.n_text_head
    mask = torch.zeros(n_layer, n_head, dtype=torch.bool)
    for layer, head in heads:
        if not (0 <= layer < n_layer and 0 <= head < n_head):
            raise ModelError(
                f"Alignment head ({layer}, {head}) is outside this model's {n_layer} decoder "
                f"layers x {n_head} heads."
            )
        mask[layer, head] = True
    if not mask.any():
        raise ModelError("The model's alignment_heads list is empty.")
    model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)


def whisper_from_ct2(ct2: CT2Model, alignment_heads: Iterable[Sequence[int]] | None) -> Whisper:
    """A float32 CPU `Whisper` with the CT2 weights (strict load) and alignment heads.

    `alignment_heads` None keeps openai-whisper's default (last half of the layers).
    Quantized (int8, int16) weights are dequantised first (`ct2_dequantize`).
    """
    ct2 = dequantize(ct2)
    dims = whisper_dims(ct2)
    model = load_whisper_state(dims, ct2_state_dict(ct2, dims), ct2.source)
    if alignment_heads is not None:
        set_alignment_heads(model, alignment_heads)
    return model


def load_whisper_state(
    dims: ModelDimensions, state: Mapping[str, torch.Tensor], source: str
) -> Whisper:
    """A float32 `Whisper(dims)` with `state` loaded strictly (every key, every shape), in
    eval mode.

    The random initialisation is skipped (it costs more than the load): the strict load
    replaces every parameter and persistent buffer, and the non-persistent ones (causal
    mask, alignment heads) are built without random numbers. `source` names the weights
    in the `ModelError` raised when they do not fit.
    """

    with _SkipRandomInit():
        model = Whisper(dims)
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    _check_keys(model, state, source)
    _check_finite(state, source)
    try:
        model.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:
        raise ModelError(f"{source}: the weights do not fit a Whisper model: "
                         f"{_first_line(exc)}") from exc
    return model.eval()


def _check_keys(model: Whisper, state: Mapping[str, torch.Tensor], source: str) -> None:
    """A short ModelError for weights that are missing or extra (torch lists every key: a
    checkpoint with no weights at all would print kilobytes)."""
    expected = set(model.state_dict())
    missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
    if not missing and not extra:
        return
    if not state:
        raise ModelError(f"{source}: the checkpoint holds no weights at all.")
    if not set(state) & expected:
        raise ModelError(f"{source}: holds none of a Whisper model's {len(expected)} weights "
                         f"({len(state)} other entries); not a Whisper checkpoint.")
    parts = [f"{len(names)} {what} (e.g. {', '.join(names[:3])})"
             for names, what in ((missing, "missing"), (extra, "unexpected")) if names]
    raise ModelError(f"{source}: the weights do not fit a Whisper model: {'; '.join(parts)}.")


def _check_finite(state: Mapping[str, torch.Tensor], source: str) -> None:
    """ModelError naming the first tensor with a NaN or an infinity: a few flipped bytes
    make them, and the model would decode garbage for minutes before failing. One cheap
    pass per tensor (~50 ms for tiny.en), a million values at a time: `isfinite(t).all()`
    over base's whole token embedding briefly took 180 MB."""
    for name, tensor in state.items():
        if tensor.is_floating_point() and not _all_finite(tensor):
            bad = int((~torch.isfinite(tensor)).sum())
            raise ModelError(f"{source}: the model file is corrupt: tensor {name!r} holds {bad} "
                             "value(s) that are not finite (NaN or infinity). Reinstall or "
                             "re-download it.")


def _all_finite(tensor: torch.Tensor, chunk: int = 1 << 20) -> bool:
    flat = tensor.reshape(-1)
    return all(bool(torch.isfinite(flat[i: i + chunk]).all())
               for i in range(0, flat.numel(), chunk))


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (" ".join(lines[:2]))[:300]


class _SkipRandomInit(TorchFunctionMode):
    """Within this mode the random weight initialisers of `torch.nn.init` do nothing."""

    def __init__(self):
        super().__init__()
        self._skip = {
            torch.nn.init.kaiming_uniform_,
            torch.nn.init.uniform_,
            torch.nn.init.normal_,
            torch.Tensor.uniform_,
            torch.Tensor.normal_,
        }

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in self._skip:
            return args[0] if args else kwargs.get("tensor")
        return func(*args, **(kwargs or {}))


class _StateDictBuilder:
    """Collects state-dict entries and remembers which CT2 variables were used."""

    def __init__(self, ct2: CT2Model):
        self.ct2 = ct2
        self.state: dict[str, torch.Tensor] = {}
        self.used: set[str] = set()

    def get(self, name: str) -> np.ndarray:
        if name not in self.ct2:
            raise ModelError(f"{self.ct2.source}: the Whisper variable {name!r} is missing.")
        self.used.add(self.ct2.aliases.get(name, name))
        self.used.add(name)
        return self.ct2[name]

    def put(self, name: str, array: np.ndarray) -> None:
        # file-backed (read-only) arrays are copied to float32; arrays made on load
        # (dequantised weights) already are, and a second copy would double a large
        # model's peak memory
        if not (array.dtype == np.float32 and array.flags.writeable):
            copied = np.array(array, dtype=np.float32)
            drop_pages(array)
            array = copied
        self.state[name] = torch.from_numpy(array)

    def tied(self, name: str, target: str) -> None:
        """Whisper ties the output projection to the token embeddings: accept `name` only as
        an alias of `target`, or as a copy of it."""
        if name not in self.ct2:
            return
        self.used.add(name)
        if self.ct2.aliases.get(name) != target and not np.array_equal(
            self.ct2[name], self.get(target)
        ):
            raise ModelError(
                f"{self.ct2.source}: {name!r} differs from {target!r}; Whisper ties them."
            )

    def copy(self, src: str, dst: str) -> None:
        self.put(dst, self.get(src))

    def linear(self, src: str, dst: str) -> None:
        self.put(f"{dst}.weight", self.get(f"{src}/weight"))
        self.put(f"{dst}.bias", self.get(f"{src}/bias"))

    def norm(self, src: str, dst: str) -> None:
        self.put(f"{dst}.weight", self.get(f"{src}/gamma"))
        self.put(f"{dst}.bias", self.get(f"{src}/beta"))

    def fused(self, src: str, dsts: list[str], n_state: int, no_bias: str) -> None:
        weight, bias = self.get(f"{src}/weight"), self.get(f"{src}/bias")
        rows = len(dsts) * n_state
        if weight.shape[:1] != (rows,) or bias.shape != (rows,):
            raise ModelError(
                f"{self.ct2.source}: {src} should hold {len(dsts)} fused projections of "
                f"{n_state} rows, but its weight is {weight.shape} and its bias {bias.shape}."
            )
        for i, dst in enumerate(dsts):
            part = slice(i * n_state, (i + 1) * n_state)
            self.put(f"{dst}.weight", weight[part])
            if dst != no_bias:
                self.put(f"{dst}.bias", bias[part])

    def finish(self) -> dict[str, torch.Tensor]:
        unknown = sorted(
            name for name in self.ct2.names() if name not in self.used and self.ct2[name].ndim > 0
        )
        if unknown:
            shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            raise ModelError(
                f"{self.ct2.source}: {len(unknown)} tensors have no place in a Whisper model: "
                f"{shown}"
            )
        return self.state


def _tensor(ct2: CT2Model, name: str, rank: int) -> np.ndarray:
    if name not in ct2:
        raise ModelError(f"{ct2.source}: the Whisper variable {name!r} is missing.")
    array = ct2[name]
    if array.ndim != rank or 0 in array.shape:
        raise ModelError(f"{ct2.source}: {name!r} has shape {array.shape}, expected rank {rank}.")
    return array


def _num_heads(ct2: CT2Model, side: str) -> int:
    name = f"{side}/num_heads"
    if name not in ct2 or ct2[name].size != 1:
        raise ModelError(f"{ct2.source}: the scalar {name!r} is missing.")
    heads = int(ct2[name].reshape(()))
    if heads <= 0:
        raise ModelError(f"{ct2.source}: {name!r} is {heads}.")
    return heads


def _num_layers(ct2: CT2Model, side: str) -> int:
    pattern = re.compile(rf"{side}/layer_(\d+)/")
    layers = {int(m.group(1)) for name in ct2.variables if (m := pattern.match(name))}
    if not layers or layers != set(range(len(layers))):
        raise ModelError(
            f"{ct2.source}: the {side} layers are not numbered 0..N-1 "
            f"(found {sorted(layers)[:10]})."
        )
    return len(layers)

"""Turn a Hugging Face transformers Whisper folder into openai-whisper's `Whisper` module.

A folder holds `config.json` and the weights as `model.safetensors`, or sharded as
`model-0000k-of-0000n.safetensors` listed in `model.safetensors.index.json`. Only
safetensors are read (`safetensors.safe_open`): a `pytorch_model.bin` is a pickle, which can
run code, and is refused. Names map as below (`L` = layer index; the `model.` prefix of
`WhisperForConditionalGeneration` is optional, so a bare `WhisperModel` loads too):

| transformers | openai-whisper |
| --- | --- |
| `encoder.conv1.*`, `encoder.conv2.*` | `encoder.conv1.*`, `encoder.conv2.*` |
| `encoder.embed_positions.weight` | `encoder.positional_embedding` |
| `encoder.layer_norm.*` | `encoder.ln_post.*` |
| `*.layers.L.self_attn.{q,k,v,out}_proj.*` | `*.blocks.L.attn.{query,key,value,out}.*` |
| `*.layers.L.self_attn_layer_norm.*` | `*.blocks.L.attn_ln.*` |
| `decoder.layers.L.encoder_attn.{q,k,v,out}_proj.*` | `decoder.blocks.L.cross_attn.{query,…}.*` |
| `decoder.layers.L.encoder_attn_layer_norm.*` | `decoder.blocks.L.cross_attn_ln.*` |
| `*.layers.L.fc1.*`, `fc2.*`, `final_layer_norm.*` | `*.blocks.L.mlp.0.*`, `mlp.2.*`, `mlp_ln.*` |
| `decoder.embed_tokens.weight` | `decoder.token_embedding.weight` |
| `decoder.embed_positions.weight` | `decoder.positional_embedding` |
| `decoder.layer_norm.*` | `decoder.ln.*` |
| `proj_out.weight` (when saved) | none: whisper ties it to the token embeddings |

transformers keeps q, k and v as separate projections like whisper does, and its `k_proj`
has no bias, like whisper's `key`. It scales the query by `head_dim**-0.5` where whisper
scales query and key by `head_dim**-0.25` each: the same scores. The head counts are not
in the shapes and come from `config.json`; everything else from the tensors.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from whisperscope.engine.models.tokenizer_check import check_tokenizer_files, check_vocab_size
from whisperscope.errors import ModelError

if TYPE_CHECKING:  # torch and whisper load only with weights: model discovery stays cheap
    import torch
    from whisper.model import ModelDimensions, Whisper

SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"
_MAX_JSON_BYTES = 16 * 1024 * 1024

_LAYER_PARTS = {
    "self_attn.q_proj": "attn.query",
    "self_attn.k_proj": "attn.key",
    "self_attn.v_proj": "attn.value",
    "self_attn.out_proj": "attn.out",
    "self_attn_layer_norm": "attn_ln",
    "fc1": "mlp.0",
    "fc2": "mlp.2",
    "final_layer_norm": "mlp_ln",
}
_CROSS_PARTS = {
    "encoder_attn.q_proj": "cross_attn.query",
    "encoder_attn.k_proj": "cross_attn.key",
    "encoder_attn.v_proj": "cross_attn.value",
    "encoder_attn.out_proj": "cross_attn.out",
    "encoder_attn_layer_norm": "cross_attn_ln",
}
_MODULES = {
    "encoder.conv1": "encoder.conv1",
    "encoder.conv2": "encoder.conv2",
    "encoder.layer_norm": "encoder.ln_post",
    "decoder.layer_norm": "decoder.ln",
    "decoder.embed_tokens": "decoder.token_embedding",
}
_WHOLE = {
    "encoder.embed_positions.weight": "encoder.positional_embedding",
    "decoder.embed_positions.weight": "decoder.positional_embedding",
}
_TIED = "proj_out.weight"
_LAYER = re.compile(r"(encoder|decoder)\.layers\.(\d+)\.(.+)\.(weight|bias)")
_MODULE = re.compile(r"(.+)\.(weight|bias)")


def is_hf_folder(folder: Path) -> bool:
    return (folder / SINGLE_FILE).is_file() or (folder / INDEX_FILE).is_file()


def whisper_name(hf_name: str) -> str | None:
    """The openai-whisper state-dict name of a transformers tensor; None if it has none."""
    name = hf_name.removeprefix("model.")
    if name in _WHOLE:
        return _WHOLE[name]
    if match := _LAYER.fullmatch(name):
        side, layer, part, kind = match.groups()
        parts = {**_LAYER_PARTS, **_CROSS_PARTS} if side == "decoder" else _LAYER_PARTS
        if part in parts:
            return f"{side}.blocks.{layer}.{parts[part]}.{kind}"
        return None
    if (match := _MODULE.fullmatch(name)) and match.group(1) in _MODULES:
        return f"{_MODULES[match.group(1)]}.{match.group(2)}"
    return None


def whisper_state_from_hf(tensors: dict[str, torch.Tensor], source: str) -> dict:
    """openai-whisper state-dict entries for transformers-named tensors. Raises
    `ModelError` for a tensor with no place in Whisper or an untied output projection."""
    import torch

    state: dict[str, torch.Tensor] = {}
    unknown = []
    for hf_name, tensor in tensors.items():
        if hf_name.removeprefix("model.") == _TIED:
            continue
        name = whisper_name(hf_name)
        if name is None:
            unknown.append(hf_name)
        elif name in state:
            raise ModelError(f"{source}: two tensors map to {name!r} (one is {hf_name!r}).")
        else:
            state[name] = tensor
    if unknown:
        shown = ", ".join(sorted(unknown)[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ModelError(
            f"{source}: {len(unknown)} tensors have no place in a Whisper model: {shown}"
        )
    projection = next((t for k, t in tensors.items() if k.removeprefix("model.") == _TIED), None)
    embeddings = state.get("decoder.token_embedding.weight")
    if projection is not None and embeddings is not None and not torch.equal(
        projection, embeddings
    ):
        raise ModelError(
            f"{source}: proj_out.weight differs from decoder.embed_tokens.weight; Whisper "
            "ties them."
        )
    return state


def hf_dims(config: dict, state: dict[str, torch.Tensor], source: str) -> ModelDimensions:
    """`ModelDimensions` from the converted tensors' shapes and config.json's head counts."""
    from whisper.model import ModelDimensions

    for key, wanted in (("model_type", "whisper"), ("activation_function", "gelu")):
        if config.get(key, wanted) != wanted:
            raise ModelError(f"{source}: config.json has {key} {config[key]!r}, not {wanted!r}.")
    if config.get("scale_embedding"):
        raise ModelError(f"{source}: config.json scales the embeddings; Whisper does not.")

    def shape(name: str, rank: int) -> tuple[int, ...]:
        if name not in state:
            raise ModelError(f"{source}: the Whisper tensor {name!r} is missing.")
        if state[name].ndim != rank:
            raise ModelError(f"{source}: {name!r} has shape {tuple(state[name].shape)}.")
        return tuple(state[name].shape)

    def heads(key: str) -> int:
        value = config.get(key)
        if not isinstance(value, int) or value <= 0:
            raise ModelError(f"{source}: config.json needs a positive {key}, got {value!r}.")
        return value

    def layers(side: str) -> int:
        found = {int(k.split(".")[2]) for k in state if k.startswith(f"{side}.blocks.")}
        if found != set(range(len(found))):
            raise ModelError(f"{source}: the {side} layers are not numbered 0..N-1.")
        return len(found)

    n_audio_state, n_mels, _ = shape("encoder.conv1.weight", 3)
    n_vocab, n_text_state = shape("decoder.token_embedding.weight", 2)
    if config.get("num_mel_bins", n_mels) != n_mels:
        raise ModelError(
            f"{source}: config.json says {config['num_mel_bins']} mel bands, the weights "
            f"read {n_mels}."
        )
    return ModelDimensions(
        n_mels=n_mels,
        n_audio_ctx=shape("encoder.positional_embedding", 2)[0],
        n_audio_state=n_audio_state,
        n_audio_head=heads("encoder_attention_heads"),
        n_audio_layer=layers("encoder"),
        n_vocab=n_vocab,
        n_text_ctx=shape("decoder.positional_embedding", 2)[0],
        n_text_state=n_text_state,
        n_text_head=heads("decoder_attention_heads"),
        n_text_layer=layers("decoder"),
    )


def whisper_from_hf(folder: Path) -> Whisper:
    """A float32 CPU `Whisper` with the folder's weights (strict load); its default
    alignment heads (the caller sets better ones)."""
    from whisperscope.engine.models.ct2_convert import load_whisper_state

    source = str(folder)
    config = read_json(folder / "config.json")
    if not isinstance(config, dict):
        raise ModelError(f"{folder}: a transformers Whisper folder needs config.json.")
    state = whisper_state_from_hf(read_safetensors(folder), source)
    dims = hf_dims(config, state, source)
    check_vocab_size(dims.n_vocab, source)
    check_tokenizer_files(folder, dims.n_vocab, source)
    return load_whisper_state(dims, state, source)


def safetensors_files(folder: Path) -> list[Path]:
    """The weight files of a transformers folder: model.safetensors, or the shards its
    index lists (plain file names inside the folder)."""
    if (folder / SINGLE_FILE).is_file():
        return [folder / SINGLE_FILE]
    index = read_json(folder / INDEX_FILE)
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict) or not weight_map:
        raise ModelError(f"{folder / INDEX_FILE}: no weight_map of tensor names to files.")
    names = sorted(set(weight_map.values()))
    for name in names:
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            raise ModelError(f"{folder / INDEX_FILE}: {name!r} is not a file in the folder.")
        if not (folder / name).is_file():
            raise ModelError(f"{folder / name}: listed in {INDEX_FILE} but missing.")
    return [folder / name for name in names]


def read_safetensors(folder: Path) -> dict[str, torch.Tensor]:
    """Every tensor of the folder's safetensors file(s), by its transformers name."""
    from safetensors import safe_open

    tensors: dict[str, torch.Tensor] = {}
    for path in safetensors_files(folder):
        try:
            with safe_open(str(path), framework="pt") as file:
                for name in file.keys():
                    if name in tensors:
                        raise ModelError(f"{path}: tensor {name!r} is also in another shard.")
                    tensors[name] = file.get_tensor(name)
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - SafetensorError, OSError, a bad header
            raise ModelError(f"{path}: not a readable safetensors file ({exc}).") from exc
    return tensors


def read_json(path: Path):
    """A small JSON file's content; None when it does not exist."""
    try:
        if path.stat().st_size > _MAX_JSON_BYTES:
            raise ModelError(f"{path}: too large for a model config file.")
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read it: {exc}") from exc

"""Writers for every model layout WhisperScope reads, independent of the readers under test:
openai-whisper checkpoints, CTranslate2 folders (float16, int8 as CTranslate2 quantizes),
transformers folders (single and sharded safetensors) and the Hugging Face cache layout."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from whisper.model import ModelDimensions, Whisper

# openai-whisper -> transformers, the substitutions of transformers' convert_openai_to_hf.py
# run backwards (applied in this order to every state-dict name)
TO_TRANSFORMERS = (
    ("encoder.positional_embedding", "encoder.embed_positions.weight"),
    ("decoder.positional_embedding", "decoder.embed_positions.weight"),
    ("blocks", "layers"),
    ("mlp.0", "fc1"),
    ("mlp.2", "fc2"),
    ("mlp_ln", "final_layer_norm"),
    (".attn.query", ".self_attn.q_proj"),
    (".attn.key", ".self_attn.k_proj"),
    (".attn.value", ".self_attn.v_proj"),
    (".attn_ln", ".self_attn_layer_norm"),
    (".attn.out", ".self_attn.out_proj"),
    (".cross_attn.query", ".encoder_attn.q_proj"),
    (".cross_attn.key", ".encoder_attn.k_proj"),
    (".cross_attn.value", ".encoder_attn.v_proj"),
    (".cross_attn_ln", ".encoder_attn_layer_norm"),
    (".cross_attn.out", ".encoder_attn.out_proj"),
    ("decoder.ln.", "decoder.layer_norm."),
    ("ln_post", "layer_norm"),
    ("token_embedding", "embed_tokens"),
)

# mel bands -> vocabulary size of the official models with them
VOCAB = {80: 51865, 128: 51866}


def random_whisper(n_mels=80, n_text_layer=4, n_vocab=None, n_audio_ctx=8, n_text_ctx=8,
                   seed=0) -> Whisper:
    """A randomly initialised Whisper with tiny widths and a real vocabulary size."""
    torch.manual_seed(seed)
    dims = ModelDimensions(
        n_mels=n_mels, n_audio_ctx=n_audio_ctx, n_audio_state=16, n_audio_head=2,
        n_audio_layer=2, n_vocab=n_vocab or VOCAB[n_mels], n_text_ctx=n_text_ctx,
        n_text_state=16, n_text_head=4, n_text_layer=n_text_layer,
    )  # fmt: skip
    model = Whisper(dims).eval()
    with torch.no_grad():
        model.decoder.positional_embedding.normal_(0, 0.1)  # whisper leaves it torch.empty
        for name, param in model.named_parameters():
            if "ln" in name:  # layer norms start as exactly 1 and 0: make them worth checking
                param.add_(torch.randn_like(param) * 0.1)
    return model


def whisper_from_state(dims: ModelDimensions, state: dict) -> Whisper:
    """openai-whisper's own model with exactly these tensors (the reference)."""
    model = Whisper(dims)
    model.load_state_dict({k: torch.as_tensor(v).float() for k, v in state.items()})
    return model.eval()


def transformers_name(name: str) -> str:
    for old, new in TO_TRANSFORMERS:
        name = name.replace(old, new)
    return f"model.{name}"


def transformers_config(dims: ModelDimensions) -> dict:
    return {
        "model_type": "whisper", "architectures": ["WhisperForConditionalGeneration"],
        "num_mel_bins": dims.n_mels, "d_model": dims.n_text_state,
        "encoder_layers": dims.n_audio_layer, "encoder_attention_heads": dims.n_audio_head,
        "decoder_layers": dims.n_text_layer, "decoder_attention_heads": dims.n_text_head,
        "vocab_size": dims.n_vocab, "max_source_positions": dims.n_audio_ctx,
        "max_target_positions": dims.n_text_ctx, "activation_function": "gelu",
        "scale_embedding": False,
    }  # fmt: skip


def write_transformers(model: Whisper, folder: Path, *, shards: int = 1, dtype=torch.float32,
                       heads=None, with_proj_out: bool = False) -> Path:
    """A transformers Whisper folder of `model`'s weights: config.json, model.safetensors
    (or `shards` files and model.safetensors.index.json), generation_config.json with
    `heads` when given."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {transformers_name(k): v.detach().to(dtype).contiguous().clone()
               for k, v in model.state_dict().items()}
    if with_proj_out:
        tensors["proj_out.weight"] = tensors["model.decoder.embed_tokens.weight"].clone()
    (folder / "config.json").write_text(json.dumps(transformers_config(model.dims)))
    if heads is not None:
        (folder / "generation_config.json").write_text(
            json.dumps({"alignment_heads": [list(h) for h in heads]}))
    names = sorted(tensors)
    if shards == 1:
        save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
        return folder
    weight_map = {}
    for index, chunk in enumerate(np.array_split(np.array(names), shards), start=1):
        file = f"model-{index:05d}-of-{shards:05d}.safetensors"
        save_file({name: tensors[name] for name in chunk}, str(folder / file),
                  metadata={"format": "pt"})
        weight_map.update({name: file for name in chunk})
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map}))
    return folder


def quantize_int8(variables: dict[str, np.ndarray], float_dtype=np.float16) -> dict:
    """CTranslate2's int8 quantization (specs/model_spec.py): every linear and embedding
    weight becomes int8 with a per-row float32 `weight_scale = 127 / max|row|`; the rest is
    stored as `float_dtype` (int8_float16; plain "int8" keeps float32)."""
    out = {}
    for name, value in variables.items():
        if value.ndim == 0:
            out[name] = value
        elif name.endswith("/weight") and value.ndim == 2:  # linear and embeddings, not conv
            value = value.astype(np.float32)
            amax = np.abs(value).max(axis=1)
            amax[amax == 0] = 127.0
            scale = (127.0 / amax).astype(np.float32)
            out[name] = np.rint(value * scale[:, None]).astype(np.int8)
            out[f"{name}_scale"] = scale
        else:
            out[name] = value.astype(float_dtype)
    return out


def int8_reference_state(model: Whisper, float_dtype=np.float16) -> dict[str, torch.Tensor]:
    """The tensors an int8 CTranslate2 copy of `model` stands for, worked out on
    openai-whisper's names: each linear and embedding weight quantized per row and divided
    back (per-row scales make fusing q/k/v before or after the same), the rest rounded to
    `float_dtype`."""
    out = {}
    for name, tensor in model.state_dict().items():
        value = tensor.detach().numpy().astype(np.float32)
        if name.endswith(".weight") and value.ndim == 2:
            amax = np.abs(value).max(axis=1)
            amax[amax == 0] = 127.0
            scale = (127.0 / amax).astype(np.float32)
            quantized = np.rint(value * scale[:, None]).astype(np.int8)
            value = quantized.astype(np.float32) / scale[:, None]
        else:
            value = value.astype(float_dtype).astype(np.float32)
        out[name] = torch.from_numpy(value)
    return out


def write_checkpoint(model: Whisper, path: Path, dtype=torch.float16) -> Path:
    state = {k: v.detach().to(dtype) for k, v in model.state_dict().items()}
    torch.save({"dims": asdict(model.dims), "model_state_dict": state}, path)
    return path


def hf_cache_repo(cache: Path, repo_id: str, files: dict[str, Path | bytes],
                  commit: str | None = None, main: bool = True) -> Path:
    """A repo laid out as huggingface_hub's cache lays it out: blobs/<hash> (here symlinks
    to `files`' paths, or files holding the given bytes), snapshots/<commit>/<name> ->
    ../../blobs/<hash>, and refs/main holding the commit. Returns the snapshot folder."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    commit = commit or hashlib.sha1(repo_id.encode()).hexdigest()
    snapshot = repo / "snapshots" / commit
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        key = hashlib.sha256(f"{repo_id}/{commit}/{name}".encode()).hexdigest()
        blob = repo / "blobs" / key
        if isinstance(content, bytes):
            blob.write_bytes(content)
        else:
            blob.symlink_to(Path(content).resolve())
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    if main:
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(commit)
    return snapshot

"""Load Whisper weights from one file or folder, whatever its format, as a float32 CPU
`Whisper` plus what choosing its alignment heads needs.

| given | read as |
| --- | --- |
| `NAME.pt` | an openai-whisper checkpoint, `torch.load(weights_only=True)` |
| a folder with `model.bin` (or that file) | CTranslate2 (float16/float32, int8/int16 dequantised) |
| a folder with `model.safetensors` or `model.safetensors.index.json` | Hugging Face transformers |

A file inside a folder (`model.bin`, a `.safetensors`, `config.json`) stands for its folder.
Nothing is unpickled except through `weights_only=True`; `pytorch_model.bin` is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from whisperscope.engine.models.names import KNOWN_MODEL_NAMES
from whisperscope.errors import ModelError

if TYPE_CHECKING:
    from whisper.model import Whisper


@dataclass(frozen=True)
class FoundWeights:
    model: Whisper
    source: str  # for the session and messages: "PATH (CTranslate2 float16)"
    location: Path | None  # the file or folder they came from (chosen heads are saved there)
    config_files: tuple[Path, ...] = ()  # may hold alignment_heads
    official: str | None = None  # the openai-whisper model these are a copy of


def load_path(path: Path, label: str, official: str | None) -> FoundWeights:
    """Weights from a file or folder (see the module docstring); `label` names them in
    `source`. Raises `ModelError` saying what the path should be."""
    if path.is_dir():
        return _load_folder(path, label, official)
    if not path.is_file():
        raise ModelError(
            f"Model file {path} does not exist. Give an openai-whisper .pt checkpoint, a "
            f"CTranslate2 or Hugging Face model folder, a Hugging Face hub id, or a model "
            f"name such as {', '.join(KNOWN_MODEL_NAMES[:4])}."
        )
    if path.suffix == ".pt":
        return load_checkpoint(path, official)
    if path.name.startswith("model.bin"):
        return load_ct2([path], path.parent, label, official)
    if path.suffix == ".safetensors" or path.name in ("config.json",
                                                      "model.safetensors.index.json"):
        return _load_folder(path.parent, label, official)
    raise ModelError(
        f"{path}: not a model file WhisperScope reads (an openai-whisper .pt checkpoint, a "
        "CTranslate2 model.bin, or a Hugging Face model.safetensors)."
    )


def _load_folder(folder: Path, label: str, official: str | None) -> FoundWeights:
    from whisperscope.engine.models.hf_convert import is_hf_folder

    if (folder / "model.bin").is_file():
        return load_ct2([folder / "model.bin"], folder, label, official)
    if is_hf_folder(folder):
        return load_hf(folder, label, official)
    if (folder / "pytorch_model.bin").is_file():
        raise ModelError(
            f"{folder} holds pytorch_model.bin, a pickle that could run code; WhisperScope "
            "reads only its safetensors form (model.safetensors)."
        )
    raise ModelError(
        f"{folder} is a folder without a model WhisperScope reads: a CTranslate2 folder "
        "holds model.bin and config.json, a Hugging Face one config.json and "
        "model.safetensors (or model.safetensors.index.json and its shards)."
    )


def load_ct2(parts: list[Path], folder: Path, label: str, official: str | None) -> FoundWeights:
    """A CTranslate2 model; `folder`'s config.json (may be missing) may give the heads and
    its tokenizer.json is checked against whisper's."""
    from whisperscope.engine.models.ct2_convert import whisper_from_ct2
    from whisperscope.engine.models.ct2_reader import read_ct2
    from whisperscope.engine.models.tokenizer_check import check_tokenizer_files

    ct2 = read_ct2(parts)
    dtypes = sorted({array.dtype.name for array in ct2.variables.values() if array.ndim > 1})
    model = whisper_from_ct2(ct2, None)
    check_tokenizer_files(folder, model.dims.n_vocab, label)
    return FoundWeights(model, f"{label} (CTranslate2 {'/'.join(dtypes)})", folder,
                        (folder / "config.json",), official)


def load_hf(folder: Path, label: str, official: str | None) -> FoundWeights:
    from whisperscope.engine.models.hf_convert import safetensors_files, whisper_from_hf

    model = whisper_from_hf(folder)
    kind = "sharded" if len(safetensors_files(folder)) > 1 else "safetensors"
    return FoundWeights(model, f"{label} (transformers {kind})", folder,
                        (folder / "generation_config.json",), official)


def load_checkpoint(path: Path, official: str | None) -> FoundWeights:
    """An openai-whisper checkpoint {"dims": {...}, "model_state_dict": {...}}, tensors only."""
    import torch
    from whisper.model import ModelDimensions

    from whisperscope.engine.models.ct2_convert import load_whisper_state
    from whisperscope.errors import exception_reason

    try:
        # mmap: the half-precision file is paged in, not copied, while float32 is made
        checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # noqa: BLE001 - truncated zip, pickle with code, not a torch file
        if "weights only load failed" in str(exc).lower():
            # not torch's advice to retry with weights_only=False: that would run the code
            raise ModelError(
                f"{path}: not a readable openai-whisper checkpoint: refused, it holds Python "
                "objects other than tensors, which could run code when loaded. WhisperScope "
                "loads tensors only; use a checkpoint from a source you trust.") from None
        raise ModelError(
            f"{path}: not a readable openai-whisper checkpoint ({exception_reason(exc)}). If "
            "it is a partial download, delete it and try again."
        ) from exc
    try:
        dims = ModelDimensions(**checkpoint["dims"])
        state = checkpoint["model_state_dict"]
    except (TypeError, KeyError) as exc:
        raise ModelError(
            f"{path}: not an openai-whisper checkpoint (it needs 'dims' and 'model_state_dict')."
        ) from exc
    model = load_whisper_state(dims, state, str(path))
    return FoundWeights(model, f"{path} (openai-whisper checkpoint)", path, (), official)

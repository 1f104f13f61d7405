"""The Whisper models on this machine, for the window's model box: cheap, no torch.

Three places are looked in: the bundled packages (tiny.en, base), openai-whisper's cache
(`~/.cache/whisper/*.pt`, honouring XDG_CACHE_HOME) and the Hugging Face cache
(`hf_cache.hf_cache_dir()`: CTranslate2 and transformers Whisper repos; other repos are
skipped). Nothing is loaded: the facts come from file sizes, config files and names, and
what cannot be known without loading the weights is None.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from whisperscope.engine.models.heads import saved_heads_path
from whisperscope.engine.models.names import (
    KNOWN_MODEL_NAMES,
    MEL128_NAMES,
    is_english_only_name,
    official_name,
)
from whisperscope.engine.models.tokenizer_check import is_multilingual_vocab

BUNDLED = "bundled"
WHISPER_CACHE = "openai-whisper cache"
HF_CACHE = "Hugging Face cache"
_MAX_JSON_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ModelEntry:
    name: str  # what --model takes and the model box shows
    where: str  # BUNDLED, WHISPER_CACHE or HF_CACHE
    path: Path | None  # the file or folder (the first part's folder for a bundle)
    format: str  # "CTranslate2", "transformers" or "openai-whisper"
    size_bytes: int  # on disk
    multilingual: bool | None  # None: not known without loading the weights
    n_mels: int | None
    heads_known: bool  # alignment heads from a saved set, the config or whisper's table

    def description(self) -> str:
        """One line for a tooltip: "base: bundled, CTranslate2, 145 MB, multilingual, ..."."""
        languages = {True: "multilingual", False: "English only", None: "languages unknown"}
        heads = ("alignment heads known" if self.heads_known
                 else "alignment heads not known (default: last half of the layers)")
        mels = f", {self.n_mels} mel bands" if self.n_mels else ""
        return (f"{self.name}: {self.where}, {self.format}, {_megabytes(self.size_bytes)}, "
                f"{languages[self.multilingual]}{mels}, {heads}")


def discover_models() -> list[ModelEntry]:
    """Every model found: names first (in openai-whisper's order), then other checkpoints,
    then the Hugging Face cache by hub id. A name is listed once, from where `load_model`
    would take it (a checkpoint in ~/.cache/whisper comes before a bundled package)."""
    checkpoints = whisper_cache_models()
    named = {entry.name: entry for entry in checkpoints if entry.name in KNOWN_MODEL_NAMES}
    for entry in bundled_entries():
        named.setdefault(entry.name, entry)
    ordered = [named[name] for name in KNOWN_MODEL_NAMES if name in named]
    others = [entry for entry in checkpoints if entry.name not in KNOWN_MODEL_NAMES]
    return ordered + others + hf_cache_models()


def bundled_entries() -> list[ModelEntry]:
    from whisperscope.engine.models import BUNDLED_MODELS

    entries = []
    for bundle in BUNDLED_MODELS:
        files = bundle.files()
        if files is None:
            continue
        parts, config = files
        entries.append(ModelEntry(
            name=bundle.name, where=BUNDLED, path=config.parent, format="CTranslate2",
            size_bytes=sum(_size(part) for part in parts),
            multilingual=not is_english_only_name(bundle.name), n_mels=80,
            heads_known=_has_heads(config) or saved_heads_path(config.parent).is_file(),
        ))
    return entries


def whisper_cache_models() -> list[ModelEntry]:
    from whisperscope.engine.models import whisper_cache_dir

    folder = whisper_cache_dir()
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob("*.pt")):
        official = official_name(path.name)
        entries.append(ModelEntry(
            name=official or str(path), where=WHISPER_CACHE, path=path, format="openai-whisper",
            size_bytes=_size(path),
            multilingual=None if official is None else not is_english_only_name(official),
            n_mels=None if official is None else (128 if official in MEL128_NAMES else 80),
            heads_known=official is not None or saved_heads_path(path).is_file(),
        ))
    return entries


def hf_cache_models() -> list[ModelEntry]:
    from whisperscope.engine.models.hf_cache import cached_snapshots

    entries = []
    for repo_id, snapshot, size in cached_snapshots():
        entry = hf_folder_entry(repo_id, snapshot, size)
        if entry is not None:
            entries.append(entry)
    return entries


def hf_folder_entry(name: str, folder: Path, size: int) -> ModelEntry | None:
    """The entry for a CTranslate2 or transformers Whisper folder; None for anything else."""
    config = _read_json(folder / "config.json")
    official = official_name(name)
    saved = saved_heads_path(folder).is_file()
    if (folder / "model.bin").is_file() and _is_ct2_whisper(folder / "model.bin"):
        n_vocab = _vocabulary_size(folder)
        features = _read_json(folder / "preprocessor_config.json")
        return ModelEntry(
            name=name, where=HF_CACHE, path=folder, format="CTranslate2", size_bytes=size,
            multilingual=None if n_vocab is None else is_multilingual_vocab(n_vocab),
            n_mels=features.get("feature_size") if isinstance(features, dict) else None,
            heads_known=saved or _has_heads(folder / "config.json") or official is not None,
        )
    has_weights = (folder / "model.safetensors").is_file() or (
        folder / "model.safetensors.index.json").is_file()
    if has_weights and isinstance(config, dict) and config.get("model_type") == "whisper":
        n_vocab = config.get("vocab_size")
        return ModelEntry(
            name=name, where=HF_CACHE, path=folder, format="transformers", size_bytes=size,
            multilingual=is_multilingual_vocab(n_vocab) if isinstance(n_vocab, int) else None,
            n_mels=config.get("num_mel_bins"),
            heads_known=saved or _has_heads(folder / "generation_config.json")
            or official is not None,
        )
    return None


def _is_ct2_whisper(model_bin: Path) -> bool:
    """The header says spec "WhisperSpec" (u32 version, u16 length, the name, NUL)."""
    try:
        with model_bin.open("rb") as file:
            head = file.read(4 + 2 + 64)
    except OSError:
        return False
    if len(head) < 6:
        return False
    (length,) = struct.unpack_from("<H", head, 4)
    return head[6 : 6 + length] == b"WhisperSpec\0"


def _vocabulary_size(folder: Path) -> int | None:
    """Tokens in a CTranslate2 folder's vocabulary.json (a list) or vocabulary.txt (lines)."""
    listed = _read_json(folder / "vocabulary.json")
    if isinstance(listed, list):
        return len(listed)
    try:
        text = (folder / "vocabulary.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return len(text.split("\n")) - (1 if text.endswith("\n") else 0)


def _has_heads(config: Path) -> bool:
    data = _read_json(config)
    return isinstance(data, dict) and bool(data.get("alignment_heads"))


def _read_json(path: Path):
    try:
        if path.stat().st_size > _MAX_JSON_BYTES:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1e9:.1f} GB" if n_bytes >= 1e9 else f"{round(n_bytes / 1e6)} MB"

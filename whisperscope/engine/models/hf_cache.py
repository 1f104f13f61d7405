"""Models in the Hugging Face cache, by hub id ("Systran/faster-whisper-small").

The cache is found as `huggingface_hub` finds it (`HF_HUB_CACHE`, else the legacy
`HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, with `HF_HOME` defaulting to
`$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface`), but read from the environment at
each call rather than once at import, so a changed variable counts. Offline mode
(`HF_HUB_OFFLINE` or `TRANSFORMERS_OFFLINE` set to 1/ON/YES/TRUE) forbids any download.
Resolving and downloading go through `huggingface_hub` itself (`snapshot_download`, with
`local_files_only=True` unless the user allowed a download), so refs, revisions and the
snapshot symlinks are read exactly as it writes them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from whisperscope.errors import ModelError, exception_reason

# a hub id: "owner/name" with the characters the hub allows, no leading dot
_HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_TRUE = {"1", "ON", "YES", "TRUE"}

# what a download fetches: the files a CTranslate2 or transformers Whisper folder needs
# (not pytorch_model.bin, flax, tf, onnx or ggml copies of the same weights)
DOWNLOAD_PATTERNS = [
    "config.json",
    "generation_config.json",
    "preprocessor_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "added_tokens.json",
    "vocabulary.*",
    "model.bin",
    "model.safetensors",
    "model.safetensors.index.json",
    "model-*-of-*.safetensors",
]


def hf_home() -> Path:
    default = os.path.join(os.getenv("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                           "huggingface")
    return Path(os.path.expandvars(os.path.expanduser(os.getenv("HF_HOME", default))))


def hf_cache_dir() -> Path:
    """The hub cache folder, as huggingface_hub.constants.HF_HUB_CACHE computes it."""
    legacy = os.getenv("HUGGINGFACE_HUB_CACHE", str(hf_home() / "hub"))
    return Path(os.path.expandvars(os.path.expanduser(os.getenv("HF_HUB_CACHE", legacy))))


def hf_offline() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE")
    return (value or "").upper() in _TRUE


def is_hub_id(text: str) -> bool:
    return bool(_HUB_ID.fullmatch(text)) and ".." not in text


def resolve_hub_model(repo_id: str, allow_download: bool = False) -> Path:
    """The snapshot folder of `repo_id` in the local cache. With `allow_download` (and not
    offline) a missing model is downloaded first, its Whisper files only. Raises
    `ModelError` saying what was tried and how to get the model."""
    cache = hf_cache_dir()
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise ModelError(
            f"{repo_id!r} looks like a Hugging Face hub id, but huggingface_hub is not "
            "installed (pip install huggingface_hub)."
        ) from exc
    try:
        return Path(snapshot_download(repo_id, cache_dir=cache, local_files_only=True))
    except Exception as exc:  # noqa: BLE001 - not cached (LocalEntryNotFoundError), bad ref
        # its own words talk about local_files_only: name other failures only
        cached_error = "" if type(exc).__name__ == "LocalEntryNotFoundError" else (
            f" ({exception_reason(exc)})")
    if not allow_download or hf_offline():
        why = ("offline (HF_HUB_OFFLINE is set)" if hf_offline() else
               "not allowed; pass --allow-download to fetch it")
        raise ModelError(
            f"Hugging Face model {repo_id!r} is not in the local cache {cache}{cached_error}; "
            f"download: {why}."
        )
    try:
        return Path(snapshot_download(repo_id, cache_dir=cache,
                                      allow_patterns=DOWNLOAD_PATTERNS))
    except Exception as exc:  # noqa: BLE001 - no network, no such repo, gated, disk full
        raise ModelError(
            f"Hugging Face model {repo_id!r} could not be downloaded into {cache}: "
            f"{exception_reason(exc)}"
        ) from exc


def cached_snapshots() -> list[tuple[str, Path, int]]:
    """(hub id, snapshot folder, bytes on disk) of every model repo in the cache; the
    revision `main` points to, else the newest. [] without a cache or huggingface_hub."""
    cache = hf_cache_dir()
    if not cache.is_dir():
        return []
    try:
        from huggingface_hub import scan_cache_dir

        info = scan_cache_dir(cache)
    except Exception:  # noqa: BLE001 - not installed, or a cache it cannot read
        return []
    found = []
    for repo in info.repos:
        if repo.repo_type != "model" or not repo.revisions:
            continue
        revisions = sorted(repo.revisions, key=lambda r: ("main" in r.refs, r.last_modified))
        revision = revisions[-1]
        found.append((repo.repo_id, Path(revision.snapshot_path), int(revision.size_on_disk)))
    return sorted(found)


"""openai-whisper's model names, and the official name hidden in a file, folder or hub id.

Cheap to import (no torch, no whisper): model discovery runs on the window's thread.
"""

from __future__ import annotations

import re

# openai-whisper's model names (whisper.available_models()), without importing whisper
KNOWN_MODEL_NAMES: tuple[str, ...] = (
    "tiny.en",
    "tiny",
    "base.en",
    "base",
    "small.en",
    "small",
    "medium.en",
    "medium",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "large-v3-turbo",
    "turbo",
)

# names whose weights read 128 mel bands instead of 80
MEL128_NAMES = frozenset({"large-v3", "large", "large-v3-turbo", "turbo"})

# how converted copies of the official models are usually named: openai/whisper-small,
# Systran/faster-whisper-small, guillaumekln/faster-whisper-small.en, ...
_PREFIXES = re.compile(r"^(?:faster-|distil-)?whisper[-_]", re.IGNORECASE)


def official_name(label: str) -> str | None:
    """The openai-whisper name that `label` (a name, a hub id, a file or folder path) is a
    copy of, or None: "openai/whisper-large-v3" -> "large-v3", "tiny.en.pt" -> "tiny.en".
    distil-whisper models are not copies (they have other decoder layers)."""
    last = label.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
    if last.endswith(".pt"):
        last = last[:-3]
    if last.lower().startswith("distil"):
        return None
    last = _PREFIXES.sub("", last)
    return last if last in KNOWN_MODEL_NAMES else None


def is_english_only_name(name: str) -> bool:
    return name.endswith(".en")

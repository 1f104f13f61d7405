"""Which cross-attention heads time the tokens, for any model, and saving a chosen set.

In order, the first that exists wins:

1. a set the user saved next to the model (`save_alignment_heads`; the window's head grid
   is the place to choose one);
2. the model's own config: `alignment_heads` in a CTranslate2 `config.json` or in a
   transformers `generation_config.json`;
3. openai-whisper's table (`whisper._ALIGNMENT_HEADS`) when the model is a copy of an
   official one (by name: `tiny.en.pt`, `openai/whisper-small`, `faster-whisper-base`) and
   its decoder has that model's layers and heads;
4. openai-whisper's default: every head of the last half of the decoder layers (a
   fine-tune or a distil model with no heads of its own).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whisperscope.errors import ModelError

SAVED_HEADS_FILE = "whisperscope-alignment-heads.json"

Heads = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class HeadsChoice:
    heads: Heads
    source: str  # where they came from, in words: "saved in ...", "config.json", ...
    known: bool  # False for the default (no one chose these heads for this model)


def saved_heads_path(model_path: Path) -> Path:
    """Where a chosen set for the model at `model_path` is kept: inside a model folder, or
    beside a model file as `NAME.whisperscope-alignment-heads.json`."""
    if model_path.is_dir():
        return model_path / SAVED_HEADS_FILE
    if model_path.name.startswith("model.bin"):  # a CTranslate2 file: its folder
        return model_path.parent / SAVED_HEADS_FILE
    return model_path.with_name(f"{model_path.stem}.{SAVED_HEADS_FILE}")


def save_alignment_heads(
    model_path: Path, heads: Iterable[Sequence[int]], n_text_layer: int, n_text_head: int
) -> Path:
    """Write `heads` ((layer, head) pairs) next to the model, atomically; return the file.
    Raises `ModelError` for heads outside the decoder, an empty set, or a folder that
    cannot be written (`ExportError` is turned into one)."""
    from whisperscope.errors import ExportError
    from whisperscope.session.atomic import atomic_write_text

    pairs = _checked(heads, n_text_layer, n_text_head, "the heads to save")
    path = saved_heads_path(Path(model_path))
    document = {
        "alignment_heads": [list(pair) for pair in pairs],
        "n_text_layer": n_text_layer,
        "n_text_head": n_text_head,
    }
    try:
        atomic_write_text(path, json.dumps(document, indent=1) + "\n")
    except ExportError as exc:
        raise ModelError(f"Cannot save the alignment heads to {path}: {exc}") from exc
    return path


def read_saved_heads(model_path: Path, n_text_layer: int, n_text_head: int) -> Heads | None:
    """The set saved for this model, None if there is none. A file written for another
    model shape is a `ModelError` that says to delete it."""
    from whisperscope.engine.models.ct2_convert import read_alignment_heads

    path = saved_heads_path(model_path)
    heads = read_alignment_heads(path)
    if heads is None:
        return None
    return _checked(heads, n_text_layer, n_text_head, str(path), hint=f" (delete {path})")


def official_heads(name: str | None, n_text_layer: int, n_text_head: int) -> Heads | None:
    """openai-whisper's heads for an official model name, when the decoder shape fits."""
    if name is None:
        return None
    import base64
    import gzip

    import numpy as np
    from whisper import _ALIGNMENT_HEADS

    dump = _ALIGNMENT_HEADS.get(name)
    if dump is None:
        return None
    cells = np.frombuffer(gzip.decompress(base64.b85decode(dump)), dtype=bool)
    if cells.size != n_text_layer * n_text_head:
        return None
    mask = cells.reshape(n_text_layer, n_text_head)
    return tuple((int(layer), int(head)) for layer, head in np.argwhere(mask))


def choose_alignment_heads(
    n_text_layer: int,
    n_text_head: int,
    *,
    location: Path | None,
    config_files: Sequence[Path] = (),
    official: str | None = None,
) -> HeadsChoice:
    """The heads to use, by the order in the module docstring."""
    from whisperscope.engine.models.ct2_convert import default_alignment_heads, read_alignment_heads

    if location is not None:
        saved = read_saved_heads(location, n_text_layer, n_text_head)
        if saved is not None:
            return HeadsChoice(saved, f"saved in {saved_heads_path(location)}", True)
    for config in config_files:
        heads = read_alignment_heads(config)
        # heads that do not fit (copied from the teacher into a distil model's config, say)
        # are passed over: the next source may still know better than the default
        if heads is not None and _fits(heads, n_text_layer, n_text_head):
            return HeadsChoice(tuple(sorted(set(heads))), config.name, True)
    table = official_heads(official, n_text_layer, n_text_head)
    if table is not None:
        return HeadsChoice(table, f"openai-whisper's table for {official}", True)
    return HeadsChoice(
        default_alignment_heads(n_text_layer, n_text_head),
        "default: every head of the last half of the decoder layers",
        False,
    )


def _fits(heads: Heads, n_layer: int, n_head: int) -> bool:
    return bool(heads) and all(0 <= layer < n_layer and 0 <= head < n_head
                               for layer, head in heads)


def _checked(
    heads: Iterable[Sequence[int]], n_layer: int, n_head: int, what: str, hint: str = ""
) -> Heads:
    try:
        pairs = tuple(sorted({(int(layer), int(head)) for layer, head in heads}))
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{what}: alignment heads must be (layer, head) pairs.{hint}") from exc
    if not pairs:
        raise ModelError(f"{what}: the set of alignment heads is empty.{hint}")
    for layer, head in pairs:
        if not (0 <= layer < n_layer and 0 <= head < n_head):
            raise ModelError(
                f"{what}: alignment head ({layer}, {head}) is outside this model's {n_layer} "
                f"decoder layers x {n_head} heads.{hint}"
            )
    return pairs

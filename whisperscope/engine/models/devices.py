"""Which torch device runs the model: "cpu", "cuda" (or "cuda:N") or "mps".

torch is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import re

from whisperscope.errors import ModelError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")

_CUDA_INDEX = re.compile(r"cuda:(\d+)")


def is_device_name(text: str) -> bool:
    """Whether `text` spells a device choice (auto, cpu, cuda, cuda:N, mps), available here
    or not."""
    choice = (text or "").strip().lower()
    return choice in DEVICE_CHOICES or _CUDA_INDEX.fullmatch(choice) is not None


def available_devices() -> dict[str, bool]:
    """Each device kind and whether this machine can use it, for the UI's selector.

    "cpu" is always True; "auto" is not listed (it is always possible).
    """
    return {"cpu": True, "cuda": _cuda_count() > 0, "mps": _mps_available()}


def resolve_device(device: str = "auto") -> str:
    """Turn a device choice into a torch device string that works here.

    "auto" picks cuda, then mps, then cpu. An explicit device this machine lacks raises
    `ModelError` saying what is available instead.
    """
    choice = (device or "auto").strip().lower()
    if choice == "auto":
        if _cuda_count() > 0:
            return "cuda"
        if _mps_available():
            return "mps"
        return "cpu"
    if choice == "cpu":
        return "cpu"
    if choice == "cuda" or _CUDA_INDEX.fullmatch(choice):
        count = _cuda_count()
        index = int(choice.partition(":")[2] or 0)
        if count == 0:
            raise ModelError(
                f"Device {device!r} was asked for, but no CUDA GPU is usable here (torch sees "
                f"none, or this torch build has no CUDA). {_instead()}"
            )
        if index >= count:
            raise ModelError(
                f"Device {device!r} was asked for, but only {count} CUDA GPU(s) exist "
                f"(cuda:0..cuda:{count - 1})."
            )
        return choice
    if choice == "mps":
        if not _mps_available():
            raise ModelError(
                f"Device {device!r} was asked for, but Apple's Metal (MPS) backend is not "
                f"available on this machine. {_instead()}"
            )
        return "mps"
    raise ModelError(
        f"Unknown device {device!r}; choose one of {', '.join(DEVICE_CHOICES)} (or cuda:N)."
    )


def uses_fp16(device: str, fp16: bool = True) -> bool:
    """Half precision only on CUDA, unless `fp16` is False (whisper's `--fp16 False`); CPU
    and MPS run float32 (whisper warns and does the same on the CPU)."""
    return fp16 and device.startswith("cuda")


def _instead() -> str:
    usable = [name for name, ok in available_devices().items() if ok]
    return f"Usable here: {', '.join(usable)} (or 'auto')."


def _cuda_count() -> int:
    import torch

    try:
        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except (RuntimeError, AssertionError):  # broken driver install
        return 0


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    try:
        return bool(backend is not None and backend.is_available())
    except RuntimeError:
        return False

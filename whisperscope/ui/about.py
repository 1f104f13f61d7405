"""Help > About: version, the model and device in use, and the libraries underneath."""

from __future__ import annotations

import platform
import sys

import pyqtgraph as pg
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from whisperscope import __version__

# what the app runs on and ships with, and their licences
COMPONENT_LICENCES = (
    ("openai-whisper (code and tiny.en/base weights)", "MIT"),
    ("PyTorch", "BSD-3-Clause"),
    ("Qt 6 / PySide6", "LGPL-3.0"),
    ("pyqtgraph", "MIT"),
    ("NumPy", "BSD-3-Clause"),
    ("numba / llvmlite", "BSD-2-Clause"),
    ("matplotlib", "matplotlib licence (PSF-based)"),
    ("soundfile / libsndfile", "BSD-3-Clause / LGPL-2.1"),
    ("python-soxr / libsoxr", "LGPL-2.1"),
    ("sounddevice / PortAudio (system library)", "MIT"),
    ("tiktoken", "MIT"),
    ("TextGrid", "MIT"),
)


def licences_html() -> str:
    rows = "".join(f"{name}: {licence}<br>" for name, licence in COMPONENT_LICENCES)
    full = _third_party_file()
    where = (f"Full texts: {full}" if full else
             "Full texts: in each package's metadata (pip show --files NAME).")
    return f"<p><b>Licences</b><br><small>{rows}{where}</small></p>"


def _third_party_file():
    """The licence texts an installed (frozen) build collects next to its libraries."""
    base = getattr(sys, "_MEIPASS", None)
    if base is None:
        return None
    from pathlib import Path

    path = Path(base) / "THIRD-PARTY-LICENSES.txt"
    return path if path.is_file() else None


def about_text(model=None) -> str:
    if model is not None:
        info = model.info
        model_line = f"{info.name} ({info.source}), {info.dtype} on {info.device}"
    else:
        model_line = "none loaded yet"
    torch = sys.modules.get("torch")
    torch_line = torch.__version__ if torch is not None else "not loaded yet"
    return (
        f"<h3>WhisperScope {__version__}</h3>"
        "<p>See what Whisper hears: the decoder's cross-attention, live, on the same time "
        "axis as the spectrogram, with token and word timestamps taken from it.</p>"
        f"<p><b>Model:</b> {model_line}<br>"
        f"<b>torch:</b> {torch_line}<br>"
        f"<b>Qt:</b> {qVersion()} · PySide6 {pyside_version} · pyqtgraph {pg.__version__}<br>"
        f"<b>Python:</b> {platform.python_version()} on {platform.system()}</p>"
        + licences_html()
    )


def show_about(parent: QWidget, model=None) -> None:
    QMessageBox.about(parent, "About WhisperScope", about_text(model))

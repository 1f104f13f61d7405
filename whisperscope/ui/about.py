"""Help > About: version, the model and device in use, and the libraries underneath."""

from __future__ import annotations

import platform
import sys

import pyqtgraph as pg
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from whisperscope import __version__


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
    )


def show_about(parent: QWidget, model=None) -> None:
    QMessageBox.about(parent, "About WhisperScope", about_text(model))

"""What the window needs that is not Qt, loaded before Qt is.

PySide6 reads the source file of every module imported after it (to learn whether the
module uses PySide's `__feature__` switches: PYSIDE-2029, `shibokensupport/feature.py`).
numpy, the standard library modules pyqtgraph uses and WhisperScope's own Qt-free core are
~250 modules of the window's ~400: imported first, PySide6 never reads them. Measured on
two cores under Xvfb: launch ~40 ms shorter (bench/ui_latency.py). Nothing here may import
Qt (a test checks).
"""

import concurrent.futures  # noqa: F401
import json  # noqa: F401
import multiprocessing  # noqa: F401
import pickle  # noqa: F401
import xml.etree.ElementTree  # noqa: F401  (pyqtgraph's colour maps and SVG)

import numpy  # noqa: F401

import whisperscope.audio.spectrogram_pyramid  # noqa: F401
import whisperscope.engine.events  # noqa: F401
import whisperscope.engine.models  # noqa: F401
import whisperscope.session.attention_store  # noqa: F401
import whisperscope.session.edits  # noqa: F401
import whisperscope.session.exporters.json  # noqa: F401
import whisperscope.session.reference  # noqa: F401
import whisperscope.settings  # noqa: F401
import whisperscope.units  # noqa: F401

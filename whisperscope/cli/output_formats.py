"""Where `align` writes: whisper's `-o`/`--output_dir` (a folder) beside our own
single-file `--output`, and `--output_format` (one format or `all`).

whisper's `-o` is its `--output_dir`, a folder. Ours was one output file, and scripts use
it so (`-o talk.srt`), so `-o PATH` is read from what PATH is:

- `-`, an existing file (a pipe, /dev/stdout) or a name whose suffix is an export
  format's (`talk.srt`, `talk.TextGrid`): one output file, as `--output FILE`;
- anything else (an existing folder, a new name without such a suffix, a name ending in
  `/`): the output folder, as whisper's `-o DIR`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from whisperscope.errors import ExportError
from whisperscope.session.export_sets import export_suffixes, formats_for


def short_output_is_file(path: str) -> bool:
    """Whether `-o PATH` names one output file (our meaning) rather than the folder to
    write into (whisper's)."""
    if path == "-":
        return True
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        return False
    if os.path.lexists(path):
        return True
    return Path(path).suffix.lower() in export_suffixes()


def resolve_outputs(args: argparse.Namespace) -> None:
    """Turn `-o`, `--output`, `--output_dir` and `--output_format` into `args.output` (one
    file, or None), `args.output_dir` (a folder, or None) and `args.formats` (None: not
    given, the output's suffix or JSON decides); raises ExportError for a combination that
    cannot be written."""
    short = args.short_output
    if short is not None:
        if args.output is not None or args.output_dir is not None:
            raise ExportError("give one of -o, --output and --output_dir")
        if short_output_is_file(short):
            args.output = Path(short)
        else:
            args.output_dir = Path(short)
    if args.output is not None and args.output_dir is not None:
        raise ExportError("--output names one file, --output_dir a folder: give one")
    args.formats = None if args.format is None else formats_for(args.format)
    if args.formats is not None and len(args.formats) > 1:
        if args.output is not None:
            raise ExportError(f"-f {args.format} writes {len(args.formats)} files: give a "
                              "folder with -o DIR or --output_dir DIR, not one file")
        if args.output_dir is None:
            args.output_dir = Path(".")  # whisper's default --output_dir

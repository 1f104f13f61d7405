"""`whisperscope align IN... --output-dir OUT`: the batch form of `align`.

`align` hands over here when it is given a folder, a `@LIST` or several inputs (or one
file with --jobs or --dask and an output folder). One recording stays the single-file
`align`: it writes into an output folder (`-o DIR`) as whisper does, every time, with no
resuming (--overwrite is then what happens anyway).
Exit codes: 0 every file aligned (or already up to date), 1 some failed (listed on stderr
and in OUT/failures.tsv), 2 a usage error, 130 Ctrl+C (cli/__init__.py maps the last two).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from whisperscope.errors import WhisperScopeError

_BATCH_ONLY = ("overwrite", "jobs", "dask", "dask_return")
MAX_JOBS = 1024  # worker processes, each with a model in memory


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "corpus", "several inputs: each a file, a folder (searched recursively) or @LIST "
        "(one path per line); outputs mirror the inputs under the output folder")
    group.add_argument("--overwrite", action="store_true",
                       help="redo outputs that are already newer than their recording")
    group.add_argument("--jobs", type=int, default=0, metavar="N",
                       help="worker processes (default: fit the machine; 1: this process)")
    group.add_argument("--dask", metavar="ADDRESS",
                       help="run one task per file on this Dask scheduler (tcp://HOST:8786)")
    group.add_argument("--dask-return", action="store_true",
                       help="Dask workers send outputs back to be written here (no shared "
                       "output folder needed)")


def is_corpus_run(args: argparse.Namespace) -> bool:
    """True when the inputs ask for a batch run; raises WhisperScopeError for options that
    mix the two forms."""
    inputs = args.audio
    batch = [name for name in _BATCH_ONLY if getattr(args, name)]
    several = (len(inputs) > 1 or any(str(i).startswith("@") or Path(i).is_dir()
                                      for i in inputs))
    if not several:
        if batch and args.output_dir is None:
            raise WhisperScopeError(f"--{batch[0].replace('_', '-')} needs an output folder "
                                    "(-o DIR or --output_dir DIR)")
        if batch == ["overwrite"] or not batch:
            return False  # one recording into a folder: written like whisper, every time
    if args.output is not None:
        raise WhisperScopeError(f"{args.output} names one file; a folder, a list or several "
                                "inputs need an output folder (-o DIR or --output_dir DIR)")
    if args.output_dir is None:
        raise WhisperScopeError("a folder, a list or several inputs need an output folder "
                                "(-o DIR or --output_dir DIR)")
    if not 0 <= args.jobs <= MAX_JOBS:
        raise WhisperScopeError(f"--jobs must be 1 to {MAX_JOBS} (0: fit the machine), "
                                f"not {args.jobs}")
    if args.dask_return and not args.dask:
        raise WhisperScopeError("--dask-return needs --dask ADDRESS")
    if args.dask and args.jobs:
        raise WhisperScopeError("--jobs is for this machine; with --dask the cluster's "
                                "workers do the work")
    return True


def _corpus_transcript(args: argparse.Namespace) -> str | None:
    """A corpus takes `--transcript auto` (each recording's own X.lab / X.txt) only."""
    from whisperscope.errors import WhisperScopeError

    if args.transcript not in (None, "auto"):
        raise WhisperScopeError("with several recordings, --transcript takes only auto "
                                "(each recording's X.lab or X.txt beside it)")
    return args.transcript


def run_corpus(args: argparse.Namespace) -> int:
    """Run the batch the arguments describe; return the exit code."""
    from whisperscope.cli.align import alignment_from_args, check_engine_args, export_options
    from whisperscope.corpus.batch import BatchOptions, run_batch
    from whisperscope.corpus.report import clock
    from whisperscope.corpus.worker import JobConfig
    from whisperscope.session.export_sets import options_by_format

    formats = args.formats or ("json",)
    options_by_format(formats, export_options(args))  # they fit: checked before any analysis
    config = JobConfig(model=args.model, device=args.device, formats=formats,
                       export_options=tuple(export_options(args).items()),
                       settings=check_engine_args(args), alignment=alignment_from_args(args),
                       threads=args.threads, transcript=_corpus_transcript(args),
                       fp16=args.fp16,
                       model_dir=None if args.model_dir is None else str(args.model_dir))
    options = BatchOptions(out_dir=args.output_dir, overwrite=args.overwrite, jobs=args.jobs,
                           dask=args.dask, dask_return=args.dask_return, quiet=args.quiet)
    summary = run_batch([str(i) for i in args.audio], config, options)
    failed = len(summary.failures)
    if not args.quiet or failed:
        line = (f"aligned {summary.done} ({clock(summary.seconds)} audio), "
                f"{summary.skipped} already up to date, {failed} failed, "
                f"in {summary.wall:.0f} s")
        if failed:
            line += f" (see {options.out_dir / 'failures.tsv'})"
        print(line, file=sys.stderr)
    return summary.exit_code

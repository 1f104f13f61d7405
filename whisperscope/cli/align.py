"""`whisperscope align AUDIO`: analyse headless, write timestamps, show progress on stderr."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TEXT_FORMATS = ("json", "srt", "vtt", "tsv", "textgrid", "npz")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "align",
        help="transcribe and time every token and word from Whisper's cross-attention",
        description="Transcribe AUDIO and time every token and word from the decoder's "
        "cross-attention. Writes OUT (format from --format or OUT's suffix), or JSON to "
        "stdout.",
    )
    add_engine_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    parser.add_argument("--format", choices=TEXT_FORMATS, help="output format")
    parser.add_argument("--word-level", action="store_true",
                        help="SRT/VTT: one cue per word instead of per segment")
    parser.add_argument("--highlight-words", action="store_true",
                        help="SRT/VTT: underline each word as it is spoken")
    parser.add_argument("--no-refine", action="store_true",
                        help="plain openai-whisper DTW boundaries (for comparison)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments every subcommand that runs the engine shares."""
    parser.add_argument("audio", type=Path, help="audio or video file")
    parser.add_argument("--model", help="tiny.en, base, or a path (default: best offline)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--language", help="language code or name (multilingual models)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")


def analyse_from_args(args, alignment=None, quiet: bool = False):
    """Load audio and model as the arguments say, run the engine with a progress bar on
    stderr, and return the Analysis (raises WhisperScopeError on failure)."""
    from whisperscope.engine.run import run_to_completion

    progress = None if quiet else _ProgressBar()
    return run_to_completion(
        args.audio, model_name=args.model, device=args.device, language=args.language,
        threads=args.threads, alignment=alignment,
        on_event=progress.update if progress else None)


def run(args) -> int:
    from whisperscope.engine.alignment import AlignmentOptions
    from whisperscope.session import exporters

    fmt = args.format or (exporters.guess_format(args.output) if args.output else "json")
    options = {"word_level": args.word_level, "highlight_words": args.highlight_words}
    exporters.check_options(fmt, **options)  # before a long analysis, not after
    if args.output is not None:
        check_writable(args.output)
    analysis = analyse_from_args(args, AlignmentOptions(refine=not args.no_refine), args.quiet)
    if args.output is None:
        if fmt == "npz":
            print("whisperscope: error: npz needs -o FILE", file=sys.stderr)
            return 2
        sys.stdout.write(exporters.to_text(analysis, fmt, **options))
        return 0
    exporters.export(analysis, args.output, fmt, **options)
    if not args.quiet:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def check_writable(path: Path) -> None:
    """Fail now, not after a long analysis, when OUT's folder cannot take a new file."""
    import tempfile

    from whisperscope.errors import ExportError

    folder = path.parent if str(path.parent) else Path(".")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        raise ExportError(f"cannot write {path}: {reason}") from None


class _ProgressBar:
    """tqdm on stderr, driven by the engine's Progress events."""

    def __init__(self) -> None:
        self._bar = None

    def update(self, event) -> None:
        from tqdm import tqdm

        from whisperscope.engine.events import AnalysisStarted, Finished, Progress

        if isinstance(event, AnalysisStarted):
            self._bar = tqdm(total=round(event.duration, 1), unit="s audio", file=sys.stderr,
                             desc=f"{event.model.name} on {event.model.device}",
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f}"
                             " s [{elapsed}<{remaining}, {rate_fmt}]")
        elif isinstance(event, Progress) and self._bar is not None:
            self._bar.update(round(event.done, 1) - self._bar.n)
        elif isinstance(event, Finished) and self._bar is not None:
            self._bar.close()

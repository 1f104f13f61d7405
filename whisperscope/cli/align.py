"""`whisperscope align AUDIO`: analyse headless, write timestamps, show progress on stderr."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from whisperscope.cli.corpus import add_corpus_arguments, is_corpus_run, run_corpus
from whisperscope.cli.whisper_options import add_whisper_options, settings_from_args
from whisperscope.session.exporters import FORMATS

if TYPE_CHECKING:
    from whisperscope.session.model import AnalysisSettings


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "align",
        help="transcribe and time every token and word from Whisper's cross-attention",
        description="Transcribe AUDIO and time every token and word from the decoder's "
        "cross-attention. Writes OUT (format from --format or OUT's suffix), or JSON to "
        "stdout; with folders, @LISTs or several inputs, one file per recording under "
        "--output-dir.",
    )
    add_engine_arguments(parser, several=True)
    parser.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    parser.add_argument("--format", choices=tuple(FORMATS), help="output format")
    parser.add_argument("--word-level", action="store_true",
                        help="SRT/VTT: one cue per word instead of per segment")
    parser.add_argument("--highlight-words", action="store_true",
                        help="SRT/VTT: underline each word as it is spoken")
    for name, meaning in (("max-line-width", "characters in a line"),
                          ("max-line-count", "lines in a cue (with --max-line-width)"),
                          ("max-words-per-line", "words in a cue (without --max-line-width)")):
        parser.add_argument(f"--{name}", f"--{name.replace('-', '_')}", type=int, metavar="N",
                            dest=name.replace("-", "_"),
                            help=f"SRT/VTT: at most N {meaning}, by whisper's rules")
    parser.add_argument("--no-refine", action="store_true",
                        help="plain openai-whisper DTW boundaries (for comparison)")
    parser.add_argument("--transcript", metavar="TEXT",
                        help="time this known transcript's words instead of decoding: a UTF-8 "
                        "text file, - for standard input, or auto for AUDIO's X.lab or X.txt "
                        "beside it (MFA's corpus layout)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_corpus_arguments(parser)
    parser.set_defaults(handler=run)


def add_engine_arguments(parser: argparse.ArgumentParser, several: bool = False) -> None:
    """Arguments every subcommand that runs the engine shares (`several`: AUDIO... )."""
    if several:
        parser.add_argument("audio", type=Path, nargs="+", metavar="AUDIO",
                            help="audio or video file, folder, or @LIST")
    else:
        parser.add_argument("audio", type=Path, help="audio or video file")
    parser.add_argument("--model", help="a name (tiny.en, base, small, ...), a .pt file, a "
                        "CTranslate2 or Hugging Face folder, or a Hugging Face hub id in the "
                        "local cache (default: the best bundled model)")
    parser.add_argument("--allow-download", action="store_true",
                        help="fetch a Hugging Face hub id that is not in the local cache")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--language", help="language code or name (multilingual models)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")
    add_whisper_options(parser)


def check_engine_args(args) -> AnalysisSettings:
    """The settings the arguments ask for, every value checked (engine/decoding/options.py), before
    anything is loaded: a bad value is one line, not a traceback after the model loaded."""
    from whisperscope.engine.decoding.options import check_threads

    check_threads(args.threads)
    return settings_from_args(args)


def load_from_args(args):
    """(audio, model) as the shared engine arguments say; raises WhisperScopeError."""
    from whisperscope.engine.run import load_inputs

    if args.threads > 0:
        import torch

        torch.set_num_threads(args.threads)
    return load_inputs(args.audio, args.model, args.device,
                       hub_download=args.allow_download)


def analyse_from_args(args, audio, model, alignment=None, quiet: bool = False, mel=None,
                      transcript: str | None = None, keep_attention: bool = True,
                      settings: AnalysisSettings | None = None):
    """Run the engine on loaded `audio` and `model` with the arguments' settings and a
    progress bar on stderr; return the Analysis (raises WhisperScopeError on failure).
    `keep_attention=False` for an output that reads no attention (see `analyze`)."""
    from whisperscope.cli.messages import print_warnings
    from whisperscope.engine.run import run_to_completion

    print_warnings(audio.warnings)
    progress = None if quiet else ProgressBar()
    try:
        analysis = run_to_completion(
            audio, model, settings or settings_from_args(args), alignment=alignment,
            on_event=progress.update if progress else None, mel=mel, transcript=transcript,
            keep_attention=keep_attention)
    finally:
        if progress is not None:
            progress.close()  # before any error line, which must not share the bar's line
    print_warnings(w for w in analysis.warnings if w not in audio.warnings)
    return analysis


def transcript_from_args(args, audio_path: Path) -> str | None:
    """The transcript text `--transcript` names for `audio_path`, read and checked now,
    before any model is loaded (TranscriptError, exit code 2, when it is unusable)."""
    from whisperscope.engine.timing.transcript import (
        TranscriptError,
        read_transcript,
        transcript_words,
    )

    if args.transcript is None:
        return None
    source = args.transcript
    if source == "auto":
        from whisperscope.corpus.discovery import transcript_for

        found = transcript_for(audio_path)
        if found is None:
            raise TranscriptError(f"no transcript beside {audio_path} ("
                                  f"{audio_path.with_suffix('.lab').name} or "
                                  f"{audio_path.with_suffix('.txt').name})")
        source = found
    text = read_transcript(source)
    transcript_words(text)  # empty or punctuation only: say so now
    return text


def warn_unaligned(analysis, quiet: bool = False) -> None:
    """One line on stderr when a given transcript's words are not supported by the audio."""
    flagged = sum(w.unaligned for w in analysis.words)
    if flagged:
        print(f"whisperscope: warning: {flagged} of {len(analysis.words)} transcript words "
              "are not supported by the audio (marked unaligned): is it this recording's "
              "text?", file=sys.stderr)



def alignment_from_args(args):
    """The AlignmentOptions the arguments ask for."""
    from whisperscope.engine.timing.options import AlignmentOptions

    return AlignmentOptions(refine=not args.no_refine)


def export_options(args) -> dict:
    """The exporter options the arguments set (exporters.check_options says if they fit)."""
    return {"word_level": args.word_level, "highlight_words": args.highlight_words,
            "max_line_width": args.max_line_width, "max_line_count": args.max_line_count,
            "max_words_per_line": args.max_words_per_line}


def run(args) -> int:
    from whisperscope.cli.output_paths import check_output, write_bytes, write_with
    from whisperscope.engine.run import mel_and_release
    from whisperscope.session import exporters
    from whisperscope.session.atomic import remove_stale_parts

    if is_corpus_run(args):
        return run_corpus(args)
    args.audio = args.audio[0]
    target = check_output(args.output, [args.audio])  # before a long analysis, not after
    named = target.path is not None and not target.stream
    if named:
        remove_stale_parts([target.path])  # what a killed run writing it left behind
    fmt = args.format or (exporters.guess_format(args.output) if named else "json")
    options = export_options(args)
    exporters.check_options(fmt, **options)
    settings = check_engine_args(args)
    transcript = transcript_from_args(args, args.audio)
    audio, model = load_from_args(args)
    mel, audio = mel_and_release(audio, model)
    analysis = analyse_from_args(args, audio, model, alignment_from_args(args), args.quiet,
                                 mel=mel, transcript=transcript,
                                 keep_attention=exporters.reads_attention(fmt),
                                 settings=settings)
    del mel  # the exports need only the analysis
    warn_unaligned(analysis)
    if not target.stream:
        exporters.export(analysis, target.path, fmt, **options)
    elif fmt in exporters.TEXT_FORMATS:
        write_bytes(target, exporters.to_text(analysis, fmt, **options).encode("utf-8"))
    else:
        write_with(target, lambda path: exporters.export(analysis, path, fmt, **options))
    if not args.quiet and target.path is not None:
        print(f"wrote {target.path}", file=sys.stderr)
    return 0


class ProgressBar:
    """tqdm on stderr, driven by the engine's Progress events."""

    def __init__(self) -> None:
        from whisperscope.engine import events

        self._bar = None
        self._events = events

    def update(self, event) -> None:
        """Called for every engine event (one per token): only three kinds matter here."""
        events = self._events
        if isinstance(event, events.AnalysisStarted):
            from tqdm import tqdm

            self._bar = tqdm(total=round(event.duration, 1), unit="s audio", file=sys.stderr,
                             desc=f"{event.model.name} on {event.model.device}",
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f}"
                             " s [{elapsed}<{remaining}, {rate_fmt}]")
        elif isinstance(event, events.Progress) and self._bar is not None:
            self._bar.update(round(event.done, 1) - self._bar.n)
        elif isinstance(event, events.Finished | events.Failed):
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

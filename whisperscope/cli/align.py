"""`whisperscope align AUDIO`: analyse headless, write timestamps, show progress on stderr."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from whisperscope.cli.corpus import add_corpus_arguments, is_corpus_run, run_corpus
from whisperscope.cli.whisper_options import (
    add_whisper_options,
    option_names,
    optional_int,
    optional_language,
    settings_from_args,
    str2bool,
)
from whisperscope.engine.timing.punctuation import (
    APPEND_PUNCTUATIONS,
    PREPEND_PUNCTUATIONS,
    WHISPER_APPEND_PUNCTUATIONS,
)
from whisperscope.errors import ExportError
from whisperscope.session.export_sets import LINE_OPTIONS, line_option_warnings

if TYPE_CHECKING:
    from whisperscope.cli.output_paths import OutputTarget
    from whisperscope.session.model import AnalysisSettings


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "align",
        help="transcribe and time every token and word from Whisper's cross-attention",
        description="Transcribe AUDIO and time every token and word from the decoder's "
        "cross-attention. Takes whisper's command-line options with whisper's meaning. "
        "Writes --output FILE (format from -f or its suffix), one file per format under "
        "-o/--output_dir DIR, or JSON to stdout; folders, @LISTs and several inputs write "
        "one file per recording and format under DIR.",
    )
    add_engine_arguments(parser, several=True)
    add_output_arguments(parser)
    parser.add_argument("--no-refine", action="store_true",
                        help="plain openai-whisper DTW boundaries (for comparison)")
    parser.add_argument("--transcript", metavar="TEXT",
                        help="time this known transcript's words instead of decoding: a UTF-8 "
                        "text file, - for standard input, or auto for AUDIO's X.lab or X.txt "
                        "beside it (MFA's corpus layout)")
    parser.add_argument("--anchors", metavar="FILE",
                        help="word times to keep: a Praat TextGrid (word tier), a whisper-style "
                        "JSON, TSV or any file --reference reads; each word found in the "
                        "transcript (by its text, in order) is placed exactly there and the "
                        "other words are timed between them (needs --transcript)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar (whisper: --verbose None)")
    add_corpus_arguments(parser)
    parser.set_defaults(handler=run)


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Where `align` writes and in which formats: whisper's options, and ours beside them."""
    from whisperscope.session.export_sets import format_choices

    group = parser.add_argument_group(
        "output", "whisper's -o is a folder; -o NAME.EXT (an export suffix) or - is one "
        "output file, as --output")
    group.add_argument("-o", dest="short_output", metavar="DIR|FILE",
                       help="the folder to write into (whisper's --output_dir), or one output "
                       "file when it has an export suffix (talk.srt) or is -")
    group.add_argument("--output_dir", "--output-dir", dest="output_dir", type=Path,
                       metavar="DIR", help="write one file per recording and format into "
                       "DIR (created if needed; an output newer than its recording is kept: "
                       "--overwrite redoes it)")
    group.add_argument("--output", type=Path, metavar="FILE",
                       help="one output file; - for stdout (the default, as JSON)")
    group.add_argument("-f", "--output_format", "--output-format", "--format", dest="format",
                       choices=format_choices(), metavar="FORMAT",
                       help="{" + ",".join(format_choices()) + "}: all writes whisper's txt, "
                       "vtt, srt, tsv and json, plus TextGrid and EAF (default: from "
                       "--output's suffix, else json)")
    group.add_argument("--highlight_words", type=str2bool, default=False, metavar="BOOL",
                       help="SRT/VTT: underline each word as it is spoken (default: False)")
    group.add_argument("--highlight-words", dest="highlight_words", action="store_true",
                       help=argparse.SUPPRESS)  # our older spelling, a switch
    for name, help_text in (
            ("max_line_width", "the most characters in a subtitle line before it breaks"),
            ("max_line_count", "the most lines in a subtitle cue (with --max_line_width)"),
            ("max_words_per_line", "the most words in a subtitle cue (without "
             "--max_line_width)")):
        group.add_argument(*option_names(name), dest=name, type=optional_int, metavar="N",
                           help=f"SRT/VTT: {help_text} (default: None)")
    group.add_argument("--word-level", action="store_true",
                       help="SRT/VTT/TSV: one cue or row per word instead of per segment")


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
    parser.add_argument("--model_dir", "--model-dir", dest="model_dir", type=Path,
                        metavar="DIR", help="where openai-whisper checkpoints (NAME.pt) are "
                        "looked for and downloaded to (default: ~/.cache/whisper)")
    parser.add_argument("--allow-download", action="store_true",
                        help="fetch a Hugging Face hub id that is not in the local cache")
    parser.add_argument("--device", default="auto", type=device_choice,
                        help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    parser.add_argument("--fp16", type=str2bool, default=True, metavar="BOOL",
                        help="half precision on a CUDA GPU; the CPU and MPS run float32 "
                        "(default: True)")
    parser.add_argument("--language", type=optional_language,
                        help="language code or name, None to detect it (multilingual models)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")
    parser.add_argument("--verbose", type=str2bool, default=None, metavar="BOOL",
                        help="True: print each segment on stderr as it is decoded; False: a "
                        "progress bar (the default)")
    parser.add_argument("--word_timestamps", "--word-timestamps", type=str2bool,
                        default=True, metavar="BOOL",
                        help="accepted for whisper's sake: words are always timed here")
    for name, accepted in (("prepend_punctuations", (PREPEND_PUNCTUATIONS,)),
                           ("append_punctuations", (WHISPER_APPEND_PUNCTUATIONS,
                                                    APPEND_PUNCTUATIONS))):
        parser.add_argument(*option_names(name), dest=name, default=accepted[0],
                            type=_one_of(name, accepted), metavar="CHARS",
                            help="accepted with whisper's default only: words keep their "
                            "punctuation as whisper attaches it")
    add_whisper_options(parser)


def check_engine_args(args) -> AnalysisSettings:
    """The settings the arguments ask for, every value checked (engine/decoding/options.py), before
    anything is loaded: a bad value is one line, not a traceback after the model loaded."""
    from whisperscope.engine.decoding.options import check_threads

    check_threads(args.threads)
    return settings_from_args(args)


def _one_of(name: str, accepted: tuple[str, ...]):
    """argparse type of an option only whisper's default of which applies here (the
    punctuation table of engine/timing/punctuation.py)."""

    def check(text: str) -> str:
        if text not in accepted:
            raise argparse.ArgumentTypeError(
                f"only whisper's default ({accepted[0]}) is supported: words keep their "
                "punctuation as whisper attaches it")
        return text

    check.__name__ = name
    return check


def device_choice(text: str) -> str:
    """argparse type of --device: auto, cpu, cuda, cuda:N or mps (whether this machine has
    it is checked when the model loads)."""
    from whisperscope.engine.models.devices import is_device_name

    if not is_device_name(text):
        raise argparse.ArgumentTypeError(
            f"unknown device {text!r} (auto, cpu, cuda, cuda:N or mps)")
    return text.strip().lower()


def load_from_args(args):
    """(audio, model) as the shared engine arguments say; raises WhisperScopeError."""
    from whisperscope.engine.run import load_inputs

    if args.threads > 0:
        import torch

        torch.set_num_threads(args.threads)
    return load_inputs(args.audio, args.model, args.device, hub_download=args.allow_download,
                       fp16=args.fp16, model_dir=args.model_dir)


def analyse_from_args(args, audio, model, alignment=None, quiet: bool = False, mel=None,
                      transcript: str | None = None, keep_attention: bool = True,
                      settings: AnalysisSettings | None = None, anchors=()):
    """Run the engine on loaded `audio` and `model` with the arguments' settings and a
    progress bar on stderr; return the Analysis (raises WhisperScopeError on failure).
    `keep_attention=False` for an output that reads no attention (see `analyze`);
    `anchors`: words whose times are kept (`anchors_from_args`)."""
    from whisperscope.cli.messages import print_warnings
    from whisperscope.engine.run import run_to_completion

    print_warnings(audio.warnings)
    progress = None
    if not quiet:
        progress = _SegmentPrinter() if args.verbose else ProgressBar()
    try:
        analysis = run_to_completion(
            audio, model, settings or settings_from_args(args), alignment=alignment,
            on_event=progress.update if progress else None, mel=mel, transcript=transcript,
            keep_attention=keep_attention, anchors=anchors)
    finally:
        if progress is not None:
            progress.close()  # before any error line, which must not share the bar's line
    print_warnings(w for w in analysis.warnings if w not in audio.warnings)
    return analysis


def anchors_from_args(args) -> tuple:
    """The words `--anchors` names, with the times to keep, read now, before any model is
    loaded (a file that cannot be read: WhisperScopeError, exit code 2)."""
    if getattr(args, "anchors", None) is None:
        return ()
    from whisperscope.engine.timing.anchors import AnchorWord
    from whisperscope.errors import WhisperScopeError
    from whisperscope.session.reference import read_reference

    if args.transcript is None:
        raise WhisperScopeError("--anchors needs --transcript: the anchored words are found "
                                "among the transcript's words")
    reference = read_reference(args.anchors)
    return tuple(AnchorWord(w.text, w.start, w.end) for w in reference.words)


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
    """The exporter options the arguments set, by the exporters' names for them (which
    formats they fit is `export_sets.options_by_format`'s to say)."""
    options = {"word_level": args.word_level, "highlight_words": args.highlight_words}
    # unset (None) line options are left out: an exporter without them takes them so
    options.update({name: getattr(args, name) for name in LINE_OPTIONS
                    if getattr(args, name) is not None})
    return options


def run(args) -> int:
    from whisperscope.cli.messages import print_warnings
    from whisperscope.cli.output_formats import resolve_outputs
    from whisperscope.engine.run import mel_and_release
    from whisperscope.session import exporters
    from whisperscope.session.atomic import remove_stale_parts
    from whisperscope.session.export_sets import options_by_format

    resolve_outputs(args)
    print_warnings(line_option_warnings(export_options(args)))
    if is_corpus_run(args):
        if getattr(args, "anchors", None) is not None:
            from whisperscope.errors import WhisperScopeError

            raise WhisperScopeError("--anchors holds one recording's words: align one "
                                    "recording at a time with it")
        return run_corpus(args)
    args.audio = args.audio[0]
    writes = _planned_writes(args)  # checked before a long analysis, not after
    formats = tuple(fmt for _, fmt in writes)
    options = options_by_format(formats, export_options(args))
    for target, _ in writes:
        if target.path is not None and not target.stream:
            remove_stale_parts([target.path])  # what a killed run writing it left behind
    settings = check_engine_args(args)
    transcript = transcript_from_args(args, args.audio)
    anchors = anchors_from_args(args)
    audio, model = load_from_args(args)
    mel, audio = mel_and_release(audio, model)
    analysis = analyse_from_args(args, audio, model, alignment_from_args(args), args.quiet,
                                 mel=mel, transcript=transcript,
                                 keep_attention=any(map(exporters.reads_attention, formats)),
                                 settings=settings, anchors=anchors)
    del mel  # the exports need only the analysis
    warn_unaligned(analysis)
    for target, fmt in writes:
        _write(analysis, target, fmt, options[fmt])
        if not args.quiet and target.path is not None:
            print(f"wrote {target.path}", file=sys.stderr)
    return 0


def _planned_writes(args) -> list[tuple[OutputTarget, str]]:
    """(where, format) of each output of a one-recording run: `--output FILE` (or stdout)
    in one format, or each format's file in the output folder (`AUDIO-NAME.SUFFIX`, as
    whisper names them), made now if need be."""
    from whisperscope.cli.output_paths import check_output
    from whisperscope.session import exporters
    from whisperscope.session.atomic import describe_os_error
    from whisperscope.session.export_sets import output_suffix

    if args.output_dir is None:
        target = check_output(args.output, [args.audio])
        named = target.path is not None and not target.stream
        fmt = args.formats[0] if args.formats else (
            exporters.guess_format(args.output) if named else "json")
        return [(target, fmt)]
    try:
        args.output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot create {args.output_dir}: {describe_os_error(error)}"
                          ) from None
    stem = Path(args.audio).stem
    return [(check_output(args.output_dir / f"{stem}{output_suffix(fmt)}", [args.audio]), fmt)
            for fmt in args.formats or ("json",)]


def _write(analysis, target: OutputTarget, fmt: str, options: dict) -> None:
    from whisperscope.cli.output_paths import write_bytes, write_with
    from whisperscope.session import exporters

    if not target.stream:
        exporters.export(analysis, target.path, fmt, **options)
    elif fmt in exporters.TEXT_FORMATS:
        write_bytes(target, exporters.to_text(analysis, fmt, **options).encode("utf-8"))
    else:
        write_with(target, lambda path: exporters.export(analysis, path, fmt, **options))


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


class _SegmentPrinter:
    """`--verbose True`: each segment on stderr as its window is done, as whisper prints
    them (`[00:01.000 --> 00:03.480]  text`); stdout may be carrying the output."""

    def __init__(self) -> None:
        from whisperscope.engine import events

        self._events = events

    def update(self, event) -> None:
        if isinstance(event, self._events.WindowDone) and not event.skipped:
            from whisper.utils import format_timestamp

            for segment in event.segments:
                print(f"[{format_timestamp(segment.start)} --> "
                      f"{format_timestamp(segment.end)}] {segment.text}", file=sys.stderr,
                      flush=True)

    def close(self) -> None:
        pass

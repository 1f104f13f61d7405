"""`whisperscope render AUDIO -o heatmap.png`: analyse headless and draw the seed's figure.

The figure is the window's File > Export PNG (`whisperscope.session.render.render_png`):
the spectrogram above the token-by-time cross-attention. By default the attention shown is
the alignment heads' average, as decoded; `--layer L --head H` shows one other head,
recomputed exactly by a teacher-forced pass over each window; `--heads pass` shows the
alignment pass that timed each window's words (the matrix the times came from).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from whisperscope.cli.align import (
    add_engine_arguments,
    analyse_from_args,
    check_engine_args,
    load_from_args,
)
from whisperscope.cli.output_paths import check_output, write_with
from whisperscope.errors import WhisperScopeError

MIN_DPI, MAX_DPI = 10, 600  # at 600 dpi the 14-inch figure is 8,400 pixels wide (~300 MB)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "render",
        help="draw the token-to-time cross-attention heatmap under the spectrogram (PNG)",
        description="Transcribe AUDIO and draw the decoder's cross-attention: one row per "
        "token, one column per 20 ms of audio, the spectrogram above on the same time axis. "
        "By default the alignment heads' average; --layer/--head picks one head; --heads "
        "pass shows the alignment pass the word times came from.",
    )
    add_engine_arguments(parser)
    parser.add_argument("-o", "--output", type=Path,
                        help="PNG to write (default: AUDIO's name + _attention.png, here)")
    parser.add_argument("--heads", choices=("mean", "pass"), default="mean",
                        help="mean: the alignment heads' average, as decoded (default); "
                        "pass: the alignment pass that timed the words, its head chosen "
                        "per window")
    parser.add_argument("--layer", type=int, help="decoder layer of the head to show (from 0)")
    parser.add_argument("--head", type=int, help="head within --layer to show (from 0)")
    parser.add_argument("--start", type=float, help="first second to show (default: 0)")
    parser.add_argument("--end", type=float, help="last second to show (default: the end)")
    parser.add_argument("--dpi", type=check_dpi, default=150,
                        help=f"resolution, {MIN_DPI} to {MAX_DPI} (default 150)")
    parser.add_argument("--session", type=Path, metavar="FILE.wscope",
                        help="also save the analysis as a session (opens in the window "
                        "without running the model again)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from whisperscope.audio.spectrogram import whisper_input_mel
    from whisperscope.session.atomic import remove_stale_parts
    from whisperscope.session.render import render_png

    if (args.layer is None) != (args.head is None):
        raise WhisperScopeError("--layer and --head go together")
    if args.layer is not None and args.heads != "mean":
        raise WhisperScopeError("--heads pass and --layer/--head each choose what to draw: "
                                "give one of them")
    _check_time_range(args.start, args.end)  # before a long analysis, not after
    output = args.output or Path(f"{Path(args.audio).stem}_attention.png")
    target = check_output(output, [args.audio])  # before the analysis, not after
    if args.session is not None and check_output(args.session, [args.audio, output]).stream:
        raise WhisperScopeError("--session needs a file name (a session is not a stream)")
    written = [args.session] if args.session is not None else []
    if target.path is not None and not target.stream:
        written.append(target.path)
    remove_stale_parts(written)  # what a killed run writing them left behind
    settings = check_engine_args(args)
    audio, model = load_from_args(args)
    if args.layer is not None:
        _check_head(model, args.layer, args.head)
    # computed once: the analysis and each window's layer/head recomputation share it
    mel = whisper_input_mel(audio.samples, model.model.dims.n_mels)
    analysis = analyse_from_args(args, audio, model, quiet=args.quiet, mel=mel,
                                 settings=settings)
    samples = audio.samples
    attention, label = None, None
    if args.layer is not None:
        attention = _one_head(model, analysis, samples, mel, args.layer, args.head)
        label = f"layer {args.layer}, head {args.head}"
    elif args.heads == "pass":
        from whisperscope.session.render import pass_attention

        attention, label = pass_attention(analysis)
    time_range = None
    if args.start is not None or args.end is not None:
        start = max(0.0, args.start or 0.0)
        end = args.end if args.end is not None else analysis.audio.duration
        if end <= start:
            raise WhisperScopeError(f"--end ({end:g} s) must come after --start ({start:g} s)")
        time_range = (start, end)
    write_with(target, lambda path: render_png(
        analysis, path, samples, attention=attention, attention_label=label,
        time_range=time_range, dpi=args.dpi))
    if args.session is not None:
        from whisperscope.session.store import save_session

        save_session(analysis, args.session)
    if not args.quiet:
        print(f"wrote {target.label} ({len(analysis.tokens)} tokens, "
              f"{analysis.audio.duration:.1f} s)", file=sys.stderr)
    return 0


def _check_time_range(start: float | None, end: float | None) -> None:
    """--start/--end: finite seconds, the end after the start (the recording's length is
    checked once it is known)."""
    for name, value in (("--start", start), ("--end", end)):
        if value is not None and not math.isfinite(value):
            raise WhisperScopeError(f"{name} must be a number of seconds, not {value}")
    if end is not None and end <= max(start or 0.0, 0.0):
        raise WhisperScopeError(f"--end ({end:g} s) must come after --start "
                                f"({max(start or 0.0, 0.0):g} s)")


def check_dpi(text: str) -> int:
    """argparse type for --dpi: a whole number in a range the figure can be drawn at."""
    try:
        dpi = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise argparse.ArgumentTypeError(f"{dpi} is out of range ({MIN_DPI} to {MAX_DPI})")
    return dpi


def _check_head(model, layer: int, head: int) -> None:
    dims = model.model.dims
    if not (0 <= layer < dims.n_text_layer and 0 <= head < dims.n_text_head):
        raise WhisperScopeError(
            f"{model.info.name} has decoder layers 0-{dims.n_text_layer - 1} and heads "
            f"0-{dims.n_text_head - 1}; no layer {layer}, head {head}")


def _one_head(model, analysis, samples, mel, layer: int, head: int):
    """Layer/head attention for every window, shape (n_rows, n_frames) each."""
    from whisperscope.engine.attention import recompute_window_attention

    return [recompute_window_attention(model, samples, window, mel=mel)[layer, head]
            for window in analysis.windows]

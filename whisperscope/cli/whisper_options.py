"""whisper's own command-line decoding options, for every subcommand that runs the engine.

Spelled as `whisper --help` spells them (`--beam_size`); the hyphen spellings
(`--beam-size`) work too, and so do whisper's values (`None` switches a threshold off,
`True`/`False` for switches). The defaults are those of whisper's command line: beam
search with 5 beams at temperature 0 and the best of 5 samples above it, so `whisperscope
align X.wav` reads what `whisper X.wav` reads. The window's Analysis Settings take the
same options with `whisper.transcribe()`'s defaults (`command_line=False`: greedy, one
sample), as does the Python API.
"""

from __future__ import annotations

import argparse
from typing import Any

from whisperscope.session.model import AnalysisSettings

_DEFAULTS = AnalysisSettings()
# whisper's command line (`whisper --help`) differs from `whisper.transcribe()` in these
COMMAND_LINE_SEARCH = {"beam_size": 5, "best_of": 5}


def optional_float(text: str) -> float | None:
    return None if text.lower() in ("none", "off") else float(text)


def optional_int(text: str) -> int | None:
    return None if text.lower() in ("none", "off") else int(text)


def str2bool(text: str) -> bool:
    values = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if text.lower() not in values:
        raise argparse.ArgumentTypeError(f"expected True or False, not '{text}'")
    return values[text.lower()]


def clip_list(text: str) -> tuple[float, ...]:
    """whisper's `start,end,start,end,...` seconds; its default "0" means everything."""
    return tuple(float(t) for t in text.split(",") if t.strip())


def add_whisper_options(parser: argparse.ArgumentParser, command_line: bool = True) -> None:
    """whisper's decoding options on `parser`; `command_line`: with the defaults of
    whisper's command line (beam search, best of 5), else with `transcribe()`'s (greedy)."""
    group = parser.add_argument_group(
        "whisper decoding options",
        "as `whisper` takes them (hyphen spellings work too); NONE switches a threshold off")
    search = COMMAND_LINE_SEARCH if command_line else {"beam_size": None, "best_of": None}

    def add(name: str, **kwargs) -> None:
        group.add_argument(*option_names(name), dest=name.replace("-", "_"), **kwargs)

    add("task", choices=("transcribe", "translate"), default=_DEFAULTS.task,
        help="transcribe, or translate into English (default: transcribe)")
    add("initial-prompt", metavar="TEXT",
        help="text the first window is conditioned on (names, vocabulary)")
    add("carry-initial-prompt", type=str2bool, default=False, metavar="BOOL",
        help="prepend the initial prompt to every window's prompt (default: False)")
    add("prefix", metavar="TEXT", help="text every window's output starts with")
    add("temperature", type=float, default=0.0,
        help="sampling temperature of the first decode (default: 0, greedy)")
    add("temperature-increment-on-fallback", type=optional_float, default=0.2, metavar="STEP",
        help="temperature step of the re-decodes when a window fails the thresholds below "
        "(default: 0.2, up to 1.0; NONE: no fallback)")
    add("beam-size", type=optional_int, default=search["beam_size"], metavar="N",
        help="beams at temperature 0; NONE: greedy, as whisper.transcribe() "
        f"(default: {search['beam_size']})")
    add("best-of", type=optional_int, default=search["best_of"], metavar="N",
        help="samples drawn at temperature > 0, the best kept; NONE: one "
        f"(default: {search['best_of']})")
    add("patience", type=optional_float, metavar="P",
        help="beam search patience: stop after beam_size x P finished candidates "
        "(default: 1)")
    add("length-penalty", type=optional_float, metavar="ALPHA",
        help="rank candidates by log-probability / ((5 + length) / 6)^ALPHA, 0..1 "
        "(default: by log-probability / length)")
    add("condition-on-previous-text", type=str2bool,
        default=_DEFAULTS.condition_on_previous_text, metavar="BOOL",
        help="feed each window the text before it (default: True)")
    add("no-speech-threshold", type=optional_float, default=_DEFAULTS.no_speech_threshold,
        metavar="P", help="skip a window as silence when its no-speech probability is above "
        "this and its log-probability below --logprob_threshold (default: 0.6)")
    add("logprob-threshold", type=optional_float, default=_DEFAULTS.logprob_threshold,
        metavar="LOGP", help="re-decode a window whose average log-probability is below "
        "this (default: -1.0)")
    add("compression-ratio-threshold", type=optional_float,
        default=_DEFAULTS.compression_ratio_threshold, metavar="RATIO",
        help="re-decode a window whose text gzips better than this, i.e. repeats itself "
        "(default: 2.4)")
    add("clip-timestamps", type=clip_list, default=(), metavar="START,END,...",
        help="analyse only these spans, in seconds; an open last span runs to the end "
        "(default: 0, everything)")
    add("hallucination-silence-threshold", type=optional_float, metavar="SECONDS",
        help="skip silences longer than this before a likely hallucination (default: off)")
    add("suppress-tokens", default=_DEFAULTS.suppress_tokens, metavar="IDS",
        help="comma-separated token ids never to generate; -1: whisper's non-speech "
        "symbols (default: -1)")


def option_names(name: str) -> list[str]:
    """`--beam_size` (whisper's spelling) and `--beam-size` for a name written either way."""
    underscore = f"--{name.replace('-', '_')}"
    hyphen = f"--{name.replace('_', '-')}"
    return [underscore] if underscore == hyphen else [underscore, hyphen]


def optional_language(text: str) -> str | None:
    """whisper's `--language`: a code or a name; None detects it."""
    return None if text.lower() == "none" else text


def settings_from_args(args: argparse.Namespace) -> AnalysisSettings:
    """The AnalysisSettings the parsed options ask for; raises WhisperScopeError (one line
    for the user) for a combination whisper rejects."""
    from whisperscope.engine.decoding.options import check_settings, fallback_temperatures

    temperatures = fallback_temperatures(args.temperature,
                                         args.temperature_increment_on_fallback)
    clips = args.clip_timestamps
    settings = AnalysisSettings(
        language=getattr(args, "language", None),
        temperatures=temperatures,
        clip_timestamps=() if clips == (0.0,) else clips,
        **{name: getattr(args, name) for name in _SAME_NAMES},
    )
    check_settings(settings)
    return settings


def args_from_settings(settings: AnalysisSettings) -> dict[str, Any]:
    """The parsed option values (by `dest`) that `settings_from_args` turns back into
    `settings`: what the window's Analysis Settings dialog shows for a saved analysis.
    A temperature list is read as whisper's start + increment (its first step)."""
    temperatures = settings.temperatures or (0.0,)
    step = round(temperatures[1] - temperatures[0], 6) if len(temperatures) > 1 else None
    return {
        "language": settings.language,
        "temperature": temperatures[0],
        "temperature_increment_on_fallback": step,
        "clip_timestamps": settings.clip_timestamps,
        **{name: getattr(settings, name) for name in _SAME_NAMES},
    }


# The options whose value is the AnalysisSettings field of the same name, as is.
_SAME_NAMES = ("task", "compression_ratio_threshold", "logprob_threshold",
               "no_speech_threshold", "condition_on_previous_text", "initial_prompt",
               "carry_initial_prompt", "beam_size", "best_of", "patience", "length_penalty",
               "prefix", "suppress_tokens", "hallucination_silence_threshold")

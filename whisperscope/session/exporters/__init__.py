"""Exporters: one module per format, all written atomically.

    export(analysis, "talk.srt")                       # format from the suffix
    export(analysis, out, "vtt", word_level=True, highlight_words=True)
    to_text(analysis, "json")                          # text formats, e.g. for stdout

| format   | module      | options                                                    |
| -------- | ----------- | ---------------------------------------------------------- |
| json     | json.py     | (whisper's result, plus ours)                              |
| srt, vtt | _subtitles  | word_level, highlight_words, max_line_width,               |
|          |             | max_line_count, max_words_per_line (whisper's rules)       |
| txt      | txt.py      | (whisper's plain text)                                     |
| tsv      | tsv.py      | word_level                                                 |
| textgrid | textgrid.py | (always a words tier and a tokens tier)                    |
| eaf      | eaf.py      | tiers={name: [(start, end, label)]} beside words and tokens |
| aud      | aud.py      | word_level (Audacity labels)                               |
| npz      | npz.py      | captured={(layer, head): [per window]}                     |

An option that does not apply to a format is ignored when it is falsy (False, None), so the
CLI can pass its flags to every format; a set one that does not apply is an ExportError.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from whisperscope.errors import ExportError
from whisperscope.session.model import Analysis
from whisperscope.units import seconds_to_milliseconds

FORMATS: dict[str, str] = {
    "json": "JSON (segments, words, tokens, model, settings)",
    "srt": "SubRip subtitles",
    "vtt": "WebVTT subtitles",
    "txt": "plain text, one line per segment",
    "tsv": "tab-separated start/end (ms) and text",
    "textgrid": "Praat TextGrid (words and tokens tiers)",
    "eaf": "ELAN annotation (words and tokens tiers)",
    "aud": "Audacity labels",
    "npz": "NumPy archive of the cross-attention",
}
TEXT_FORMATS = ("json", "srt", "vtt", "txt", "tsv", "textgrid", "eaf", "aud")


def reads_attention(fmt: str) -> bool:
    """Whether the format writes the attention arrays (the text formats write only the
    windows' shapes): a run for the others need not keep them (`analyze`)."""
    return fmt not in TEXT_FORMATS


def milliseconds(seconds: float) -> int:
    """Whole milliseconds, rounded as openai-whisper's writers round them, so every format
    agrees on every time (round(t, 3) differs by 1 ms at some halves: 31.2345)."""
    return seconds_to_milliseconds(seconds)


def format_module(fmt: str) -> ModuleType:
    """What writes `fmt` (a key of FORMATS): its module, or for SRT and VTT the one
    subtitle exporter's entry, which has the same SUFFIXES, OPTIONS, to_text and write."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format '{fmt}' (choose from {', '.join(FORMATS)})")
    if fmt in ("srt", "vtt"):
        from whisperscope.session.exporters._subtitles import EXPORTERS

        return EXPORTERS[fmt]
    return importlib.import_module(f"{__name__}.{fmt}")


def guess_format(path: str | Path) -> str:
    """The format a file name asks for, from its suffix (case-insensitive)."""
    suffix = Path(path).suffix.lower()
    for fmt in FORMATS:
        if suffix in format_module(fmt).SUFFIXES:
            return fmt
    raise ExportError(
        f"cannot tell the format of '{Path(path).name}' from its suffix; use one of "
        + ", ".join(s for f in FORMATS for s in format_module(f).SUFFIXES)
        + " or name the format")


def export(analysis: Analysis, path: str | Path, fmt: str | None = None, **options) -> Path:
    """Write `analysis` to `path` atomically in `fmt` (default: from the suffix).

    Raises ExportError when the file cannot be written (the old file is untouched) or the
    options make no sense for the format."""
    fmt = fmt or guess_format(path)
    module = format_module(fmt)
    return module.write(analysis, Path(path), **_options_for(fmt, module, options))


def to_text(analysis: Analysis, fmt: str, **options) -> str:
    """A text format as a string (npz is binary: write it with `export`)."""
    if fmt not in TEXT_FORMATS:
        raise ExportError(f"{fmt} is not a text format; write it to a file")
    module = format_module(fmt)
    return module.to_text(analysis, **_options_for(fmt, module, options))


def check_options(fmt: str, **options) -> None:
    """Raise ExportError now if `options` do not fit `fmt` (e.g. before a long analysis):
    an option the format does not take, or a value its `check_options` refuses."""
    module = format_module(fmt)
    kept = _options_for(fmt, module, options)
    check = getattr(module, "check_options", None)
    if check is not None:
        check(**kept)


def _options_for(fmt: str, module: ModuleType, options: dict) -> dict:
    kept = {}
    for name, value in options.items():
        if name in module.OPTIONS:
            kept[name] = value
        elif value:
            applies = [f for f in FORMATS if name in format_module(f).OPTIONS]
            raise ExportError(f"'{name.replace('_', '-')}' does not apply to {fmt}"
                              + (f" (only to {', '.join(applies)})" if applies else ""))
    return kept

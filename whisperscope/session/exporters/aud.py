"""Audacity label tracks (`.aud`, as WhisperX names them; Audacity's File > Import > Labels
reads them): one `start<TAB>end<TAB>label` line per segment (or per word with
`word_level`), times in seconds with six decimals as Audacity writes them, rounded to the
millisecond as every other format is; tabs and line breaks in the text become spaces."""

from __future__ import annotations

from pathlib import Path

from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.exporters import milliseconds
from whisperscope.session.exporters._subtitles import one_line
from whisperscope.session.model import Analysis
from whisperscope.units import milliseconds_to_seconds

SUFFIXES = (".aud",)
OPTIONS = ("word_level",)


def to_text(analysis: Analysis, word_level: bool = False) -> str:
    spans = analysis.words if word_level else analysis.segments
    return "".join(f"{_seconds(s.start)}\t{_seconds(s.end)}\t"
                   f"{one_line(s.text).replace(chr(9), ' ').strip()}\n"
                   for s in spans if s.text.strip())


def write(analysis: Analysis, path: str | Path, word_level: bool = False) -> Path:
    return atomic_write_text(path, to_text(analysis, word_level))


def _seconds(t: float) -> str:
    return f"{milliseconds_to_seconds(milliseconds(t)):.6f}"

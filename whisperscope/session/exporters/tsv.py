"""Tab-separated values as openai-whisper writes them: a `start end text` header, then one
row per segment (or per word with `word_level`), times in integer milliseconds.

Written by openai-whisper's `WriteTSV`; tabs and line breaks in the text become spaces.
"""

from __future__ import annotations

import io
from pathlib import Path

from whisper.utils import WriteTSV

from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.exporters._subtitles import one_line
from whisperscope.session.model import Analysis

SUFFIXES = (".tsv",)
OPTIONS = ("word_level",)


def to_text(analysis: Analysis, word_level: bool = False) -> str:
    spans = analysis.words if word_level else analysis.segments
    rows = [{"start": s.start, "end": s.end, "text": one_line(s.text).replace("\t", " ")}
            for s in spans if s.text.strip()]
    out = io.StringIO()
    WriteTSV(".").write_result({"segments": rows}, file=out)
    return out.getvalue()


def write(analysis: Analysis, path: str | Path, word_level: bool = False) -> Path:
    return atomic_write_text(path, to_text(analysis, word_level))

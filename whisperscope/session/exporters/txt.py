"""Plain text as whisper writes it (`whisper.utils.WriteTXT`): one line per segment, its text
stripped; a line break inside a segment's text becomes a space."""

from __future__ import annotations

import io
from pathlib import Path

from whisper.utils import WriteTXT

from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.exporters._subtitles import one_line
from whisperscope.session.model import Analysis

SUFFIXES = (".txt",)
OPTIONS: tuple[str, ...] = ()


def to_text(analysis: Analysis) -> str:
    out = io.StringIO()
    WriteTXT(".").write_result({"segments": [
        {"text": one_line(s.text)} for s in analysis.segments if s.text.strip()]}, file=out)
    return out.getvalue()


def write(analysis: Analysis, path: str | Path) -> Path:
    return atomic_write_text(path, to_text(analysis))

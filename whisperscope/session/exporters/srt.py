"""SubRip (.srt): segment cues, or one cue per word; optional `<u>` word highlighting.

Written by openai-whisper's `WriteSRT` on made-safe text (see `_subtitles`).
"""

from __future__ import annotations

from pathlib import Path

from whisper.utils import WriteSRT

from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.exporters._subtitles import SafeCues, srt_safe, write_with
from whisperscope.session.model import Analysis

SUFFIXES = (".srt",)
OPTIONS = ("word_level", "highlight_words")


class _Writer(SafeCues, WriteSRT):
    pass


def to_text(analysis: Analysis, word_level: bool = False, highlight_words: bool = False) -> str:
    return write_with(_Writer("."), analysis, srt_safe, word_level, highlight_words)


def write(analysis: Analysis, path: str | Path, word_level: bool = False,
          highlight_words: bool = False) -> Path:
    return atomic_write_text(path, to_text(analysis, word_level, highlight_words))

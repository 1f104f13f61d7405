"""WebVTT (.vtt): segment cues, or one cue per word; optional `<u>` word highlighting.

Written by openai-whisper's `WriteVTT` on made-safe text (see `_subtitles`): `&`, `<`, `>`
in the transcript are escaped as entities, so only our own `<u>` tags are markup.
"""

from __future__ import annotations

from pathlib import Path

from whisper.utils import WriteVTT

from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.exporters._subtitles import SafeCues, vtt_safe, write_with
from whisperscope.session.model import Analysis

SUFFIXES = (".vtt",)
OPTIONS = ("word_level", "highlight_words")


class _Writer(SafeCues, WriteVTT):
    pass


def to_text(analysis: Analysis, word_level: bool = False, highlight_words: bool = False) -> str:
    return write_with(_Writer("."), analysis, vtt_safe, word_level, highlight_words)


def write(analysis: Analysis, path: str | Path, word_level: bool = False,
          highlight_words: bool = False) -> Path:
    return atomic_write_text(path, to_text(analysis, word_level, highlight_words))

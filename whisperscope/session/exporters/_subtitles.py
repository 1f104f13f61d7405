"""The SRT and VTT exporter: openai-whisper's own subtitle writers, fed safe text.

We reuse `whisper.utils.WriteSRT` / `WriteVTT` (their cue splitting, word-level cues and
`<u>` word highlighting, exactly as `whisper --highlight_words True` does), with whisper's
own line rules: `max_line_width` characters a line, `max_line_count` lines a cue (a cue
also ends at a pause over 3 s; without both, each segment keeps its own cues),
`max_words_per_line` words a cue when segments are kept (`word_level` is 1). They write text
as given, so we make it safe first: every word and segment text is put on one line (a
newline would end the cue early), "-->" can never appear in cue text (it would read as a
timing line), VTT text has `&`, `<` and `>` escaped (they start entities and tags), and cues
with no visible text are dropped (an empty cue is a blank line, which ends the block).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whisper.utils import SubtitlesWriter, WriteSRT, WriteVTT

from whisperscope.errors import ExportError
from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.model import Analysis

_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")
OPTIONS = ("word_level", "highlight_words", "max_line_width", "max_line_count",
           "max_words_per_line")
LIMITS = ("max_line_width", "max_line_count", "max_words_per_line")


def one_line(text: str) -> str:
    """Text with its line breaks turned into spaces (no other change)."""
    return _LINE_BREAKS.sub(" ", text)


def srt_safe(text: str) -> str:
    return one_line(text).replace("-->", "->")


def vtt_safe(text: str) -> str:
    return one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def whisper_result(analysis: Analysis, safe, with_words: bool) -> dict:
    """The analysis as the result dict openai-whisper's writers take.

    With words, a segment that has none gets one pseudo-word spanning it, so it is never
    silently dropped (whisper's writers skip word-less segments in word mode)."""
    segments = []
    for segment in analysis.segments:
        item = {"start": segment.start, "end": segment.end, "text": safe(segment.text)}
        if with_words:
            words = [analysis.words[i] for i in segment.words]
            words = [w for w in words if w.text.strip()]
            item["words"] = [{"word": safe(w.text), "start": w.start, "end": w.end}
                             for w in words] or [
                {"word": safe(segment.text), "start": segment.start, "end": segment.end}]
        segments.append(item)
    return {"segments": segments, "text": safe(analysis.text), "language": analysis.language}


class SafeCues(SubtitlesWriter):
    """Mixin over whisper's SubtitlesWriter: cues with no text are dropped, and "-->" made by
    joining words is broken up."""

    def iterate_result(self, result, options=None, **kwargs) -> Iterator[tuple[str, str, str]]:
        for start, end, text in super().iterate_result(result, options, **kwargs):
            text = text.replace("-->", "->")
            if text.strip():
                yield start, end, text


def writer_options(word_level: bool = False, highlight_words: bool = False,
                   max_line_width: int | None = None, max_line_count: int | None = None,
                   max_words_per_line: int | None = None) -> dict:
    """The options dict whisper's `SubtitlesWriter.write_result` takes; ExportError for a
    limit that is not a positive whole number, or `word_level` with another word count."""
    limits = {"max_line_width": max_line_width, "max_line_count": max_line_count,
              "max_words_per_line": max_words_per_line}
    for name, value in limits.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ExportError(f"{name.replace('_', '-')} must be a whole number of 1 or more, "
                              f"not {value!r}")
    if word_level:
        if max_words_per_line not in (None, 1):
            raise ExportError("word-level cues hold one word: leave out max-words-per-line")
        limits["max_words_per_line"] = 1
    return {"highlight_words": bool(highlight_words), **limits}


def write_with(writer: SubtitlesWriter, analysis: Analysis, safe, **options) -> str:
    """The cues whisper's `writer` writes for `analysis` with these options (see
    `writer_options`): from the words when an option asks for word timing, else one cue
    per segment with its own text and times."""
    options = writer_options(**options)
    with_words = options["highlight_words"] or any(options[name] for name in LIMITS)
    result = whisper_result(analysis, safe, with_words=with_words)
    out = io.StringIO()
    writer.write_result(result, file=out, options=options)
    return out.getvalue()


@dataclass(frozen=True)
class SubtitleExporter:
    """One subtitle format: segment cues, or cues made of words by whisper's rules (the
    module docstring); optional `<u>` word highlighting (`highlight_words`). Used like an
    exporter module."""

    writer: type[SubtitlesWriter]
    safe: Callable[[str], str]
    SUFFIXES: tuple[str, ...]
    OPTIONS: tuple[str, ...] = OPTIONS

    def to_text(self, analysis: Analysis, word_level: bool = False,
                highlight_words: bool = False, max_line_width: int | None = None,
                max_line_count: int | None = None,
                max_words_per_line: int | None = None) -> str:
        return write_with(self.writer("."), analysis, self.safe, word_level=word_level,
                          highlight_words=highlight_words, max_line_width=max_line_width,
                          max_line_count=max_line_count,
                          max_words_per_line=max_words_per_line)

    def check_options(self, **options) -> None:
        """ExportError now for options `to_text` would refuse."""
        writer_options(**options)

    def write(self, analysis: Analysis, path: str | Path, **options) -> Path:
        """`to_text`'s cues written atomically to `path` (the same keyword options)."""
        return atomic_write_text(path, self.to_text(analysis, **options))


class _SafeSRT(SafeCues, WriteSRT):
    pass


class _SafeVTT(SafeCues, WriteVTT):
    pass


EXPORTERS = {
    "srt": SubtitleExporter(_SafeSRT, srt_safe, (".srt",)),
    "vtt": SubtitleExporter(_SafeVTT, vtt_safe, (".vtt",)),  # &, <, > escaped as entities
}

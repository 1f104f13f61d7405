"""Praat TextGrid (long text format, UTF-8): a "words" tier and a "tokens" tier.

Written with the `TextGrid` package (module `textgrid`, Kyle Gorman's), which writes the
format as Praat does: gaps filled with empty intervals, `"` doubled inside labels. Praat
itself reads the result (checked in the tests when `praat` is installed).

Praat needs every interval to have a positive duration and a tier's intervals not to
overlap, which alignment output does not promise (two tokens may share a 20 ms frame).
Times are rounded to the millisecond and items taken in text order; an interval that
overlaps the previous one starts where it ends, and one left with no duration gives its text
to the previous interval (to the next one if it is first), so no text is lost: a
zero-length "," token joins the token before it ("me,"), as Whisper's own text reads.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import textgrid as tg

from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.exporters import milliseconds
from whisperscope.session.exporters._subtitles import one_line
from whisperscope.session.model import Analysis

SUFFIXES = (".textgrid",)
OPTIONS: tuple[str, ...] = ()
TIERS = ("words", "tokens")


@dataclass
class _Span:
    start: float
    end: float
    label: str


def to_text(analysis: Analysis) -> str:
    spans = {
        "words": tier_spans((w.start, w.end, w.text) for w in analysis.words),
        "tokens": tier_spans((t.start, t.end, t.text) for t in analysis.tokens),
    }
    last = max([s.end for tier in spans.values() for s in tier], default=0.0)
    xmax = max(_ms(analysis.audio.duration), last)
    if xmax <= 0:
        xmax = 0.001  # Praat needs xmax > xmin, even for an empty recording
    grid = tg.TextGrid(name=Path(analysis.audio.path).stem, minTime=0.0, maxTime=xmax)
    for name in TIERS:
        tier = tg.IntervalTier(name=name, minTime=0.0, maxTime=xmax)
        for span in spans[name]:
            tier.add(span.start, span.end, span.label)
        grid.append(tier)
    sink = _KeepOpen()
    grid.write(sink)  # the package closes the file it writes to
    return sink.getvalue()


def write(analysis: Analysis, path: str | Path) -> Path:
    return atomic_write_text(path, to_text(analysis))


def tier_spans(items: Iterable[tuple[float, float, str]]) -> list[_Span]:
    """Intervals Praat accepts (see the module docstring), labels stripped to one line."""
    raw = [(_ms(s), _ms(e), one_line(text)) for s, e, text in items if text.strip()]
    spans: list[_Span] = []
    pending = ""  # text of empty items before the first interval
    for start, end, text in raw:
        if spans:
            start = max(start, spans[-1].end)
        if end <= start:
            if spans:
                spans[-1].label += text
            else:
                pending += text
            continue
        spans.append(_Span(start, end, pending + text))
        pending = ""
    if pending and not spans:  # only zero-length items: give them one millisecond
        start = raw[0][0]
        spans.append(_Span(start, (milliseconds(start) + 1) / 1000, pending))
    for span in spans:
        span.label = span.label.strip()
    return spans


def _ms(t: float) -> float:
    return milliseconds(max(t, 0.0)) / 1000


class _KeepOpen(io.StringIO):
    def close(self) -> None:  # textgrid's writer closes its sink; we still need the text
        pass

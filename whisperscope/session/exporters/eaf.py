"""ELAN `.eaf` (EAF 2.8, UTF-8), written with pympi-ling: a "words" tier, a "tokens" tier
and any further tiers given (`tiers`, e.g. the user's own or the reference), each a
time-aligned tier of its own, times in milliseconds; the recording is linked as the media
file (absolute URL and the path relative to the output), so ELAN opens both.

ELAN, like Praat, wants annotations of positive length that do not overlap on a tier: the
spans are made as for the TextGrid (`textgrid.tier_spans`), so no text is lost. The header's
DATE (which EAF requires) is the recording's modification time, not the time of writing, so
two exports of one analysis are the same bytes, as every other format's are.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree

from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.exporters import milliseconds
from whisperscope.session.exporters.textgrid import tier_spans
from whisperscope.session.model import Analysis

SUFFIXES = (".eaf",)
OPTIONS = ("tiers",)
TIERS = ("words", "tokens")
AUTHOR = "WhisperScope"


def to_text(analysis: Analysis,
            tiers: Mapping[str, Iterable[tuple[float, float, str]]] | None = None,
            output: str | Path | None = None) -> str:
    """The EAF document. `tiers`: more tiers, {name: [(start s, end s, label), ...]};
    `output`: where it will be written, for the media file's relative path."""
    from pympi.Elan import Eaf, to_adocument

    eaf = Eaf(author=AUTHOR)
    eaf.adocument["DATE"] = _date(Path(analysis.audio.path) if analysis.audio.path else None)
    eaf.remove_tier("default")  # pympi's new document has one; ours are named
    if analysis.audio.path:
        eaf.add_linked_file(*_media(Path(analysis.audio.path), output))
    spans = {"words": ((w.start, w.end, w.text) for w in analysis.words),
             "tokens": ((t.start, t.end, t.text) for t in analysis.tokens),
             **{name: items for name, items in (tiers or {}).items() if name not in TIERS}}
    for name, items in spans.items():
        eaf.add_tier(name)
        for span in tier_spans(items):
            eaf.add_annotation(name, milliseconds(span.start), milliseconds(span.end),
                               span.label)
    document = ElementTree.tostring(to_adocument(eaf, pretty=True), encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + document + "\n"


def write(analysis: Analysis, path: str | Path,
          tiers: Mapping[str, Iterable[tuple[float, float, str]]] | None = None) -> Path:
    return atomic_write_text(path, to_text(analysis, tiers, output=path))


def _date(audio: Path | None) -> str:
    """The recording's modification time as xsd:dateTime in UTC (the epoch without one)."""
    try:
        stamp = audio.stat().st_mtime if audio is not None else 0.0
    except OSError:
        stamp = 0.0
    return datetime.fromtimestamp(int(stamp), timezone.utc).isoformat()


def _media(audio: Path, output: str | Path | None) -> tuple[str, str | None, str]:
    """(media URL, relative URL or None, MIME type) of the recording."""
    absolute = audio if audio.is_absolute() else Path.cwd() / audio
    relative = None
    if output is not None:
        try:
            relative = "./" + Path(os.path.relpath(absolute, Path(output).absolute().parent)
                                   ).as_posix()
        except ValueError:  # another drive (Windows)
            relative = None
    mime = mimetypes.guess_type(audio.name)[0] or "application/octet-stream"
    if audio.suffix.lower() == ".wav":
        mime = "audio/x-wav"  # what ELAN itself writes for WAV
    return absolute.as_uri(), relative, mime

"""SubRip (`srt`) and WebVTT (`webvtt-py`) subtitles: one tier of cues (a cue's lines joined
by a space, tags removed, VTT entities decoded). Cues of one word each are a words tier;
longer ones a segments tier. Subtitles written with whisper's `--highlight_words` (one cue
per spoken word, that word in `<u>...</u>`) give both: the underlined words with their cue's
times, and the sentences they were shown in."""

from __future__ import annotations

import html
import re
from pathlib import Path

from whisperscope.session.importers import SEGMENTS, WORDS, Document, Label, Tier, role_by_content

_UNDERLINED = re.compile(r"<u>(.*?)</u>", re.S)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def read(path: Path) -> Document:
    vtt = path.suffix.lower() == ".vtt"
    cues = _vtt_cues(path) if vtt else _srt_cues(path)
    if not cues:
        raise ValueError("no cues")
    kind = "vtt" if vtt else "srt"
    if any(_UNDERLINED.search(text) for _, _, text in cues):
        return Document(str(path), kind, _highlighted(cues, vtt))
    labels = tuple(Label(start, end, _plain(text, vtt)) for start, end, text in cues)
    return Document(str(path), kind, (Tier("cues", labels, role_by_content(labels)),))


def _srt_cues(path: Path) -> list[tuple[float, float, str]]:
    import srt

    text = path.read_text(encoding="utf-8-sig")
    try:
        return [(c.start.total_seconds(), c.end.total_seconds(), c.content)
                for c in srt.parse(text)]
    except srt.SRTParseError as error:
        raise ValueError(str(error).splitlines()[0]) from error


def _vtt_cues(path: Path) -> list[tuple[float, float, str]]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        captions = webvtt.read(str(path)).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        raise ValueError(str(error)) from error
    return [(c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000,
             c.raw_text) for c in captions]


def _plain(text: str, vtt: bool) -> str:
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    text = _TAG.sub("", text)
    return html.unescape(text) if vtt else text


def _highlighted(cues, vtt: bool) -> tuple[Tier, ...]:
    words, sentences = [], []
    for start, end, text in cues:
        underlined = _UNDERLINED.search(text)
        if underlined:
            words.append(Label(start, end, _plain(underlined.group(1), vtt)))
        plain = _plain(text, vtt)
        if sentences and sentences[-1].text == plain and sentences[-1].end >= start - 1e-6:
            sentences[-1] = Label(sentences[-1].start, end, plain)
        else:
            sentences.append(Label(start, end, plain))
    return (Tier("sentences", tuple(sentences), SEGMENTS), Tier("words", tuple(words), WORDS))

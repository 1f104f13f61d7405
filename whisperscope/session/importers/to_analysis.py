"""An imported document as an Analysis: the starting document a user corrects (the window's
File > Import), exports again, or compares with.

Segments come from the document's segments tier; words from its words tier, each given to
the segment it falls in. Without a segments tier, words are grouped into segments that end
at a sentence's last word or before a pause (`SEGMENT_PAUSE`); without a words tier, each
segment's words get times spread over it by their length. Words have no tokens and, unless
the file gave one, a probability of NaN (unknown). Word texts are spelled as whisper spells
them, with a leading space.
"""

from __future__ import annotations

import bisect
import json
import math
from pathlib import Path

from whisperscope.session.importers import (
    SEGMENTS,
    WORDS,
    Document,
    ImportFileError,
    Label,
    is_silence,
    sentence_end,
    spread_words,
)
from whisperscope.session.model import (
    Analysis,
    AnalysisSettings,
    AudioInfo,
    ModelInfo,
    Segment,
    Word,
)

SEGMENT_PAUSE = 1.0  # seconds of silence that end a segment built from words


def own_analysis(path: Path) -> Analysis | None:
    """WhisperScope's own JSON read whole (tokens, run facts, settings), or None when `path`
    is not one (any other file, or JSON of another tool)."""
    from whisperscope.session.exporters import json as json_format

    if path.suffix.lower() != ".json" or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # read_document says what is wrong with it
    if not json_format.is_ours(data):
        return None
    try:
        return json_format.analysis_from_dict(data)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        raise ImportFileError(f"{path.name} is not a readable WhisperScope JSON file "
                              f"({type(error).__name__}: {error})") from error


def document_analysis(document: Document, audio_path: str | Path | None = None) -> Analysis:
    """The document's segments and words as an Analysis (see the module docstring)."""
    word_tier = document.tier(WORDS)
    segment_tier = document.tier(SEGMENTS)
    spans = list(segment_tier.labels) if segment_tier else []  # file order: words name them
    if word_tier is not None:
        labels = sorted((w for w in word_tier.labels if not is_silence(w.text)),
                        key=lambda w: (w.start, w.end))
        spans = spans or _segments_of(labels)
        members = _assign(labels, spans)
    else:
        if not spans and document.tiers:  # a tier with no role: its labels as segments
            spans = list(document.tiers[0].labels)
        spans = sorted((s for s in spans if not is_silence(s.text)),
                       key=lambda s: (s.start, s.end))
        members = [spread_words(s) for s in spans]
    if not any(members):
        raise ImportFileError(f"{document.name} holds no words")
    segments, words = [], []
    for span, its_words in zip(spans, members, strict=True):
        if not its_words:
            continue
        index = len(segments)
        first = len(words)
        words.extend(Word(text=" " + w.text.strip(), start=w.start, end=w.end,
                          probability=math.nan if w.probability is None else w.probability,
                          tokens=(), segment=index) for w in its_words)
        text = span.text.strip() or " ".join(w.text.strip() for w in its_words)
        segments.append(Segment(index=index, start=min(span.start, its_words[0].start),
                                end=max(span.end, its_words[-1].end), text=" " + text,
                                words=tuple(range(first, len(words))), window=0))
    end = max(w.end for w in words)
    return Analysis(
        audio=AudioInfo(path=str(audio_path or ""), sha256="", duration=end, sample_rate=0,
                        channels=0),
        model=ModelInfo(name=document.kind, source=f"imported from {document.name}",
                        device="", dtype="", multilingual=False, alignment_heads=()),
        settings=AnalysisSettings(language=document.language),
        language=document.language or "en",
        segments=segments, words=words)


def _segments_of(words: list[Label]) -> list[Label]:
    """Segments over words that have none: a segment ends after a sentence's last word or
    before a pause of `SEGMENT_PAUSE` or more."""
    groups: list[list[Label]] = []
    for word in words:
        if not groups or sentence_end(groups[-1][-1].text) or (
                word.start - groups[-1][-1].end >= SEGMENT_PAUSE):
            groups.append([])
        groups[-1].append(word)
    return [Label(g[0].start, g[-1].end, " ".join(w.text.strip() for w in g)) for g in groups]


def _assign(words: list[Label], spans: list[Label]) -> list[list[Label]]:
    """Each word to its segment: the one the file puts it in, else the one its middle falls
    in, else the nearest."""
    members: list[list[Label]] = [[] for _ in spans]
    order = sorted(range(len(spans)), key=lambda j: (spans[j].start, spans[j].end))
    starts = [spans[j].start for j in order]
    for word in words:
        if word.segment is not None and 0 <= word.segment < len(spans):
            members[word.segment].append(word)
            continue
        middle = (word.start + word.end) / 2
        i = max(bisect.bisect_right(starts, middle) - 1, 0)
        candidates = [order[k] for k in (i, i + 1) if k < len(order)]
        best = min(candidates, key=lambda j: 0.0 if spans[j].start <= middle <= spans[j].end
                   else min(abs(middle - spans[j].start), abs(middle - spans[j].end)))
        members[best].append(word)
    return members

"""ELAN `.eaf` files, read with pympi-ling: every tier (reference tiers with their parents'
times), times in milliseconds; annotations on time slots ELAN left unaligned are left out.
The words tier is the one named words, word, wrd, orthography, ort or transcript; without
one, the first tier with annotations is a segments tier (utterances)."""

from __future__ import annotations

from pathlib import Path

from whisperscope.session.importers import (
    SEGMENTS,
    WORD_TIERS,
    WORDS,
    Document,
    Label,
    Tier,
)
from whisperscope.units import milliseconds_to_seconds


def read(path: Path) -> Document:
    from pympi.Elan import Eaf

    try:
        eaf = Eaf(str(path), suppress_version_warning=True)
    except Exception as error:  # pympi raises a bare Exception for XML it cannot parse
        raise ValueError(str(error)) from error
    tiers = []
    for name in eaf.get_tier_names():
        labels = tuple(
            Label(milliseconds_to_seconds(begin), milliseconds_to_seconds(end),
                  (value or "").strip())
            for begin, end, value, *_ in eaf.get_annotation_data_for_tier(name)
            if begin is not None and end is not None)
        tiers.append(Tier(name, tuple(sorted(labels, key=lambda x: (x.start, x.end)))))
    if not tiers:
        raise ValueError("no tiers")
    words = next((i for i, t in enumerate(tiers) if t.name.strip().lower() in WORD_TIERS),
                 None)
    if words is not None:
        tiers[words] = Tier(tiers[words].name, tiers[words].labels, WORDS)
    else:
        first = next((i for i, t in enumerate(tiers) if t.labels), 0)
        tiers[first] = Tier(tiers[first].name, tiers[first].labels, SEGMENTS)
    return Document(str(path), "eaf", tuple(tiers))

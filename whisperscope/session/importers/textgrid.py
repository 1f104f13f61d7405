"""Praat TextGrids, read with praatio (long and short text formats, UTF-8 or UTF-16): every
tier, interval tiers as labels and point tiers as labels of no duration. The words tier is
the interval tier named words, word, wrd, orthography, ort or transcript, else the first
interval tier; empty intervals are left out."""

from __future__ import annotations

from pathlib import Path

from whisperscope.session.importers import WORD_TIERS, WORDS, Document, Label, Tier


def read(path: Path) -> Document:
    from praatio import textgrid
    from praatio.utilities.constants import Interval
    from praatio.utilities.errors import PraatioException

    try:
        grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False,
                                     reportingMode="silence", duplicateNamesMode="rename")
    except PraatioException as error:
        raise ValueError(str(error)) from error
    tiers, intervals = [], []
    for tier in grid.tiers:
        labels = []
        for entry in tier.entries:
            if isinstance(entry, Interval):
                labels.append(Label(float(entry.start), float(entry.end), entry.label.strip()))
            else:  # a point
                labels.append(Label(float(entry.time), float(entry.time), entry.label.strip()))
        tiers.append(Tier(tier.name, tuple(labels)))
        if tier.entryType is Interval:
            intervals.append(len(tiers) - 1)
    if not intervals:
        raise ValueError("no interval tier")
    words = next((i for i in intervals if tiers[i].name.strip().lower() in WORD_TIERS),
                 intervals[0])
    tiers[words] = Tier(tiers[words].name, tiers[words].labels, WORDS)
    return Document(str(path), "textgrid", tuple(tiers))

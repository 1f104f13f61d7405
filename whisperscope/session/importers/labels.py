"""Plain-text label files: Audacity label tracks (`start<TAB>end<TAB>label`, seconds; `\\`
lines hold a label's frequencies and are skipped; WhisperX writes these as `.aud`), the TSV
whisper and WhisperScope write (a `start end text` header, then integer milliseconds), and
TIMIT `.wrd` word files (`start end word`, sample numbers at 16 kHz). One tier each: words
when every label is one word, else segments."""

from __future__ import annotations

from pathlib import Path

from whisperscope.session.importers import WORDS, Document, Label, Tier, role_by_content
from whisperscope.units import milliseconds_to_seconds, samples_to_seconds

TSV_HEADER = ["start", "end", "text"]


def read(path: Path) -> Document:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if path.suffix.lower() == ".wrd":
        labels = _timit(lines)
        return Document(str(path), "timit", (Tier("words", labels, WORDS),))
    if lines and lines[0].strip().split("\t") == TSV_HEADER:
        labels, kind = _rows(lines[1:], milliseconds_to_seconds, first_line=2), "tsv"
    else:
        labels, kind = _rows(lines, float), "audacity"
    return Document(str(path), kind, (Tier("labels", labels, role_by_content(labels)),))


def _rows(lines: list[str], to_seconds, first_line: int = 1) -> tuple[Label, ...]:
    labels = []
    for n, line in enumerate(lines, first_line):
        if not line.strip() or line.startswith("\\"):  # "\" lines: a label's frequencies
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ValueError(f"line {n} is not 'start<TAB>end<TAB>label'")
        label = "\t".join(parts[2:]).strip()
        labels.append(Label(to_seconds(float(parts[0])), to_seconds(float(parts[1])), label))
    return tuple(labels)


def _timit(lines: list[str]) -> tuple[Label, ...]:
    labels = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) < 3:
            raise ValueError(f"line {n} is not 'start end word'")
        labels.append(Label(samples_to_seconds(int(parts[0])), samples_to_seconds(int(parts[1])),
                            " ".join(parts[2:])))
    return tuple(labels)

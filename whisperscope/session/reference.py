"""Reference word times (a human or forced alignment) and how far the analysis is from them.

Reads a Praat TextGrid (its word tier), TIMIT `.wrd` (sample numbers at 16 kHz), Audacity
labels (start, end, label; tab-separated seconds) or WhisperScope's own JSON export. Words
are matched by text as the benches match them (`text_match.match_by_text`: lower-case, letters,
digits and apostrophes, difflib's matching runs in order). Qt-free.

    reference = read_reference("talk.TextGrid")
    comparison = compare(analysis.words, reference)
    print(summary_text(comparison))
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from whisperscope.errors import WhisperScopeError
from whisperscope.session.atomic import atomic_write_text
from whisperscope.text_match import match_by_text

TIMIT_RATE = 16000  # TIMIT .wrd files count samples at 16 kHz
WORD_TIERS = ("words", "word", "wrd", "orthography", "ort", "transcript")
SILENCES = {"", "sil", "sp", "spn", "<sil>", "<p:>", "#", "h#", "pau", "epi"}
TOLERANCES = (0.020, 0.050, 0.100)  # seconds: the shares the summary reports
SUFFIXES = {".textgrid": "textgrid", ".wrd": "timit", ".json": "json", ".txt": "audacity",
            ".labels": "audacity", ".tsv": "audacity"}


class ReferenceFileError(WhisperScopeError):
    """The reference file cannot be read as word times."""


@dataclass(frozen=True)
class RefWord:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Reference:
    path: str
    kind: str  # "textgrid" | "timit" | "audacity" | "json"
    words: tuple[RefWord, ...]

    @property
    def name(self) -> str:
        return Path(self.path).name


# --- readers ------------------------------------------------------------------------------
def read_reference(path: str | Path) -> Reference:
    """The word times in `path`, read by its suffix. Raises ReferenceFileError."""
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ReferenceFileError(f"cannot tell what kind of reference {path.name} is; use a "
                             "Praat .TextGrid, a TIMIT .wrd, Audacity labels (.txt) or "
                             "WhisperScope .json")
    if not path.is_file():
        raise ReferenceFileError(f"no such reference file: {path}")
    reader = {"textgrid": _read_textgrid, "timit": _read_timit, "audacity": _read_audacity,
              "json": _read_json}[kind]
    try:
        words = reader(path)
    except ReferenceFileError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError) as error:
        raise ReferenceFileError(f"{path.name} is not a readable {kind} reference "
                             f"({type(error).__name__}: {error})") from error
    words = [w for w in words if w.text.strip().lower() not in SILENCES]
    if not words:
        raise ReferenceFileError(f"{path.name} holds no words")
    bad = next((w for w in words if not (math.isfinite(w.start) and math.isfinite(w.end)
                                         and 0 <= w.start <= w.end)), None)
    if bad is not None:
        raise ReferenceFileError(f"{path.name}: '{bad.text}' has impossible times "
                             f"({bad.start} to {bad.end})")
    words.sort(key=lambda w: (w.start, w.end))
    return Reference(str(path), kind, tuple(words))


def _read_textgrid(path: Path) -> list[RefWord]:
    import textgrid as tg
    from textgrid.exceptions import TextGridError

    try:
        grid = tg.TextGrid.fromFile(str(path))
    except TextGridError as error:
        raise ValueError(str(error)) from error
    tiers = [t for t in grid.tiers if isinstance(t, tg.IntervalTier)]
    if not tiers:
        raise ReferenceFileError(f"{path.name} has no interval tier")
    tier = next((t for t in tiers if (t.name or "").strip().lower() in WORD_TIERS), tiers[0])
    return [RefWord(i.mark.strip(), float(i.minTime), float(i.maxTime)) for i in tier]


def _read_timit(path: Path) -> list[RefWord]:
    words = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) < 3:
            raise ValueError(f"line {n} is not 'start end word'")
        words.append(RefWord(" ".join(parts[2:]), int(parts[0]) / TIMIT_RATE,
                             int(parts[1]) / TIMIT_RATE))
    return words


def _read_audacity(path: Path) -> list[RefWord]:
    words = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip() or line.startswith("\\"):  # "\" lines: a label's frequencies
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ValueError(f"line {n} is not 'start<TAB>end<TAB>label'")
        label = parts[2].strip() if len(parts) > 2 else ""
        words.append(RefWord(label, float(parts[0]), float(parts[1])))
    return words


def _read_json(path: Path) -> list[RefWord]:
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data.get("words") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError("no 'words' list")
    return [RefWord(str(w.get("text", w.get("word", ""))).strip(), float(w["start"]),
                    float(w["end"])) for w in items]


# --- comparison ---------------------------------------------------------------------------
@dataclass(frozen=True)
class WordError:
    word: int  # index into the analysis' words
    ref: int  # index into the reference's words
    start_error: float  # seconds, analysis minus reference (late > 0)
    end_error: float


@dataclass(frozen=True)
class Comparison:
    pairs: tuple[WordError, ...]  # matched words, in order
    n_words: int
    n_ref: int

    def error_of(self, word: int) -> WordError | None:
        return self._by_word.get(word)

    @cached_property
    def _by_word(self) -> dict[int, WordError]:
        return {p.word: p for p in self.pairs}

    @property
    def unmatched_words(self) -> int:
        return self.n_words - len(self.pairs)

    @property
    def unmatched_ref(self) -> int:
        return self.n_ref - len(self.pairs)

    def mean_abs(self, side: str) -> float:
        errors = self._errors(side)
        return float(np.mean(np.abs(errors))) if errors.size else math.nan

    def within(self, tolerance: float, side: str = "both") -> float:
        """The share of matched boundaries (starts, ends or both) within `tolerance` s."""
        errors = self._errors(side)
        return float(np.mean(np.abs(errors) <= tolerance + 1e-9)) if errors.size else math.nan

    def _errors(self, side: str) -> np.ndarray:
        starts = [p.start_error for p in self.pairs]
        ends = [p.end_error for p in self.pairs]
        return np.array({"start": starts, "end": ends, "both": starts + ends}[side], float)


class _Indexed:
    def __init__(self, text: str, index: int) -> None:
        self.text, self.index = text, index


@dataclass(frozen=True)
class Matches:
    """Which of our words is which reference word: fixed by the texts, so moving
    boundaries by hand re-measures the errors without matching again."""

    pairs: tuple[tuple[int, int], ...]  # (our word index, reference word index)
    n_words: int  # words with letters, ours and the reference's
    n_ref: int


def match_words(words, reference: Reference) -> Matches:
    """Match `words` (anything with a `.text`, e.g. Analysis.words) to the reference's."""
    ours = [_Indexed(w.text, i) for i, w in enumerate(words) if _letters(w.text)]
    theirs = [_Indexed(w.text, i) for i, w in enumerate(reference.words) if _letters(w.text)]
    pairs = tuple((found.index, ref.index) for ref, found in match_by_text(theirs, ours))
    return Matches(pairs, len(ours), len(theirs))


def measure(words, reference: Reference, matches: Matches) -> Comparison:
    """The boundary errors of the matched words at their current times."""
    words = list(words)
    pairs = tuple(WordError(i, j, words[i].start - reference.words[j].start,
                            words[i].end - reference.words[j].end) for i, j in matches.pairs)
    return Comparison(pairs, matches.n_words, matches.n_ref)


def compare(words, reference: Reference) -> Comparison:
    """Match `words` to the reference by text and measure every matched pair's errors."""
    words = list(words)
    return measure(words, reference, match_words(words, reference))


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9']", "", text.lower())


def summary_text(comparison: Comparison) -> str:
    """One line: mean abs start/end error, the share within 20/50/100 ms, unmatched."""
    if not comparison.pairs:
        return (f"no word matched the reference ({comparison.n_ref} reference words, "
                f"{comparison.n_words} ours)")
    shares = " / ".join(f"{comparison.within(t):.0%}" for t in TOLERANCES)
    ms = "/".join(f"{round(t * 1000)}" for t in TOLERANCES)
    return (f"{len(comparison.pairs)} matched · mean |error| start "
            f"{comparison.mean_abs('start') * 1000:.0f} ms, end "
            f"{comparison.mean_abs('end') * 1000:.0f} ms · within {ms} ms: {shares} · "
            f"unmatched: {comparison.unmatched_words} ours, {comparison.unmatched_ref} "
            "reference")


def comparison_csv(words, reference: Reference, comparison: Comparison) -> str:
    """Every word of ours and of the reference, side by side where they matched, with the
    errors in milliseconds; unmatched words have empty cells on the other side."""
    words = list(words)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["word", "start", "end", "ref_word", "ref_start", "ref_end",
                     "start_error_ms", "end_error_ms"])
    by_ref = {p.ref: p for p in comparison.pairs}
    matched_words = {p.word for p in comparison.pairs}
    rows = []
    for i, w in enumerate(words):
        if i not in matched_words:
            rows.append((w.start, [w.text.strip(), _t(w.start), _t(w.end), "", "", "", "",
                                   ""]))
    for j, r in enumerate(reference.words):
        pair = by_ref.get(j)
        if pair is None:
            rows.append((r.start, ["", "", "", r.text, _t(r.start), _t(r.end), "", ""]))
            continue
        w = words[pair.word]
        rows.append((w.start, [w.text.strip(), _t(w.start), _t(w.end), r.text, _t(r.start),
                               _t(r.end), f"{pair.start_error * 1000:.1f}",
                               f"{pair.end_error * 1000:.1f}"]))
    for _, row in sorted(rows, key=lambda item: item[0]):
        writer.writerow(row)
    return out.getvalue()


def write_comparison_csv(path: str | Path, words, reference: Reference,
                         comparison: Comparison) -> Path:
    return atomic_write_text(path, comparison_csv(words, reference, comparison))


def _t(seconds: float) -> str:
    return f"{seconds:.3f}"

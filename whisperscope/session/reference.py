"""Reference word times (a human or forced alignment) and how far the analysis is from them.

Reads any file the importers read (`session/importers`): whisper, WhisperX, stable-ts or
WhisperScope JSON, SRT, VTT, a Praat TextGrid (its word tier), ELAN EAF, Audacity labels,
whisper's / our TSV and TIMIT `.wrd`. Its words tier is the reference; a file with only
longer labels (subtitle cues, utterances) gives its words times spread over each label, and
its `kind` says so. Words are matched by text as the benches match them
(`text_match.match_by_text`: lower-case, letters, digits and apostrophes, difflib's matching
runs in order). Qt-free.

    reference = read_reference("talk.TextGrid")
    comparison = compare(analysis.words, reference)
    print(summary_text(comparison))
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.importers import (
    DESCRIPTION,
    READERS,
    ImportFileError,
    read_document,
    timed_words,
)
from whisperscope.text_match import match_by_text

TOLERANCES = (0.020, 0.050, 0.100)  # seconds: the shares the summary reports
SUFFIXES = tuple(READERS)  # what a reference may be, by suffix (lower case)
SPREAD = " (cue times spread over their words)"


class ReferenceFileError(ImportFileError):
    """The reference file cannot be read as word times."""


@dataclass(frozen=True)
class RefWord:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Reference:
    path: str
    kind: str  # the document's kind, e.g. "textgrid", "whisper JSON", "srt" (+ SPREAD)
    words: tuple[RefWord, ...]

    @property
    def name(self) -> str:
        return Path(self.path).name


# --- reading ------------------------------------------------------------------------------
def read_reference(path: str | Path) -> Reference:
    """The word times in `path`, read by its suffix. Raises ReferenceFileError."""
    path = Path(path)
    if path.suffix.lower() not in READERS:
        raise ReferenceFileError(f"cannot tell what kind of reference {path.name} is; use "
                                 + DESCRIPTION)
    if not path.is_file():
        raise ReferenceFileError(f"no such reference file: {path}")
    try:
        document = read_document(path)
    except ImportFileError as error:
        raise ReferenceFileError(str(error)) from error
    words, spread = timed_words(document)
    if not words:
        raise ReferenceFileError(f"{path.name} holds no words")
    return Reference(str(path), document.kind + (SPREAD if spread else ""),
                     tuple(RefWord(w.text.strip(), w.start, w.end) for w in words))


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

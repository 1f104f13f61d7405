"""Importers: other tools' transcripts and annotations, read into one plain shape.

    document = read_document("talk.TextGrid")      # any format below, by its suffix
    words = timed_words(document)                  # the words with times (a reference)
    analysis = read_analysis("talk.srt")           # a starting document to correct
    text = transcript_text(document)               # the words as a transcript to align

| format                                   | suffixes               | module        |
| ---------------------------------------- | ---------------------- | ------------- |
| whisper, WhisperX, stable-ts, ours: JSON | .json                  | json_results  |
| SubRip, WebVTT subtitles                 | .srt, .vtt             | subtitles     |
| Praat TextGrid (praatio)                 | .textgrid              | textgrid      |
| ELAN (pympi-ling)                        | .eaf                   | eaf           |
| Audacity labels, whisper's / our TSV     | .txt .labels .aud .tsv | labels        |
| TIMIT word files (samples at 16 kHz)     | .wrd                   | labels        |

A `Document` is tiers of timed labels; one may be the words tier (one word a label) and one
the segments tier (sentences, cues, utterances). Reading is lazy about its libraries, so
importing this package costs nothing. Every reader raises ImportFileError, one line for the
user, for a file it cannot read. Qt-free.
"""

from __future__ import annotations

import importlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from whisperscope.errors import WhisperScopeError

WORDS, SEGMENTS = "words", "segments"  # the roles a tier can have ("" for any other)
WORD_TIERS = ("words", "word", "wrd", "orthography", "ort", "transcript")
SILENCES = {"", "sil", "sp", "spn", "<sil>", "<p:>", "#", "h#", "pau", "epi"}
READERS = {  # suffix: (module, what the file is called in messages)
    ".json": ("json_results", "JSON"), ".srt": ("subtitles", "SRT"),
    ".vtt": ("subtitles", "WebVTT"), ".textgrid": ("textgrid", "TextGrid"),
    ".eaf": ("eaf", "ELAN"), ".txt": ("labels", "Audacity label"),
    ".labels": ("labels", "Audacity label"), ".aud": ("labels", "Audacity label"),
    ".tsv": ("labels", "TSV"), ".wrd": ("labels", "TIMIT"),
}
DESCRIPTION = ("whisper / WhisperX / stable-ts / WhisperScope .json, .srt, .vtt, Praat "
               ".TextGrid, ELAN .eaf, Audacity labels (.txt, .aud), .tsv or TIMIT .wrd")


class ImportFileError(WhisperScopeError):
    """The file cannot be read as a transcript or annotation."""


@dataclass(frozen=True)
class Label:
    start: float  # seconds
    end: float
    text: str
    probability: float | None = None  # where the file gives one (whisper, WhisperX)
    segment: int | None = None  # a word's label in the segments tier, where the file says


@dataclass(frozen=True)
class Tier:
    name: str
    labels: tuple[Label, ...]
    role: str = ""  # WORDS, SEGMENTS or ""


@dataclass(frozen=True)
class Document:
    """What a file holds, in one shape: its tiers of timed labels."""

    path: str
    kind: str  # e.g. "whisper json", "srt", "textgrid", "eaf", "audacity"
    tiers: tuple[Tier, ...]
    language: str | None = None

    def tier(self, role: str) -> Tier | None:
        """The first tier with `role` (WORDS or SEGMENTS), or None."""
        return next((t for t in self.tiers if t.role == role), None)

    @property
    def name(self) -> str:
        return Path(self.path).name


def read_document(path: str | Path) -> Document:
    """The tiers in `path`, read by its suffix. Raises ImportFileError."""
    path = Path(path)
    if path.suffix.lower() not in READERS:
        raise ImportFileError(f"cannot tell what kind of file {path.name} is; use "
                              + DESCRIPTION)
    module, kind = READERS[path.suffix.lower()]
    if not path.is_file():
        raise ImportFileError(f"no such file: {path}")
    try:
        document = importlib.import_module(f"{__name__}.{module}").read(path)
    except ImportFileError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError,
            AttributeError, RecursionError) as error:
        reason = " ".join(str(error).split())[:200]  # one line, whatever the library said
        raise ImportFileError(f"{path.name} is not a readable {kind} file "
                              f"({type(error).__name__}: {reason})") from error
    check_times(document)
    return document


def check_times(document: Document) -> None:
    """ImportFileError for a label whose times are not 0 <= start <= end (finite)."""
    for tier in document.tiers:
        for label in tier.labels:
            if not (math.isfinite(label.start) and math.isfinite(label.end)
                    and 0 <= label.start <= label.end):
                raise ImportFileError(f"{document.name}: '{label.text}' has impossible times "
                                      f"({label.start} to {label.end})")


def role_by_content(labels: tuple[Label, ...]) -> str:
    """WORDS when every label with text is a single word, else SEGMENTS."""
    spoken = [label for label in labels if label.text.strip()]
    return WORDS if spoken and all(len(label.text.split()) == 1 for label in spoken) else SEGMENTS


def is_silence(text: str) -> bool:
    return text.strip().lower() in SILENCES


# --- what a document is used for ------------------------------------------------------------
def timed_words(document: Document) -> tuple[list[Label], bool]:
    """(the document's words in time order, whether their times were spread): the words
    tier's labels, silences left out; a document with only longer labels (subtitle cues,
    utterances) has each label's words given times spread over it by their length, and
    says so with True (such times are estimates, not measurements)."""
    words = document.tier(WORDS)
    if words is not None:
        return sorted((w for w in words.labels if not is_silence(w.text)),
                      key=lambda w: (w.start, w.end)), False
    segments = document.tier(SEGMENTS) or next(iter(document.tiers), None)
    if segments is None:
        return [], False
    spread = [w for label in segments.labels if not is_silence(label.text)
              for w in spread_words(label)]
    return sorted(spread, key=lambda w: (w.start, w.end)), True


def spread_words(label: Label) -> list[Label]:
    """The label's words with its time shared out in proportion to their characters."""
    words = label.text.split()
    if not words:
        return []
    weights = [len(w) + 1 for w in words]  # +1: the space before each
    total = sum(weights)
    out, done = [], 0
    for word, weight in zip(words, weights, strict=True):
        start = label.start + (label.end - label.start) * done / total
        done += weight
        out.append(Label(start, label.start + (label.end - label.start) * done / total, word))
    return out


def transcript_text(document: Document) -> str:
    """The document's words in order, one space apart: a transcript for `--transcript` or
    File > Align Transcript (the times are not used)."""
    words, _ = timed_words(document)
    return " ".join(w.text.strip() for w in words if w.text.strip())


def read_analysis(path: str | Path, audio_path: str | Path | None = None):
    """A starting document to correct: `path` read as an Analysis (segments and words with
    their times; no tokens, no attention). WhisperScope's own JSON comes back whole (tokens
    and run facts too). `audio_path` names the recording it belongs to. Raises
    ImportFileError."""
    from whisperscope.session.importers.to_analysis import document_analysis, own_analysis

    path = Path(path)
    own = own_analysis(path)
    if own is not None:
        return own
    return document_analysis(read_document(path), audio_path)


def sentence_end(text: str) -> bool:
    return bool(re.search(r"[.!?。！？…]['\")\]]*$", text.strip()))

"""A known transcript: its words, and which of them each 30 s window holds.

The transcript's own words are kept as written (spelling, case, punctuation), split on
white space. A long recording is decoded window by window as usual; the decoded words of a
window are matched to the transcript words not yet placed (difflib over normalised words),
and the window takes the transcript words up to the one matched last, so each word lands in
exactly one window and none is lost or repeated at a window edge. The last window takes the
rest. Then each window's share is forced through the decoder (forced_pass.py).

Pure: no model, no torch.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from whisperscope.errors import WhisperScopeError

MAX_WORDS_PER_SECOND = 8.0  # fast speech is ~4 words/s: far more is not this recording's text
LOOKAHEAD = 2.0  # compare a window's decoded words with up to this many times as many


class TranscriptError(WhisperScopeError):
    """The transcript is empty, unreadable or cannot be the text of this recording."""


def normalise(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


def read_transcript(source: str | Path) -> str:
    """The text of a UTF-8 transcript file, or of standard input for "-"."""
    if str(source) == "-":
        import sys

        raw = sys.stdin.buffer.read()
        name = "standard input"
    else:
        path = Path(source)
        name = str(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise TranscriptError(f"transcript {path} does not exist") from None
        except IsADirectoryError:
            raise TranscriptError(f"transcript {path} is a folder, not a text file") from None
        except OSError as error:
            raise TranscriptError(
                f"cannot read transcript {path}: {(error.strerror or str(error)).lower()}"
            ) from None
    try:
        return transcript_text(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise TranscriptError(
            f"transcript {name} is not UTF-8 text (byte {error.start}); save it as UTF-8"
        ) from None


_TIMIT_HEADER = re.compile(r"^\s*\d+\s+\d+\s+")  # TIMIT's .txt: "0 29595 The sentence."


def transcript_text(raw: str) -> str:
    """The words of a transcript file's text: a TIMIT `.txt`'s leading sample numbers
    (`0 29595 He may get a tax refund.`) are not words."""
    return _TIMIT_HEADER.sub("", raw, count=1)


def transcript_words(text: str) -> list[str]:
    """The words as written, each after a space as Whisper writes words (" Hello,").

    Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese, Tibetan)
    are split into characters, as whisper's own word splitting does for those languages:
    the first of a run keeps the space before it, the others follow without one, so the
    words still join up to the text. Punctuation and combining marks stay with the
    character before them. Otherwise a whole sentence would be one "word" the model cannot
    time."""
    words = [unit for chunk in text.split() for unit in _units(chunk)]
    if not words:
        raise TranscriptError("the transcript is empty")
    if not any(normalise(w) for w in words):
        raise TranscriptError("the transcript has no words, only punctuation")
    return words


# code points of scripts written without spaces between words
_UNSPACED = re.compile("[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
                       "\u3040-\u30ff\u3100-\u312f\u31f0-\u31ff\u3400-\u4dbf"
                       "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]")


def _units(chunk: str) -> list[str]:
    """One white-space separated chunk as words: itself, or its characters where it is
    written in a script without spaces (runs of other letters in it stay whole)."""
    if not _UNSPACED.search(chunk):
        return [" " + chunk]
    units: list[str] = []
    run = ""  # letters of a spaced script (a Latin name inside Chinese text)
    for char in chunk:
        attached = unicodedata.category(char)[0] in "MP"  # marks, punctuation
        if attached and (units or run):
            if run:
                run += char
            else:
                units[-1] += char
        elif _UNSPACED.match(char):
            if run:
                units.append(run)
                run = ""
            units.append(char)
        else:
            run += char
    if run:
        units.append(run)
    units[0] = " " + units[0]
    return units


def is_unspaced(word: str) -> bool:
    """A character unit of a script written without spaces (see `transcript_words`)."""
    return bool(_UNSPACED.match(word.strip()))


def check_length(words: list[str], duration: float) -> None:
    """Refuse a transcript far longer than the recording could hold (characters of
    scripts without spaces count as half a word: a syllable or a mora each)."""
    count = sum(0.5 if is_unspaced(w) else 1.0 for w in words)
    limit = max(10.0, MAX_WORDS_PER_SECOND * duration)
    if count > limit:
        raise TranscriptError(
            f"the transcript has {count:g} words for {duration:.1f} s of audio (more than "
            f"{MAX_WORDS_PER_SECOND:g} words a second): is it the text of this recording?")


@dataclass(frozen=True)
class Share:
    """How many of the remaining transcript words a window takes, and how many of its
    decoded words matched them (a measure of how far the text fits the audio)."""

    n_words: int
    n_matched: int


def window_share(decoded: list[str], remaining: list[str], last_window: bool) -> Share:
    """The transcript words (from the start of `remaining`) that a window whose decoding
    gave `decoded` holds."""
    if not remaining:
        return Share(0, 0)
    if last_window:
        return Share(len(remaining), _matched(decoded, remaining))
    if not decoded:
        return Share(0, 0)
    horizon = remaining[: max(1, round(LOOKAHEAD * len(decoded)) + 2)]
    a = [normalise(w) for w in decoded]
    b = [normalise(w) for w in horizon]
    blocks = [m for m in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks()
              if m.size]
    if not blocks:  # nothing agrees: the window holds as many words as it decoded
        return Share(min(len(decoded), len(remaining)), 0)
    last = blocks[-1]
    taken = last.b + last.size
    # decoded words after the last match were heard but misrecognised: take as many more
    taken += min(len(a) - (last.a + last.size), len(horizon) - taken)
    return Share(max(1, min(taken, len(remaining))), sum(m.size for m in blocks))


def _matched(decoded: list[str], words: list[str]) -> int:
    a = [normalise(w) for w in decoded]
    b = [normalise(w) for w in words]
    return sum(m.size for m in difflib.SequenceMatcher(a=a, b=b, autojunk=False)
               .get_matching_blocks())

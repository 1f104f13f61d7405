"""A short silence between two words belongs to the stop consonant that makes it.

A stop (p, t, k, b, d, g; opening a word, also the affricates ch and j) is a closure, a
silence, then its release; where one word ends or the next begins with a stop, the pass's
words (pulled in off silent frames, `boundaries.word_frames`) leave that closure between
them, to neither. Phoneticians, and TIMIT's labels, give it to the stop's word: "look |
for" ends "look" at the start of "for", "much | garlic" starts "garlic" at the end of
"much". So a silence of at most `CLOSURE_FRAMES` between two words goes to the word before
when it ends with a stop, else to the word after when it opens with one; any other
silence stays a gap. Which words end or open with a stop is read from their spelling
(letters, not sounds: "th" and "ph" open with a fricative, a silent final e after a stop
letter leaves the stop last).

Measured on ../shared/data/timit-dev as a whole (64 utterances; base and tiny.en, clean,
recognised and given, and base in pink noise at 25 dB; saved runs, bench/RESULTS.md,
constants): gaps up to 100 ms given to stops lowered every set's start and end errors, by
1.0 / 1.3 ms (base, clean, recognised: 25.0 / 26.6 -> 24.0 / 25.3 ms, starts within 20 ms
64 -> 66 %) up to 2.4 / 1.6 ms (base, pink); 80 ms gained 0.3-0.5 ms less on ends; 120 ms
0-0.2 ms less on clean speech, 0.4 ms more in pink noise (and a silence over 100 ms inside
a sentence may be a pause); "th" and "ph" counted as stops: the same on clean speech,
0.1 ms less in pink noise; other silences given to the word after, the word before, or
halved: 0.1-0.4 ms less.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

CLOSURE_FRAMES = 5  # 100 ms of 20 ms encoder frames: a stop's closure, not a pause
_STOP_LETTERS = frozenset("bdgkpt")


def _letters(word: str) -> str:
    return re.sub(r"[^a-z]", "", word.lower())


def closes_with_stop(word: str) -> bool:
    """Whether `word`'s spelling ends with a stop ("look", "made", "wanted", "back")."""
    letters = _letters(word)
    if len(letters) > 2 and letters.endswith("e") and letters[-2] in _STOP_LETTERS:
        letters = letters[:-1]  # a silent e: "make", "masquerade"
    return bool(letters) and letters[-1] in _STOP_LETTERS


def opens_with_stop(word: str) -> bool:
    """Whether `word`'s spelling opens with a stop or an affricate ("cat", "chlorine",
    "garlic", "jump", "to"), not a fricative ("the", "phone", "cell")."""
    letters = _letters(word)
    if not letters or letters.startswith(("th", "ph")):
        return False
    if letters[0] == "c":
        return len(letters) > 1 and letters[1] not in "eiy"  # "cat", "chin"; not "cell"
    return letters[0] in _STOP_LETTERS or letters[0] in "jq"


def closures_given(spans: Sequence[tuple[int, int]], words: Sequence[str]
                   ) -> list[tuple[int, int]]:
    """`spans` ([start, end) frames per word of `words`; (-1, -1) for a word with no sound
    of its own) with each silence of at most CLOSURE_FRAMES between two sounding words
    given to the stop's word."""
    out = list(spans)
    sounding = [k for k, (lo, _) in enumerate(out) if lo >= 0]
    for a, b in zip(sounding, sounding[1:], strict=False):
        gap = out[b][0] - out[a][1]
        if not 0 < gap <= CLOSURE_FRAMES:
            continue
        if closes_with_stop(words[a]):
            out[a] = (out[a][0], out[b][0])
        elif opens_with_stop(words[b]):
            out[b] = (out[a][1], out[b][1])
    return out

"""Spell a window's words as the units a teacher-forced alignment pass feeds the decoder.

Word pieces are what Whisper wrote; characters are finer, so the attention of each row
covers less sound and a word's edges are sharper (Yeh, Meng & Tang 2025, "Whisper Has an
Internal Word Aligner"). In character spelling every character is its own token and the
space between two words is a unit of its own, which gives a pause somewhere to go.

Pure: only the tokenizer is needed, no model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from whisperscope.engine.timing.punctuation import is_punctuation

SPACE = -1  # word index of a unit that belongs to no word: a space or punctuation



@dataclass(frozen=True)
class AlignmentUnits:
    """The units fed to the decoder, in order, and which word each belongs to.

    ids[i] is the token of unit i; word_of_unit[i] is the index into `words` it belongs to,
    or SPACE. Units of one word are contiguous.
    """

    kind: str  # "chars" or "pieces"
    ids: tuple[int, ...]
    texts: tuple[str, ...]
    word_of_unit: tuple[int, ...]
    words: tuple[str, ...]
    char_units: tuple[tuple[int, ...], ...] = ()  # per word, the first unit of each of its
    #                                              characters (the unit holding it, pieces)

    def __len__(self) -> int:
        return len(self.ids)

    def units_of_word(self, word: int) -> list[int]:
        return [i for i, w in enumerate(self.word_of_unit) if w == word]


def spell(tokenizer, words: Sequence[str], kind: str = "chars") -> AlignmentUnits:
    """`words` as written (a leading space where a word follows another, punctuation
    attached), spelled as `kind` units. Sounding characters belong to their word;
    spaces and punctuation belong to none."""
    if kind not in ("chars", "pieces"):
        raise ValueError(f"unknown alignment units {kind!r}")
    ids: list[int] = []
    texts: list[str] = []
    owner: list[int] = []
    char_units: list[tuple[int, ...]] = []
    encoded: dict[str, list[int]] = {}  # a window's text repeats a few dozen characters
    for w, word in enumerate(words):
        firsts: list[int] = []
        if kind == "pieces":
            for token in tokenizer.encode(word):
                text = tokenizer.decode([token])
                firsts += [len(ids)] * len(text)
                ids.append(token)
                texts.append(text)
                owner.append(SPACE if is_punctuation(text) else w)
        else:
            for char in word:
                firsts.append(len(ids))
                # one character can take several byte-level tokens (non-Latin scripts)
                if char not in encoded:
                    encoded[char] = tokenizer.encode(char)
                for token in encoded[char]:
                    ids.append(token)
                    texts.append(char)
                    owner.append(SPACE if is_punctuation(char) else w)
        char_units.append(tuple(firsts[: len(word)]))
    return AlignmentUnits(kind, tuple(ids), tuple(texts), tuple(owner), tuple(words),
                          tuple(char_units))

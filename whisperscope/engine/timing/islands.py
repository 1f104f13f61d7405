"""Speech separated by long silences is timed island by island. Pure: no model.

A window's teacher-forced pass (forced_pass.py) feeds its whole text at once, without
timestamps, so nothing in it says "the next sentence starts after a 13 s pause". The row
that predicts the first letter after such a pause looks for its sound in the silence and
finds none (its attention spreads over the identical silent frames), while the row after
it (whose input is that letter) looks at the right place. DTW then glued a short first word
("a", "she", "the") to the end of the sentence before the pause, one frame long, 13 s from
where it was said: 4 of 294 joined timit-dev pairs with base, with and without the
transcript (../shared/data/README.md). Whisper's own timestamp is no help there: it opened
the second segment where the first one ended.

So a window whose sound falls into islands (voiced stretches apart by LONG_PAUSE_FRAMES of
silence or more) is timed island by island (island_division.py): the model itself divides
the window's words among the islands (the division under which each island's words are
most likely given only that island's audio), and each island's words are timed by a DTW of
their own over the whole window's matrix, its rows for those words and its frames for that
island alone. A word can then never be placed on the far side of a long pause from the
speech its text belongs to, and one that opens an island starts where its sound does.

That matrix comes from the window's pass made once more, as whisper writes segments: a
pair of timestamps at each pause, the island before it ending at its last sound and the
next opening at its first (island_division.island_timing); each island's end of text is
then the row that predicts its closing timestamp. (A pass per island, hearing only that
island, timed worse: tiny.en put the first word of an island mid-window late, the
decoder's prior that a text starts at the window's start working against it; and the
island's rows alone, normalised apart from the others, stretched "upgrade" over "your"
after a 13 s pause.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A silence this long splits a window into islands (1 s, the bound the product promises:
# no word on the far side of a silence over 1 s from its speech). Read speech pauses
# within a sentence for 0.1-0.5 s (timit-dev's `pau` labels), so its sentences stay whole.
LONG_PAUSE_FRAMES = 50
# Silence each side of an island that its pass may still hear (200 ms, at most half the
# pause): where a first letter's row looks when the sound starts right at the island's edge.
ISLAND_MARGIN_FRAMES = 10
# How many words either side of the first pass's division the model's judgement tries: the
# first pass put at most one word on the wrong side of a pause (timit-dev pairs).
JUDGE_REACH = 2


@dataclass(frozen=True)
class Island:
    """sound: [lo, hi) encoder frames of a voiced stretch; span: what its pass hears, the
    sound and up to ISLAND_MARGIN_FRAMES of the silence either side."""

    sound: tuple[int, int]
    span: tuple[int, int]


@dataclass(frozen=True)
class IslandPart:
    """An island's share of a window's words: words [first, end) of the window's words,
    which are units [first, end) of the window's spelling, timed on `island.span` alone
    with the rows of those units and the row after them (the island's end of text)."""

    island: Island
    words: tuple[int, int]
    units: tuple[int, int]


def speech_islands(voiced: np.ndarray, long_pause: int = LONG_PAUSE_FRAMES,
                   margin: int = ISLAND_MARGIN_FRAMES) -> list[Island]:
    """The voiced stretches of `voiced` (bool per encoder frame) apart by `long_pause`
    silent frames or more, in order; none for a window with no sound."""
    loud = np.flatnonzero(voiced)
    if loud.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(loud) > long_pause)
    sounds = list(zip([loud[0], *loud[breaks + 1]], [*loud[breaks] + 1, loud[-1] + 1],
                      strict=True))
    islands = []
    for k, (lo, hi) in enumerate(sounds):
        before = lo - sounds[k - 1][1] if k else 2 * margin
        after = sounds[k + 1][0] - hi if k + 1 < len(sounds) else 2 * margin
        span = (max(0, lo - min(margin, before // 2)), min(len(voiced), hi + min(margin,
                                                                                   after // 2)))
        islands.append(Island((int(lo), int(hi)), (int(span[0]), int(span[1]))))
    return islands


def first_division(spans, islands: list[Island]) -> list[int]:
    """For each pause between islands k and k + 1, how many of the window's words lie
    before it by their `spans` ([start, end) frames per word; (-1, -1) for a word of
    punctuation only, which goes with the word before it). Non-decreasing."""
    splits = []
    for left, right in zip(islands, islands[1:], strict=False):
        middle = (left.sound[1] + right.sound[0]) / 2
        before = 0
        for k, (lo, hi) in enumerate(spans):
            if lo < 0:
                before += before == k  # goes with the word before it
            elif (lo + hi) / 2 < middle:
                before = k + 1
            else:
                break
        splits.append(max(before, splits[-1] if splits else 0))
    return splits


def held_limits(held: np.ndarray | None, word_of_unit, n_words: int,
                islands: list[Island]) -> list[tuple[int, int]]:
    """For each pause between islands, the fewest and the most of the window's words that
    may lie before it when the user's anchors hold them (`held`: anchors.anchor_band, the
    [lo, hi) frames each unit row may take; None: no anchors, any division). A word all of
    whose rows must end before the pause's middle goes before it; one whose rows must all
    start after it goes after: a division that put an anchored word on the far side of a
    long pause from its anchor could not time it there."""
    n_pauses = max(0, len(islands) - 1)
    if held is None:
        return [(0, n_words)] * n_pauses
    lows = np.zeros(n_words)
    highs = np.full(n_words, np.inf)
    for unit, word in enumerate(word_of_unit):
        if 0 <= word < n_words:
            lows[word] = max(lows[word], held[unit, 0])
            highs[word] = min(highs[word], held[unit, 1])
    limits = []
    for left, right in zip(islands, islands[1:], strict=False):
        middle = (left.sound[1] + right.sound[0]) / 2
        before = np.flatnonzero(highs <= middle)
        after = np.flatnonzero(lows >= middle)
        low = int(before[-1]) + 1 if before.size else 0
        high = int(after[0]) if after.size else n_words
        limits.append((low, max(low, high)))
    return limits


def candidates(guess: int, lower: int, upper: int, reach: int = JUDGE_REACH) -> range:
    """The divisions tried around `guess`, within [lower, upper]."""
    return range(max(lower, guess - reach), min(upper, guess + reach) + 1)

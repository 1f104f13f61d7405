"""Anchors (issue 25): the DTW keeps anchored rows between their anchors, anchored words
land on their anchors to the millisecond, the rest between them. Planted matrices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from whisperscope.engine.timing.anchors import (
    ANCHOR_COST,
    Anchor,
    AnchorWord,
    anchor_band,
    match_anchors,
    place_anchored,
    speech_clock,
    word_clock,
    word_limits,
)
from whisperscope.engine.timing.boundaries import unit_starts


@dataclass(frozen=True)
class W:
    text: str
    start: float
    end: float
    tokens: tuple[int, ...]


@dataclass(frozen=True)
class T:
    start: float
    end: float


def test_limits_are_the_nearest_anchors_around_each_word():
    anchors = [None, Anchor(1.0, None), None, None, Anchor(None, 3.0), None]
    assert word_limits(anchors) == [(None, 1.0), (1.0, 3.0), (1.0, 3.0), (1.0, 3.0),
                                    (1.0, 3.0), (3.0, None)]


def test_the_band_keeps_a_planted_path_off_a_wrong_peak():
    """Two words whose attention says 'frames 10-20' and 'frames 20-30'; the user anchored
    the second at frames 60-70: its rows start there, the first word's rows are free."""
    n_frames = 100
    word_of_unit = [0, 0, -1, 1, 1]
    matrix = np.full((6, n_frames), -1.0)
    for u, (a, b) in enumerate([(10, 15), (15, 20), (20, 21), (21, 25), (25, 30), (30, 100)]):
        matrix[u, a:b] = 5.0  # the attention's own (wrong, for word 1) answer
    free = unit_starts(matrix, None)
    assert list(free[:5]) == [0, 15, 20, 21, 25]
    anchors = [None, Anchor(60 * 0.02, 70 * 0.02)]
    band = anchor_band(word_of_unit, anchors, 0.0, n_frames)
    assert band[3].tolist() == [60, 70] and band[4].tolist() == [60, 70]
    assert band[0].tolist() == [0, 60]  # word 0 lies before word 1's anchored start
    held = unit_starts(matrix, None, anchor_band=band)
    assert 60 <= held[3] < held[4] < 70
    assert held[1] < 60
    assert ANCHOR_COST > 1000


def test_anchored_words_land_on_their_anchors_and_the_rest_between():
    words = [W(" a", 0.50, 0.90, (0,)), W(" b", 0.95, 1.40, (1, 2)), W(" c", 1.5, 2.6, (3,)),
             W(" d", 2.7, 3.1, (4,))]
    tokens = [T(0.5, 0.9), T(0.95, 1.2), T(1.2, 1.4), T(1.5, 2.6), T(2.7, 3.1)]
    anchors = [None, Anchor(1.0234567, 1.3000001), None, Anchor(2.2, None)]
    placed, timed = place_anchored(words, tokens, anchors)
    assert (placed[1].start, placed[1].end) == (1.0234567, 1.3000001)  # exactly
    assert placed[3].start == 2.2
    assert placed[0].end <= 1.0234567  # between its anchors
    assert 1.3000001 <= placed[2].start <= placed[2].end <= 2.2
    assert placed[3].end == 3.1  # free, nothing after it
    assert timed[1].start == pytest.approx(1.0234567) and timed[2].end == pytest.approx(1.3)
    assert timed[1].end == timed[2].start  # stretched with the word, in order


def test_words_are_matched_to_anchor_words_by_text_in_order():
    texts = [" The", " cat,", " sat", " on", " the", " mat."]
    found = [AnchorWord("Cat", 1.0, None), AnchorWord("the", 3.0, 3.2),
             AnchorWord("mat", None, 5.0)]
    anchors = match_anchors(texts, found)
    assert anchors[1] == Anchor(1.0, None) and anchors[5] == Anchor(None, 5.0)
    assert anchors[0] is None  # "the" comes after "cat": the second "the"
    assert anchors[4] == Anchor(3.0, 3.2)


def test_sparse_anchors_find_their_own_words_not_the_first_alike():
    texts = " In simpler terms, it amounts to pointing the platform in the proper".split(" ")[1:]
    found = [AnchorWord("simpler", 0.64, 1.08), AnchorWord("to", 1.95, 2.03),
             AnchorWord("in", 3.02, 3.09)]
    anchors = match_anchors([" " + t for t in texts], found)
    assert [i for i, a in enumerate(anchors) if a] == [1, 5, 9]
    assert anchors[9] == Anchor(3.02, 3.09)
    assert match_anchors([" a", " b"], [AnchorWord("zzz", 1.0, 2.0)]) == [None, None]


def test_a_repeated_word_is_matched_by_its_time_not_its_first_occurrence():
    """timit-dev dr5-mbgt0/si1841: "... to sing any role and any song ...", every 4th word
    anchored: the anchored "any" (2.965 s) is the second one, though the first comes
    right after the last anchor ("sing")."""
    text = ("She found herself able to sing any role and any song which struck her "
            "fancy.").split()
    found = [AnchorWord("found", 0.276, 0.584), AnchorWord("sing", 1.515, 1.843),
             AnchorWord("any", 2.965, 3.147), AnchorWord("her", 4.062, 4.122)]
    anchors = match_anchors([" " + t for t in text], found)
    assert [i for i, a in enumerate(anchors) if a] == [1, 5, 9, 13]


def test_what_precedes_the_text_is_free_from_the_windows_start():
    """A window whose words must follow an anchor 2.5 s in (the window before holds it):
    the leading space takes the frames before, so the first word's letters are free to
    start where its attention says, after the bound, not crushed at it."""
    n_frames = 300
    word_of_unit = [-1, 0, 0, 0, -1, 1, 1]
    band = anchor_band(word_of_unit, [None, None], 0.0, n_frames, bounds=(2.5, None))
    assert band[0].tolist() == [0, 300]  # the leading space: from the window's start
    assert band[1].tolist() == [125, 300] and band[4].tolist() == [125, 300]
    matrix = np.full((8, n_frames), -1.0)
    for u, (a, b) in enumerate([(0, 140), (140, 150), (150, 160), (160, 170), (170, 175),
                                (175, 190), (190, 200), (200, 300)]):
        matrix[u, a:b] = 5.0
    starts = unit_starts(matrix, None, anchor_band=band)
    assert list(starts[1:4]) == [140, 150, 160]


def test_a_repeated_word_never_takes_the_word_a_later_anchor_needs():
    """Two "would"s anchored after a long pause: the first one's time, between the unique
    matches around it, is nearer the second "would"; taken greedily, the second anchor then
    found no "would" after it and was lost. As many anchors as fit are matched."""
    text = "start would a b c d would end".split()
    found = [AnchorWord("start", 0.0, 0.3), AnchorWord("would", 5.5, 5.7),
             AnchorWord("would", 9.0, 9.2), AnchorWord("end", 9.5, 9.9)]
    anchors = match_anchors([" " + t for t in text], found)
    assert [i for i, a in enumerate(anchors) if a] == [0, 1, 6, 7]
    assert anchors[1] == Anchor(5.5, 5.7) and anchors[6] == Anchor(9.0, 9.2)


PAUSED = "imagination ran wild was used in data analysis in this".split()
PAUSED_ANCHORS = [AnchorWord("imagination", 0.0, 0.3), AnchorWord("in", 3.5, 3.7),
                  AnchorWord("this", 4.7, 4.9)]


def test_an_anchor_after_a_pause_is_placed_among_the_speech_not_the_pause():
    """timit-dev dr3-madc0/si1367 after another sentence and a 2 s pause: "... was used in
    data analysis in this study", the first "in" anchored. On the wall clock the pause
    stretches the time between the unique matches around it ("imagination", "this") and
    the guess lands on the second "in"; counted in seconds of speech it is the first."""
    texts = [" " + t for t in PAUSED]
    assert match_anchors(texts, PAUSED_ANCHORS)[8] is not None  # the wall clock's mistake
    voiced = np.ones(500, bool)
    voiced[90:290] = False  # 0.9-2.9 s: the pause
    anchors = match_anchors(texts, PAUSED_ANCHORS, speech_clock(voiced))
    assert [i for i, a in enumerate(anchors) if a] == [0, 5, 9]
    assert anchors[5] == Anchor(3.5, 3.7)


def test_anchors_on_timed_words_are_matched_by_the_words_own_times():
    starts = [0.0, 0.3, 0.6, 2.9, 3.2, 3.5, 3.8, 4.1, 4.4, 4.7]
    anchors = match_anchors([" " + t for t in PAUSED], PAUSED_ANCHORS, word_clock(starts))
    assert [i for i, a in enumerate(anchors) if a] == [0, 5, 9]


def test_a_word_written_as_two_on_one_side_is_anchored_whole():
    """timit-dev dr3-madc0/si1367: the transcript's "grade-equivalent" is two words in the
    TIMIT labels, and the reverse: neither anchor is dropped."""
    texts = [" " + t for t in "The battery median grade-equivalent was used".split()]
    anchors = match_anchors(texts, [AnchorWord("grade", 1.0, 1.3),
                                    AnchorWord("equivalent", 1.3, 1.9),
                                    AnchorWord("used", 2.2, 2.5)])
    assert anchors[3] == Anchor(1.0, 1.9) and anchors[5] == Anchor(2.2, 2.5)
    texts = [" " + t for t in "a grade equivalent b".split()]
    anchors = match_anchors(texts, [AnchorWord("grade-equivalent", 1.0, 1.9)])
    assert anchors == [None, Anchor(1.0, None), Anchor(None, 1.9), None]


def test_one_part_of_a_hyphenated_word_anchors_its_side():
    """Every 4th TIMIT word anchored can take "grade" alone of "grade-equivalent": it
    gives the word its start (it was dropped, and "median" before it ran over its time)."""
    texts = [" " + t for t in "The battery median grade-equivalent was used".split()]
    anchors = match_anchors(texts, [AnchorWord("grade", 1.0, 1.3)])
    assert anchors[3] == Anchor(1.0, None)
    anchors = match_anchors(texts, [AnchorWord("equivalent", 1.3, 1.9)])
    assert anchors[3] == Anchor(None, 1.9)

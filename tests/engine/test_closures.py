"""A short silence between two words goes to the stop that makes it
(engine/timing/closures.py), on planted spans whose answer is known."""

import numpy as np
import pytest

from whisperscope.engine.timing.closures import (
    CLOSURE_FRAMES,
    closes_with_stop,
    closures_given,
    opens_with_stop,
)
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.engine.timing.pass_frames import pass_frames
from whisperscope.engine.timing.spelling import AlignmentUnits


@pytest.mark.parametrize("word", ["look", "great,", "masquerade.", "wanted", "back", "Stab"])
def test_words_that_end_with_a_stop(word):
    assert closes_with_stop(word)


@pytest.mark.parametrize("word", ["much", "have", "the", "sea", "be", "", "1990"])
def test_words_that_do_not_end_with_a_stop(word):
    assert not closes_with_stop(word)


@pytest.mark.parametrize("word", ["cartoon", "Chlorine", "garlic", "jump", "to", "bank",
                                  "dessert", "quiet", "pie"])
def test_words_that_open_with_a_stop_or_an_affricate(word):
    assert opens_with_stop(word)


@pytest.mark.parametrize("word", ["the", "phone", "cell", "city", "some", "and", ""])
def test_words_that_open_with_something_else(word):
    assert not opens_with_stop(word)


def test_a_closure_after_a_word_ending_with_a_stop_is_that_words():
    assert closures_given([(0, 10), (13, 20)], ["look", "for"]) == [(0, 13), (13, 20)]


def test_a_closure_before_a_word_opening_with_a_stop_is_that_words():
    assert closures_given([(0, 10), (13, 20)], ["much", "garlic"]) == [(0, 10), (10, 20)]


def test_the_word_before_takes_it_when_both_are_stops():
    # "want to": one closure between, TIMIT gives it to "want"
    assert closures_given([(0, 10), (12, 20)], ["want", "to"]) == [(0, 12), (12, 20)]


def test_any_other_silence_stays_a_gap():
    spans = [(0, 10), (13, 20)]
    assert closures_given(spans, ["some", "more"]) == spans


def test_a_silence_longer_than_a_closure_is_a_pause():
    spans = [(0, 10), (11 + CLOSURE_FRAMES, 30)]
    assert closures_given(spans, ["look", "for"]) == spans
    assert closures_given([(0, 10), (10 + CLOSURE_FRAMES, 30)], ["look", "for"]) == [
        (0, 10 + CLOSURE_FRAMES), (10 + CLOSURE_FRAMES, 30)]


def test_a_word_with_no_sound_of_its_own_is_stepped_over():
    spans = [(0, 10), (-1, -1), (13, 20), (20, 30)]
    assert closures_given(spans, ["clasp", "-", "the", "cat"]) == [
        (0, 13), (-1, -1), (13, 20), (20, 30)]


def pass_over_a_closure(options: AlignmentOptions):
    """Two words, "look" and "for", each letter's attention on its own 3 frames, the
    space's on the frames between; the frames 12-14 (between "look"'s 4 letters and
    "for"'s first) are silent."""
    units = AlignmentUnits(
        ids=tuple(range(8)), texts=tuple("look for"),
        word_of_unit=(0, 0, 0, 0, -1, 1, 1, 1), words=("look", "for"),
        char_units=((0, 1, 2, 3), (5, 6, 7)), kind="chars")
    n_frames = 30
    rows = [0, 3, 6, 9, 12, 15, 18, 21, 24]  # each unit's first frame, then the end
    matrix = np.full((len(rows), n_frames), -1.0)
    for r, f in enumerate(rows):
        matrix[r, f: f + 3] = 5.0
    voiced = np.ones(n_frames, bool)
    voiced[12:15] = False
    voiced[24:] = False
    return pass_frames(matrix, units, voiced, options, heads=((0, 0),))


def test_the_pass_gives_the_closure_to_the_stop_and_the_option_leaves_it():
    assert pass_over_a_closure(AlignmentOptions()).spans == ((0, 15), (15, 24))
    off = AlignmentOptions(stop_closures=False)
    assert pass_over_a_closure(off).spans == ((0, 12), (15, 24))

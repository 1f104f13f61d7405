"""Pins as the engine's anchors and back (session/anchors.py), on a planted analysis."""

from __future__ import annotations

import dataclasses

from whisperscope.engine.timing.anchors import Anchor
from whisperscope.session import commands
from whisperscope.session.anchors import (
    anchor_words,
    correction_anchors,
    correction_pins,
    pins_on,
)
from whisperscope.session.annotation import Annotation
from whisperscope.session.edits import END, START

from .conftest import NORMAL, build_analysis


def test_a_correction_frees_only_the_word_and_its_neighbours_unpinned_sides():
    analysis = build_analysis(NORMAL, 40.0)
    a = commands.move_boundary(Annotation(analysis), commands.WORD, 1, END,
                               analysis.words[1].end - 0.05)  # " world," end: pinned
    shown = a.shown
    members = [0, 1, 2, 3, 4]  # the first segment
    anchors = correction_anchors(a, members, 2, 2)  # " this" becomes two words
    assert len(anchors) == 6
    assert anchors[0] == Anchor(shown.words[0].start, shown.words[0].end)  # outside: stays
    assert anchors[1] == Anchor(shown.words[1].start, shown.words[1].end)  # pinned end
    assert anchors[2] == Anchor(None, None) and anchors[3] == Anchor(None, None)
    assert anchors[4] == Anchor(None, shown.words[3].end)  # " is": its start moves
    assert anchors[5] == Anchor(shown.words[4].start, shown.words[4].end)


def test_pins_follow_a_corrected_word_that_became_two():
    pins = frozenset({(0, END), (2, START), (2, END), (5, START)})
    assert correction_pins(pins, 2, 3) == {(0, END), (2, START), (4, END), (7, START)}


def test_the_new_alignments_words_on_the_anchors_are_pinned():
    analysis = build_analysis(NORMAL, 40.0)
    a = commands.toggle_pin(Annotation(analysis), 6)  # " second": both sides
    anchors = anchor_words(a)
    assert [(w.text, w.start, w.end) for w in anchors] == \
        [(" second", analysis.words[6].start, analysis.words[6].end)]
    moved = list(analysis.words)
    moved[5] = dataclasses.replace(moved[5], end=moved[5].end + 0.01)  # others moved
    again = dataclasses.replace(analysis, words=moved)
    assert pins_on(again, anchors) == {(6, START), (6, END)}
    off = list(analysis.words)
    off[6] = dataclasses.replace(off[6], start=off[6].start + 0.02)  # not kept: no pin
    assert pins_on(dataclasses.replace(analysis, words=off), anchors) == {(6, END)}

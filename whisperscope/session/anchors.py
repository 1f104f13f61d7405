"""The user's pins as anchors for the engine, and back: which boundaries a re-alignment
must keep (engine/timing/anchors.py keeps them), and which words of its result are the
pinned ones. Qt-free.

- `anchor_words`: every pinned boundary as an `AnchorWord` (the word's text and its pinned
  sides' times as shown), for Align Transcript and Analyse Again, where the engine finds
  the words again by their text.
- `correction_anchors`: a word's text corrected in its window: its window's words, each
  with what stays. The edited span is the corrected word and its neighbours (their shared
  boundaries move with it) unless pinned; every other word of the window keeps both its
  times, so no word outside the span moves.
- `pins_on`: the pins of a new alignment: the sides that landed on an anchor.
"""

from __future__ import annotations

from collections.abc import Sequence

from whisperscope.engine.timing.anchors import Anchor, AnchorWord
from whisperscope.session.annotation import Annotation, Pin
from whisperscope.session.edits import END, START

SAME_TIME = 1e-9  # an anchored side is placed at its anchor exactly


def anchor_words(annotation: Annotation) -> tuple[AnchorWord, ...]:
    """The pinned boundaries, word by word in order, at their shown times."""
    shown = annotation.shown
    if shown is None:
        return ()
    out = []
    for i in sorted({i for i, _ in annotation.pins}):
        if 0 <= i < len(shown.words):
            word = shown.words[i]
            out.append(AnchorWord(word.text,
                                  word.start if (i, START) in annotation.pins else None,
                                  word.end if (i, END) in annotation.pins else None))
    return tuple(out)


def correction_anchors(annotation: Annotation, members: Sequence[int], row: int,
                       n_replacement: int) -> tuple[Anchor | None, ...]:
    """Anchors for the words of a window (`members`, word indices in order) where word
    `row` is replaced by `n_replacement` words: one per new word, in order."""
    shown, pins = annotation.shown, annotation.pins
    out: list[Anchor | None] = []
    for i in members:
        word = shown.words[i]
        start_pinned, end_pinned = (i, START) in pins, (i, END) in pins
        if i == row:
            first = Anchor(word.start if start_pinned else None, None)
            last = Anchor(None, word.end if end_pinned else None)
            if n_replacement == 1:
                out.append(Anchor(first.start, last.end))
            else:
                out += [first] + [None] * (n_replacement - 2) + [last]
        elif i == row - 1:  # its end is the corrected word's start
            out.append(Anchor(word.start, word.end if end_pinned else None))
        elif i == row + 1:  # its start is the corrected word's end
            out.append(Anchor(word.start if start_pinned else None, word.end))
        else:  # outside the edited span: stays where it is
            out.append(Anchor(word.start, word.end))
    return tuple(out)


def correction_pins(pins: frozenset[Pin], row: int, n_replacement: int) -> frozenset[Pin]:
    """The pins after word `row` became `n_replacement` words: its own go to the first
    (start) and last (end) of them, later words' shift."""
    delta = n_replacement - 1
    moved = set()
    for i, side in pins:
        if i < row:
            moved.add((i, side))
        elif i == row:
            moved.add((row if side == START else row + delta, side))
        else:
            moved.add((i + delta, side))
    return frozenset(moved)


def pins_on(analysis, anchors: Sequence[AnchorWord]) -> frozenset[Pin]:
    """The sides of `analysis`'s words that lie on an anchor (a new alignment keeps each
    anchor exactly), matched in order by time and text."""
    from whisperscope.engine.timing.anchors import match_anchors, word_clock

    if analysis is None or not anchors:
        return frozenset()
    found = match_anchors([w.text for w in analysis.words], anchors,
                          word_clock([w.start for w in analysis.words]))
    pins = set()
    for i, anchor in enumerate(found):
        if anchor is None:
            continue
        word = analysis.words[i]
        if anchor.start is not None and abs(word.start - anchor.start) <= SAME_TIME:
            pins.add((i, START))
        if anchor.end is not None and abs(word.end - anchor.end) <= SAME_TIME:
            pins.add((i, END))
    return frozenset(pins)

"""The user's commands on an annotation: pure functions from one `Annotation` to the next.

The document records each result as one undo step (`AnnotationDocument.apply`); nothing here
changes its input. A boundary the user places or drags is pinned: re-alignment keeps it
(`session.anchors`). Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from whisperscope.session.annotation import Annotation, UserTier
from whisperscope.session.edits import (
    END,
    JOINED,
    START,
    move_token_boundary,
    word_spans,
)
from whisperscope.session.edits import (
    move_boundary as _move_word_boundary,
)

WORD, TOKEN = "word", "token"


class CommandError(ValueError):
    """The command does not apply here (said to the user, nothing changes)."""


def move_boundary(annotation: Annotation, kind: str, index: int, side: str, t: float
                  ) -> Annotation:
    """The `side` of word (or, with `kind` TOKEN, token) `index` dragged to `t`: the words
    whose edges moved are pinned there."""
    analysis = annotation.analysis
    if analysis is None:
        return annotation
    edits, token_edits = dict(annotation.edits), dict(annotation.token_edits)
    if kind == TOKEN:
        words, tokens = move_token_boundary(analysis, edits, token_edits, index, side, t)
    else:
        spans = word_spans(analysis.words, edits)
        words = _move_word_boundary(spans, index, side, t, analysis.audio.duration or None)
        tokens = {}
    if not words and not tokens:
        return annotation
    pins = set(annotation.pins)
    before = word_spans(analysis.words, annotation.edits)
    for i, (start, end) in words.items():
        if abs(start - before[i][0]) > 1e-9:
            pins.add((i, START))
        if abs(end - before[i][1]) > 1e-9:
            pins.add((i, END))
    return annotation.with_changes(edits={**edits, **words},
                                   token_edits={**token_edits, **tokens},
                                   pins=frozenset(pins))


def retime(annotation: Annotation, times: Mapping[int, tuple[float, float]]) -> Annotation:
    """New times for many words at once (timed with other heads). Not pinned: the heads'
    times are a suggestion, not the user's."""
    if not times:
        return annotation
    return annotation.with_changes(edits={**annotation.edits, **times})


def toggle_pin(annotation: Annotation, word: int) -> Annotation:
    """Confirm word `word` where it is (pin both its boundaries), or unpin it when both
    already are."""
    if annotation.analysis is None or not 0 <= word < len(annotation.analysis.words):
        raise CommandError("no word to pin here")
    both = {(word, START), (word, END)}
    pins = annotation.pins - both if both <= annotation.pins else annotation.pins | both
    return annotation.with_changes(pins=frozenset(pins))


def joined_pins(annotation: Annotation, word: int, side: str) -> set[tuple[int, str]]:
    """The pin at `side` of `word` and the neighbour's edge it is one boundary with."""
    shown = annotation.shown
    pins = {(word, side)}
    if side == END and word + 1 < len(shown.words) and \
            shown.words[word + 1].start <= shown.words[word].end + JOINED:
        pins.add((word + 1, START))
    if side == START and word > 0 and shown.words[word - 1].end >= \
            shown.words[word].start - JOINED:
        pins.add((word - 1, END))
    return pins


# --- tiers of the user's own -----------------------------------------------------------
def add_tier(annotation: Annotation, name: str) -> Annotation:
    name = name.strip()
    if not name:
        raise CommandError("a tier needs a name")
    if any(t.name == name for t in annotation.tiers):
        raise CommandError(f"there is a tier named “{name}” already")
    return annotation.with_changes(tiers=(*annotation.tiers, UserTier(name)))


def rename_tier(annotation: Annotation, tier: int, name: str) -> Annotation:
    name = name.strip()
    if not name:
        raise CommandError("a tier needs a name")
    if any(t.name == name for i, t in enumerate(annotation.tiers) if i != tier):
        raise CommandError(f"there is a tier named “{name}” already")
    return _with_tier(annotation, tier, lambda t: UserTier(name, t.boundaries, t.texts))


def remove_tier(annotation: Annotation, tier: int) -> Annotation:
    tiers = list(annotation.tiers)
    del tiers[_tier_index(annotation, tier)]
    return annotation.with_changes(tiers=tuple(tiers))


def add_tier_boundary(annotation: Annotation, tier: int, t: float,
                      duration: float) -> Annotation:
    """A boundary at `t` in tier `tier`: the interval there splits in two; its text stays
    with the left part (Praat's way)."""
    if not 0 < t < duration:
        raise CommandError("a boundary must lie inside the recording")

    def split(old: UserTier) -> UserTier:
        if any(abs(b - t) < 1e-4 for b in old.boundaries):
            raise CommandError("there is a boundary here already")
        i = old.interval_at(t)
        return UserTier(old.name, (*old.boundaries[:i], t, *old.boundaries[i:]),
                        (*old.texts[:i + 1], "", *old.texts[i + 1:]))

    return _with_tier(annotation, tier, split)


def remove_tier_boundary(annotation: Annotation, tier: int, boundary: int) -> Annotation:
    """Boundary `boundary` of tier `tier` removed: its two intervals merge, texts joined."""

    def merge(old: UserTier) -> UserTier:
        if not 0 <= boundary < len(old.boundaries):
            raise CommandError("no such boundary")
        left, right = old.texts[boundary], old.texts[boundary + 1]
        text = " ".join(s for s in (left, right) if s)
        return UserTier(old.name, old.boundaries[:boundary] + old.boundaries[boundary + 1:],
                        (*old.texts[:boundary], text, *old.texts[boundary + 2:]))

    return _with_tier(annotation, tier, merge)


def move_tier_boundary(annotation: Annotation, tier: int, boundary: int, t: float
                       ) -> Annotation:
    """Boundary `boundary` of tier `tier` dragged to `t`, stopping short of its neighbours."""

    def move(old: UserTier) -> UserTier:
        if not 0 <= boundary < len(old.boundaries):
            raise CommandError("no such boundary")
        lo = old.boundaries[boundary - 1] if boundary > 0 else 0.0
        hi = old.boundaries[boundary + 1] if boundary + 1 < len(old.boundaries) else None
        new = max(t, lo + 1e-3)
        if hi is not None:
            new = min(new, hi - 1e-3)
        bounds = list(old.boundaries)
        bounds[boundary] = new
        return UserTier(old.name, tuple(bounds), old.texts)

    return _with_tier(annotation, tier, move)


def set_interval_text(annotation: Annotation, tier: int, interval: int, text: str
                      ) -> Annotation:
    def label(old: UserTier) -> UserTier:
        if not 0 <= interval < len(old.texts):
            raise CommandError("no such interval")
        texts = list(old.texts)
        texts[interval] = text
        return UserTier(old.name, old.boundaries, tuple(texts))

    return _with_tier(annotation, tier, label)


def _tier_index(annotation: Annotation, tier: int) -> int:
    if not 0 <= tier < len(annotation.tiers):
        raise CommandError("no such tier")
    return tier


def _with_tier(annotation: Annotation, tier: int, change) -> Annotation:
    tiers = list(annotation.tiers)
    i = _tier_index(annotation, tier)
    tiers[i] = change(tiers[i])
    return annotation.with_changes(tiers=tuple(tiers))


# --- the words tier: split a word at a token boundary, merge two words -------------------
def split_word(annotation: Annotation, word: int, t: float) -> Annotation:
    """Word `word` cut in two at the boundary between its tokens nearest `t` (a word is
    made of whole tokens); the new boundary is placed at `t` and pinned."""
    analysis, shown = annotation.analysis, annotation.shown
    if analysis is None or not 0 <= word < len(analysis.words):
        raise CommandError("no word here to split")
    old = analysis.words[word]
    start, end = shown.words[word].start, shown.words[word].end
    if not start < t < end:
        raise CommandError("the cursor is not inside the word")
    if len(old.tokens) < 2:
        raise CommandError(f"“{old.text.strip()}” is one token: type its words instead "
                           "(F2), e.g. “some where”, and it is aligned again")
    tokens = analysis.tokens
    cuts = list(range(1, len(old.tokens)))
    k = min(cuts, key=lambda c: abs(shown.tokens[old.tokens[c]].start - t))
    first, second = old.tokens[:k], old.tokens[k:]
    text_a = "".join(tokens[i].text for i in first)
    text_b = "".join(tokens[i].text for i in second)
    if not text_b.startswith(" "):
        text_b = " " + text_b
    cut = tokens[second[0]].start  # in the aligned frame; shown at `t` by the edits
    a = replace(old, text=text_a, end=cut, tokens=first,
                probability=min(tokens[i].probability for i in first))
    b = replace(old, text=text_b, start=cut, tokens=second,
                probability=min(tokens[i].probability for i in second))
    words = [*analysis.words[:word], a, b, *analysis.words[word + 1:]]
    segments = [replace(s, words=_reindexed(s.words, word, +1, split=True))
                for s in analysis.segments]
    edits = {_shift(i, word, 1): times for i, times in annotation.edits.items() if i != word}
    edits[word], edits[word + 1] = (start, t), (t, end)
    pins = {(_shift(i, word, 1) if i != word else (word + 1 if side == END else word), side)
            for i, side in annotation.pins}
    pins |= {(word, END), (word + 1, START)}
    return annotation.with_changes(analysis=replace(analysis, words=words, segments=segments),
                                   edits=edits, pins=frozenset(pins))


def merge_words(annotation: Annotation, word: int) -> Annotation:
    """Words `word` and `word + 1` become one (the boundary between them goes), from the
    first's start to the second's end, its text both texts."""
    analysis, shown = annotation.analysis, annotation.shown
    if analysis is None or not 0 <= word < len(analysis.words) - 1:
        raise CommandError("no two words here to merge")
    a, b = analysis.words[word], analysis.words[word + 1]
    if a.segment != b.segment:
        raise CommandError("these words are in two segments (two sentences of Whisper's): "
                           "they are not merged")
    merged = replace(a, text=a.text.rstrip() + b.text, end=b.end, tokens=a.tokens + b.tokens,
                     probability=min(a.probability, b.probability),
                     unaligned=a.unaligned or b.unaligned)
    words = [*analysis.words[:word], merged, *analysis.words[word + 2:]]
    segments = [replace(s, words=_reindexed(s.words, word, -1, split=False))
                for s in analysis.segments]
    edits = {_shift(i, word + 1, -1): times for i, times in annotation.edits.items()
             if i not in (word, word + 1)}
    if word in annotation.edits or word + 1 in annotation.edits:
        edits[word] = (shown.words[word].start, shown.words[word + 1].end)
    pins = {(word if i == word + 1 else _shift(i, word + 1, -1), side)
            for i, side in annotation.pins if (i, side) not in ((word, END), (word + 1, START))}
    return annotation.with_changes(analysis=replace(analysis, words=words, segments=segments),
                                   edits=edits, pins=frozenset(pins))


def _shift(i: int, after: int, delta: int) -> int:
    return i + delta if i > after else i


def _reindexed(indices: tuple[int, ...], word: int, delta: int, split: bool
               ) -> tuple[int, ...]:
    """A segment's word indices after word `word` was split (delta +1) or merged with the
    next (delta -1)."""
    out = []
    for i in indices:
        if split and i == word:
            out += [word, word + 1]
        elif not split and i == word + 1:
            continue
        else:
            out.append(_shift(i, word if split else word + 1, delta))
    return tuple(out)

"""The user's commands on an annotation: pure functions from one `Annotation` to the next.

The document records each result as one undo step (`AnnotationDocument.apply`); nothing here
changes its input. A boundary the user places or drags is pinned: re-alignment keeps it
(`session.anchors`). Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping

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

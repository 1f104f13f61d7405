"""What the user works on, as one immutable value: one undo state of the document.

An `Annotation` is the analysis as the engine aligned it, the word and token times moved by
hand on top of it (`session.edits`), the boundaries the user pinned (placed or confirmed:
re-alignment keeps them, see `session.anchors`) and the tiers of the user's own (Praat-style
interval tiers: notes, phrases). It is never changed in place: every command makes a new one
(`session.commands`), so undo is keeping the one before. Qt-free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from whisperscope.session.edits import END, START, TokenTimes, WordTimes, apply_edits
from whisperscope.session.model import Analysis

Pin = tuple[int, str]  # (word index, START | END)


@dataclass(frozen=True)
class UserTier:
    """An interval tier of the user's own, as in Praat: `boundaries` cut the recording
    (0 .. its duration) into len(boundaries) + 1 intervals, `texts[i]` labels interval i."""

    name: str
    boundaries: tuple[float, ...] = ()
    texts: tuple[str, ...] = ("",)

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.boundaries) + 1:
            raise ValueError("a tier has one more interval than boundaries")
        if list(self.boundaries) != sorted(set(self.boundaries)):
            raise ValueError("a tier's boundaries must be distinct and in order")
        if any(not math.isfinite(b) or b <= 0 for b in self.boundaries):
            raise ValueError("a tier's boundaries must be finite times after 0")

    def intervals(self, duration: float) -> list[tuple[float, float, str]]:
        """(start, end, text) of every interval, the last one ending at `duration`."""
        edges = [0.0, *self.boundaries, max(duration, self.boundaries[-1] if self.boundaries
                                            else 0.0)]
        return [(edges[i], edges[i + 1], self.texts[i]) for i in range(len(self.texts))]

    def interval_at(self, t: float) -> int:
        """The index of the interval holding time `t`."""
        import bisect

        return bisect.bisect_right(self.boundaries, t)


@dataclass(frozen=True, eq=False)
class Annotation:
    analysis: Analysis | None = None  # as the engine aligned it
    edits: WordTimes = field(default_factory=dict)  # word -> (start, end) moved by hand
    token_edits: TokenTimes = field(default_factory=dict)  # in their word's aligned frame
    pins: frozenset[Pin] = frozenset()  # boundaries re-alignment keeps
    tiers: tuple[UserTier, ...] = ()

    @cached_property
    def shown(self) -> Analysis | None:
        """What every view and export reads: the analysis with the edits applied."""
        if self.analysis is None:
            return None
        return apply_edits(self.analysis, self.edits, self.token_edits)

    @property
    def edited_words(self) -> frozenset[int]:
        """Words moved or pinned by hand: marked in every view."""
        return frozenset(self.edits) | frozenset(i for i, _ in self.pins)

    @property
    def edited_tokens(self) -> frozenset[int]:
        """Tokens moved by hand, or inside a word moved by hand (their times changed)."""
        if self.analysis is None:
            return frozenset()
        moved = {k for i in self.edits for k in self.analysis.words[i].tokens}
        return frozenset(self.token_edits) | frozenset(moved)

    def pinned_times(self) -> dict[Pin, float]:
        """Each pinned boundary's time as shown."""
        shown = self.shown
        if shown is None:
            return {}
        return {(i, side): (shown.words[i].start if side == START else shown.words[i].end)
                for i, side in self.pins if 0 <= i < len(shown.words)}

    def with_changes(self, **changes) -> Annotation:
        return replace(self, **changes)


def changed_parts(before: Annotation, after: Annotation) -> set[str]:
    """Which parts differ: "analysis" (another aligned analysis), "times" (edits),
    "pins", "tiers"."""
    parts = set()
    if before.analysis is not after.analysis:
        parts.add("analysis")
    if before.edits != after.edits or before.token_edits != after.token_edits:
        parts.add("times")
    if before.pins != after.pins:
        parts.add("pins")
    if before.tiers != after.tiers:
        parts.add("tiers")
    return parts


def pins_to_json(pins: Iterable[Pin]) -> list[list]:
    return [[int(i), side] for i, side in sorted(pins)]


def pins_from_json(data, n_words: int) -> frozenset[Pin]:
    """The pins saved by `pins_to_json`; ValueError for anything else."""
    if not isinstance(data, list):
        raise ValueError("pins must be a list of [word, side]")
    pins = set()
    for item in data:
        if not (isinstance(item, list) and len(item) == 2 and item[1] in (START, END)
                and isinstance(item[0], int) and not isinstance(item[0], bool)
                and 0 <= item[0] < n_words):
            raise ValueError(f"a pin is [word index, 'start' or 'end'], not {item!r}")
        pins.add((item[0], item[1]))
    return frozenset(pins)


def tiers_to_json(tiers: Iterable[UserTier]) -> list[dict]:
    return [{"name": t.name, "boundaries": list(t.boundaries), "texts": list(t.texts)}
            for t in tiers]


def tiers_from_json(data) -> tuple[UserTier, ...]:
    if not isinstance(data, list):
        raise ValueError("tiers must be a list")
    tiers = []
    for item in data:
        if not isinstance(item, Mapping):
            raise ValueError(f"a tier is an object, not {item!r}")
        name, boundaries, texts = item.get("name"), item.get("boundaries"), item.get("texts")
        if not (isinstance(name, str) and isinstance(boundaries, list)
                and isinstance(texts, list) and all(isinstance(s, str) for s in texts)
                and all(isinstance(b, int | float) and not isinstance(b, bool)
                        for b in boundaries)):
            raise ValueError(f"tier {name!r} is not a name, boundaries and texts")
        tiers.append(UserTier(name, tuple(float(b) for b in boundaries), tuple(texts)))
    return tuple(tiers)

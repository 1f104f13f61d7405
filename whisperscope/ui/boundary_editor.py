"""The word and token boundaries a user moves, with undo and redo (a QUndoStack).

Holds the aligned Analysis as it finished and the edit sets on top of it (word times, and
token times in their word's aligned frame: see `session.edits`); `analysis` is the edited
one that views, exports and the comparison read. A drag previews every move and becomes one
undo step when it is let go. The edit logic itself is `session.edits` (Qt-free).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from whisperscope.session.edits import (
    TokenTimes,
    WordTimes,
    apply_edits,
    carry_token_edits,
    move_boundary,
    move_token_boundary,
    word_spans,
)
from whisperscope.ui.timefmt import format_time

Edits = tuple[WordTimes, TokenTimes]  # one undo state
WORD, TOKEN = "word", "token"


class _MoveBoundary(QUndoCommand):
    def __init__(self, editor: BoundaryEditor, before: Edits, after: Edits,
                 text: str) -> None:
        super().__init__(text)
        self.editor, self.before, self.after = editor, before, after

    def redo(self) -> None:
        self.editor._set_edits(*self.after)

    def undo(self) -> None:
        self.editor._set_edits(*self.before)


class BoundaryEditor(QObject):
    changed = Signal(object)  # the edited Analysis (or None when nothing is open)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self.base = None  # the Analysis as aligned
        self.edits: WordTimes = {}
        self.token_edits: TokenTimes = {}
        self.analysis = None  # base with the edits applied
        self._drag_from: Edits | None = None

    def set_analysis(self, analysis, edits: WordTimes | None = None,
                     token_edits: TokenTimes | None = None) -> None:
        """A finished analysis (and the edits saved with it); the undo history restarts."""
        self.stack.clear()
        self.base = analysis
        self._drag_from = None
        self._set_edits(dict(edits or {}), dict(token_edits or {}))

    def replace_base(self, analysis, edits: WordTimes,
                     token_edits: TokenTimes | None = None) -> None:
        """Another aligned analysis under the same undo history (a word's text edited and
        its window re-aligned: that is an undo step of its own). Token edits not given
        follow their tokens where these are still there (`carry_token_edits`)."""
        if token_edits is None:
            token_edits = {} if self.base is None or analysis is None else \
                carry_token_edits(self.base, analysis, self.token_edits)
        self.base = analysis
        self._drag_from = None
        self._set_edits(dict(edits), dict(token_edits))

    def clear(self) -> None:
        self.set_analysis(None)

    @property
    def edited_words(self) -> frozenset[int]:
        return frozenset(self.edits)

    @property
    def edited_tokens(self) -> frozenset[int]:
        """Tokens moved by hand, or inside a word moved by hand (their times changed)."""
        if self.base is None:
            return frozenset()
        moved = {k for i in self.edits for k in self.base.words[i].tokens}
        return frozenset(self.token_edits) | frozenset(moved)

    # --- dragging ------------------------------------------------------------------------
    def preview(self, index: int, side: str, t: float, kind: str = WORD) -> None:
        """Where a boundary being dragged is now (not yet an undo step); `index` is a word's
        or, with `kind` TOKEN, a token's."""
        if self.base is None:
            return
        if self._drag_from is None:
            self._drag_from = self.state
        self._set_edits(*self._moved(self._drag_from, kind, index, side, t))

    def finish(self, index: int, side: str, t: float, kind: str = WORD) -> None:
        """The boundary was let go at `t`: one undo step from where the drag began."""
        if self.base is None:
            return
        before = self._drag_from if self._drag_from is not None else self.state
        self._drag_from = None
        after = self._moved(before, kind, index, side, t)
        if after == before:
            self._set_edits(*before)
            return
        items = self.base.tokens if kind == TOKEN else self.base.words
        name = items[index].text.strip()
        self.stack.push(_MoveBoundary(self, before, after,
                                      f"move the {side} of {kind} “{name}” to "
                                      f"{format_time(t, 3)}"))

    def retime(self, times: WordTimes, text: str) -> None:
        """New times for many words at once (e.g. timed with other heads): one undo step."""
        if self.base is None or not times:
            return
        before = self.state
        after = ({**self.edits, **times}, dict(self.token_edits))
        if after != before:
            self.stack.push(_MoveBoundary(self, before, after, text))

    @property
    def state(self) -> Edits:
        return dict(self.edits), dict(self.token_edits)

    def _moved(self, state: Edits, kind: str, index: int, side: str, t: float) -> Edits:
        edits, token_edits = state
        if kind == TOKEN:
            words, tokens = move_token_boundary(self.base, edits, token_edits, index, side, t)
            return {**edits, **words}, {**token_edits, **tokens}
        spans = word_spans(self.base.words, edits)
        changed = move_boundary(spans, index, side, t, self.base.audio.duration or None)
        return {**edits, **changed}, dict(token_edits)

    def _set_edits(self, edits: WordTimes, token_edits: TokenTimes | None = None) -> None:
        self.edits = edits
        if token_edits is not None:
            self.token_edits = token_edits
        self.analysis = None if self.base is None else \
            apply_edits(self.base, edits, self.token_edits)
        self.changed.emit(self.analysis)

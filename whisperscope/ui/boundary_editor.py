"""The word boundaries a user moves, with undo and redo (a QUndoStack).

Holds the aligned Analysis as it finished and the edit set on top of it; `analysis` is the
edited one that views, exports and the comparison read. A drag previews every move and
becomes one undo step when it is let go. The edit logic itself is `session.edits` (Qt-free).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from whisperscope.session.edits import WordTimes, apply_edits, move_boundary, word_spans
from whisperscope.ui.timefmt import format_time


class _MoveBoundary(QUndoCommand):
    def __init__(self, editor: BoundaryEditor, before: WordTimes, after: WordTimes,
                 text: str) -> None:
        super().__init__(text)
        self.editor, self.before, self.after = editor, before, after

    def redo(self) -> None:
        self.editor._set_edits(self.after)

    def undo(self) -> None:
        self.editor._set_edits(self.before)


class BoundaryEditor(QObject):
    changed = Signal(object)  # the edited Analysis (or None when nothing is open)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self.base = None  # the Analysis as aligned
        self.edits: WordTimes = {}
        self.analysis = None  # base with the edits applied
        self._drag_from: WordTimes | None = None

    def set_analysis(self, analysis, edits: WordTimes | None = None) -> None:
        """A finished analysis (and the edits saved with it); the undo history restarts."""
        self.stack.clear()
        self.base = analysis
        self._drag_from = None
        self._set_edits(dict(edits or {}))

    def replace_base(self, analysis, edits: WordTimes) -> None:
        """Another aligned analysis under the same undo history (a word's text edited and
        its window re-aligned: that is an undo step of its own)."""
        self.base = analysis
        self._drag_from = None
        self._set_edits(dict(edits))

    def clear(self) -> None:
        self.set_analysis(None)

    @property
    def edited_words(self) -> frozenset[int]:
        return frozenset(self.edits)

    # --- dragging ------------------------------------------------------------------------
    def preview(self, index: int, side: str, t: float) -> None:
        """Where a boundary being dragged is now (not yet an undo step)."""
        if self.base is None:
            return
        if self._drag_from is None:
            self._drag_from = dict(self.edits)
        self._set_edits(self._moved(self._drag_from, index, side, t))

    def finish(self, index: int, side: str, t: float) -> None:
        """The boundary was let go at `t`: one undo step from where the drag began."""
        if self.base is None:
            return
        before = self._drag_from if self._drag_from is not None else dict(self.edits)
        self._drag_from = None
        after = self._moved(before, index, side, t)
        if after == before:
            self._set_edits(before)
            return
        word = self.base.words[index].text.strip()
        self.stack.push(_MoveBoundary(self, before, after,
                                      f"move the {side} of “{word}” to {format_time(t, 3)}"))

    def retime(self, times: WordTimes, text: str) -> None:
        """New times for many words at once (e.g. timed with other heads): one undo step."""
        if self.base is None or not times:
            return
        before = dict(self.edits)
        after = {**before, **times}
        if after != before:
            self.stack.push(_MoveBoundary(self, before, after, text))

    def _moved(self, edits: WordTimes, index: int, side: str, t: float) -> WordTimes:
        spans = word_spans(self.base.words, edits)
        changed = move_boundary(spans, index, side, t, self.base.audio.duration or None)
        return {**edits, **changed}

    def _set_edits(self, edits: WordTimes) -> None:
        self.edits = edits
        self.analysis = None if self.base is None else apply_edits(self.base, edits)
        self.changed.emit(self.analysis)

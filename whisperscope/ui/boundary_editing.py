"""Dragging word and token boundaries: each drag becomes a command on the document (a
preview while the mouse moves, one undo step when it is let go). A boundary that stops
short of where it was dragged says why (a gap before the next word, a word's least
length). Edits wait while an analysis runs: its words are not final yet."""

from __future__ import annotations

from PySide6.QtCore import QObject

from whisperscope.session import commands
from whisperscope.session.document import AnnotationDocument
from whisperscope.session.edits import END, MIN_DURATION, START
from whisperscope.ui.notifier import Notifier
from whisperscope.ui.plots_panel import PlotsPanel
from whisperscope.ui.timefmt import format_time

TOKEN, WORD = commands.TOKEN, commands.WORD
STOPPED = 0.005  # seconds short of the pointer: the boundary was stopped


def stop_reason(before, after, index: int, side: str, t: float) -> str:
    """Why the `side` of word `index` stopped short of `t` (shown analyses before and
    after the move), or "" when it did not."""
    words = after.words
    placed = words[index].end if side == END else words[index].start
    if abs(placed - t) <= STOPPED:
        return ""
    name = before.words[index].text.strip()
    if side == END and t > placed and index + 1 < len(words):
        neighbour = before.words[index + 1]
        gap = neighbour.start - before.words[index].end
        if abs(placed - neighbour.start) <= STOPPED and gap > 0:
            return (f"The end of “{name}” stops at the start of “{neighbour.text.strip()}”: "
                    f"there is a {gap * 1000:.0f} ms gap between them, and a boundary does "
                    "not pass the next word. Drag that word's start to join them.")
    if side == START and t < placed and index > 0:
        neighbour = before.words[index - 1]
        gap = before.words[index].start - neighbour.end
        if abs(placed - neighbour.end) <= STOPPED and gap > 0:
            return (f"The start of “{name}” stops at the end of “{neighbour.text.strip()}”: "
                    f"there is a {gap * 1000:.0f} ms gap between them, and a boundary does "
                    "not pass the word before. Drag that word's end to join them.")
    return (f"“{name}” keeps at least {MIN_DURATION * 1000:.0f} ms, and its neighbour too: "
            f"the boundary stops at {format_time(placed, 3)}")


class BoundaryEditing(QObject):
    def __init__(self, document: AnnotationDocument, plots: PlotsPanel, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.notifier = notifier
        for lines in plots.boundaries:
            lines.dragged.connect(self.drag)
            lines.drag_finished.connect(self.drop)
        tokens = plots.tiers.token_boundaries
        tokens.dragged.connect(lambda i, side, t: self.drag(i, side, t, TOKEN))
        tokens.drag_finished.connect(lambda i, side, t: self.drop(i, side, t, TOKEN))

    def drag(self, index: int, side: str, t: float, kind: str = WORD) -> None:
        document = self.document
        if document.running or document.analysis is None:
            return
        after = commands.move_boundary(document.drag_origin, kind, index, side, t)
        document.preview(after)
        if kind == WORD:
            reason = stop_reason(document.drag_origin.shown, after.shown, index, side, t)
            if reason:
                self.notifier.status(reason)

    def drop(self, index: int, side: str, t: float, kind: str = WORD) -> None:
        document = self.document
        if document.running or document.analysis is None:
            document.cancel_preview()
            return
        items = document.analysis.tokens if kind == TOKEN else document.analysis.words
        name = items[index].text.strip()
        origin = document.drag_origin
        after = commands.move_boundary(origin, kind, index, side, t)
        if kind == WORD and side in (START, END):
            reason = stop_reason(origin.shown, after.shown, index, side, t)
            if reason:
                self.notifier.status(reason)
        document.apply(after, f"move the {side} of {kind} “{name}” to {format_time(t, 3)}")

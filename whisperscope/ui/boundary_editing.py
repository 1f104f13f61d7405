"""Dragging word and token boundaries: each drag becomes a command on the document (a
preview while the mouse moves, one undo step when it is let go). Edits wait while an
analysis runs: its words are not final yet."""

from __future__ import annotations

from PySide6.QtCore import QObject

from whisperscope.session import commands
from whisperscope.session.document import AnnotationDocument
from whisperscope.ui.plots_panel import PlotsPanel
from whisperscope.ui.timefmt import format_time

TOKEN, WORD = commands.TOKEN, commands.WORD


class BoundaryEditing(QObject):
    def __init__(self, document: AnnotationDocument, plots: PlotsPanel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
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
        document.preview(commands.move_boundary(document.drag_origin, kind, index, side, t))

    def drop(self, index: int, side: str, t: float, kind: str = WORD) -> None:
        document = self.document
        if document.running or document.analysis is None:
            document.cancel_preview()
            return
        items = document.analysis.tokens if kind == TOKEN else document.analysis.words
        name = items[index].text.strip()
        document.apply(commands.move_boundary(document.drag_origin, kind, index, side, t),
                       f"move the {side} of {kind} “{name}” to {format_time(t, 3)}")

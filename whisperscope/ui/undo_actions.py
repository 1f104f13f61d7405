"""Edit › Undo and Redo, following the document's history (their text names the step)."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from whisperscope.session.document import AnnotationDocument


class UndoActions(QObject):
    def __init__(self, document: AnnotationDocument, host: QWidget, menu: QMenu) -> None:
        super().__init__(host)
        self.document = document
        self.undo = QAction("&Undo", host)
        self.undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.redo = QAction("&Redo", host)
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.undo, self.redo):
            host.addAction(action)
        first = menu.actions()[0] if menu.actions() else None
        menu.insertActions(first, [self.undo, self.redo])
        self.undo.triggered.connect(document.undo)
        self.redo.triggered.connect(document.redo)
        document.events.history_changed.connect(self.update)
        document.events.running_changed.connect(lambda _r: self.update())
        self.update()

    def update(self) -> None:
        document = self.document
        self.undo.setEnabled(document.can_undo and not document.running)
        self.redo.setEnabled(document.can_redo and not document.running)
        self.undo.setText(f"&Undo {document.undo_text}" if document.can_undo else "&Undo")
        self.redo.setText(f"&Redo {document.redo_text}" if document.can_redo else "&Redo")

"""Where the window tells the user something: a line in the status bar, or a message box
(one at a time, never blocking). Every part that reports takes this, not the window."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

STATUS_MS = 8000


class Notifier(QObject):
    def __init__(self, status_bar: QStatusBar, parent: QWidget) -> None:
        super().__init__(parent)
        self.status_bar = status_bar
        self.parent_widget = parent
        self.error_box: QMessageBox | None = None

    def status(self, text: str, ms: int = STATUS_MS) -> None:
        self.status_bar.showMessage(text, ms)

    def error(self, title: str, message: str) -> None:
        """A non-blocking warning box; a newer one replaces an open one."""
        if self.error_box is not None:
            self.error_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                          QMessageBox.StandardButton.Ok, self.parent_widget)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: setattr(self, "error_box", None))
        self.error_box = box
        box.open()

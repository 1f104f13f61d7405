"""The heads dock: the layer x head grid, what it shows, and what to do with picked heads."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from whisperscope.ui.head_grid import HeadGrid


class HeadsPanel(QWidget):
    retime_requested = Signal()
    copy_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = HeadGrid()
        self.grid.setMinimumHeight(120)
        self.info = QLabel("Every decoder head over the visible span (within one window), "
                           "scored 0-1 for how alignment-like it is (peaked, moving forward). "
                           "Solid outline: the model's alignment heads. Click: show in the "
                           "heatmap; Shift+click: pick.")
        self.info.setWordWrap(True)
        self.info.setObjectName("section_title")
        self.status = QLabel("")
        self.status.setObjectName("section_title")
        self.retime = QPushButton("Time with picked heads")
        self.retime.setToolTip("Re-time every word with the picked heads (whisper's DTW recipe "
                               "on their attention); Ctrl+Z undoes it")
        self.copy = QPushButton("Copy alignment_heads")
        self.copy.setToolTip("The picked heads as a JSON alignment_heads list "
                             "([[layer, head], ...]), to the clipboard")
        for button in (self.retime, self.copy):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retime)
        buttons.addWidget(self.copy)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.info)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.retime.clicked.connect(self.retime_requested)
        self.copy.clicked.connect(self.copy_requested)
        self.grid.picks_changed.connect(self._on_picks)

    def _on_picks(self, picks) -> None:
        for button in (self.retime, self.copy):
            button.setEnabled(bool(picks))

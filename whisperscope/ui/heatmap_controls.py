"""The strip above the heatmap: which heads to show, and raw vs normalised weights."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from whisperscope.session.model import ModelInfo
from whisperscope.ui.attention_rows import MEAN, PASS, HeadChoice

PASS_HINT = "Alignment pass: rows still decoding show the heads' mean"
PASS_TOOLTIP = ("The matrix each finished window's word times came from: a teacher-forced "
                "pass over its words spelled as characters, with the head chosen for that "
                "window (hover a row to see which), z-scored and filtered as its DTW saw it, "
                "each token's row the mean of its characters'. Windows without a pass, and "
                "rows still decoding, show the alignment heads' mean.")


class HeatmapControls(QWidget):
    choice_changed = Signal(object)  # HeadChoice
    normalised_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Cross-attention")
        title.setObjectName("section_title")
        self.heads = QComboBox()
        self.heads.setMinimumContentsLength(22)
        self.heads.setToolTip("The alignment heads' average, one alignment head, any decoder "
                              "layer and head (computed for finished windows), or the "
                              "alignment pass the word times came from")
        self.normalise = QCheckBox("Normalise rows")
        self.normalise.setToolTip("Scale each token's row to its own peak; off shows the raw "
                                  "softmax weights on a fixed scale")
        self.normalise.setChecked(True)
        for widget in (self.heads, self.normalise):  # keys stay with the window's shortcuts
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hint = QLabel("")
        self.hint.setObjectName("section_title")
        self.labels_note = QLabel("")
        self.labels_note.setObjectName("section_title")
        self.labels_note.setToolTip("Not every token row has room for its label at this zoom")
        for note in (self.hint, self.labels_note):  # cut short rather than widen the window
            note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            note.setMinimumWidth(0)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(title)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Heads"))
        layout.addWidget(self.heads)
        layout.addSpacing(8)
        layout.addWidget(self.normalise)
        layout.addStretch(1)
        layout.addWidget(self.labels_note)
        layout.addWidget(self.hint)
        self.set_model_info(None)
        self.heads.currentIndexChanged.connect(self._on_index_changed)
        self.normalise.toggled.connect(self.normalised_changed)

    @property
    def choice(self) -> HeadChoice:
        data = self.heads.currentData()
        return data if isinstance(data, HeadChoice) else MEAN

    def set_model_info(self, info: ModelInfo | None) -> None:
        """Offer the mean, the alignment pass, and the model's alignment heads and all its
        decoder layers/heads."""
        previous = self.choice
        self.heads.blockSignals(True)
        self.heads.clear()
        self.heads.addItem(MEAN.label, MEAN)
        # the pass's rows come with each finished window (a saved session too): no model
        self.heads.addItem(PASS.label, PASS)
        self.heads.setItemData(1, PASS_TOOLTIP, Qt.ItemDataRole.ToolTipRole)
        if info is not None:
            for i, (layer, head) in enumerate(info.alignment_heads):
                choice = HeadChoice("alignment", index=i, layer=layer, head=head)
                self.heads.addItem(choice.label, choice)
            if info.n_text_layer and info.n_text_head:
                self.heads.insertSeparator(self.heads.count())
                for layer in range(info.n_text_layer):
                    for head in range(info.n_text_head):
                        choice = HeadChoice("layer", layer=layer, head=head)
                        self.heads.addItem(choice.label, choice)
        matches = [i for i in range(self.heads.count()) if self.heads.itemData(i) == previous]
        self.heads.setCurrentIndex(matches[0] if matches else 0)
        self.heads.blockSignals(False)
        if self.choice != previous:
            self.choice_changed.emit(self.choice)

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)

    def _on_index_changed(self, _index: int) -> None:
        if self.choice == PASS:
            self.set_hint(PASS_HINT)
        elif self.hint.text() == PASS_HINT:
            self.set_hint("")
        self.choice_changed.emit(self.choice)

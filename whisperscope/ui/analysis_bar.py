"""The strip at the top: model and device, Analyse / Cancel, and the progress of a run."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from whisperscope.engine.events import Progress
from whisperscope.settings import DEVICES
from whisperscope.ui.timefmt import format_duration

BROWSE = "Browse for a model file…"
DEVICE_LABELS = {"auto": "Auto", "cpu": "CPU", "cuda": "CUDA (NVIDIA)", "mps": "MPS (Apple)"}


class ElidedProgressBar(QProgressBar):
    """A progress bar whose text is cut at its end with "…" when the bar is too narrow
    for it (a centred text too wide lost both its ends: "ens · 11 words · 2.6 s · 2.5× re"
    at 1024 px), the whole text in its tooltip."""

    def __init__(self) -> None:
        super().__init__()
        self._text = ""

    def set_text(self, text: str) -> None:
        self._text = text
        self.setToolTip(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight,
                                             max(0, self.width() - 12))
        self.setFormat(text)  # ours never holds %p, %v or %m


class AnalysisBar(QWidget):
    analyse_requested = Signal()
    cancel_requested = Signal()
    browse_model_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model.setMinimumContentsLength(10)
        self.model.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Space stays play/pause
        self.model.setToolTip("Whisper model: a name, a Hugging Face hub id in the local cache, "
                              "or a path (.pt, CTranslate2 or Hugging Face folder)")
        self.device = QComboBox()
        for name in DEVICES:
            self.device.addItem(DEVICE_LABELS[name], name)
        self.device.setToolTip("Where the model runs; devices this machine lacks are greyed")
        self.device.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.analyse = QPushButton("Analyse")
        self.analyse.setToolTip("Analyse the open recording again with this model and device")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the analysis (Esc)")
        self.progress = ElidedProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMinimumWidth(120)  # shrinks first: the controls stay reachable
        self.progress.setTextVisible(True)
        self.stage = QLabel("")
        self.stage.setObjectName("section_title")
        self.stage.setMinimumWidth(24)  # below its text's width: clipped, never pushed out

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("Model"))
        layout.addWidget(self.model)
        layout.addSpacing(6)
        layout.addWidget(QLabel("Device"))
        layout.addWidget(self.device)
        layout.addSpacing(6)
        layout.addWidget(self.analyse)
        layout.addWidget(self.cancel)
        layout.addSpacing(10)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.stage)

        for button in (self.analyse, self.cancel):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.set_busy(False)
        self.set_idle_text("No recording")
        self.analyse.clicked.connect(self.analyse_requested)
        self.cancel.clicked.connect(self.cancel_requested)
        self.model.activated.connect(self._on_model_activated)

    # --- model and device --------------------------------------------------------------
    @property
    def model_name(self) -> str:
        return self.model.currentText().strip()

    @property
    def device_name(self) -> str:
        return str(self.device.currentData())

    def set_models(self, names: list[str], current: str,
                   details: dict[str, str] | None = None) -> None:
        """`details`: a tooltip per name (size, languages, alignment heads)."""
        self.model.blockSignals(True)
        self.model.clear()
        for name in names:
            self.model.addItem(name)
            if details and name in details:
                self.model.setItemData(self.model.count() - 1, details[name],
                                       Qt.ItemDataRole.ToolTipRole)
        if current and current not in names:
            self.model.addItem(current)
        self.model.addItem(BROWSE)
        self.model.setCurrentText(current or (names[0] if names else ""))
        self.model.blockSignals(False)

    def set_model(self, name: str) -> None:
        if self.model.findText(name) < 0:
            self.model.insertItem(max(0, self.model.count() - 1), name)
        self.model.setCurrentText(name)

    def set_device(self, name: str) -> None:
        index = self.device.findData(name)
        self.device.setCurrentIndex(max(0, index))

    def set_available_devices(self, available: dict[str, bool]) -> None:
        """Grey out devices this machine lacks (and fall back to auto if one was chosen)."""
        model = self.device.model()
        assert isinstance(model, QStandardItemModel)
        for row in range(self.device.count()):
            name = self.device.itemData(row)
            present = available.get(name, True) or name == "auto"
            item = model.item(row)
            item.setEnabled(present)
            item.setToolTip("" if present else "Not available on this machine")
        if not available.get(self.device_name, True) and self.device_name != "auto":
            self.set_device("auto")

    def _on_model_activated(self, index: int) -> None:
        if self.model.itemText(index) == BROWSE:
            self.model.setCurrentIndex(0)
            self.browse_model_requested.emit()

    # --- progress ----------------------------------------------------------------------
    def set_busy(self, busy: bool, can_analyse: bool = True) -> None:
        self.cancel.setEnabled(busy)
        self.analyse.setEnabled(not busy and can_analyse)

    def set_stage(self, text: str) -> None:
        self.stage.setText(text)

    def set_idle_text(self, text: str) -> None:
        self.progress.setValue(0)
        self.progress.set_text(text)

    def set_progress(self, progress: Progress) -> None:
        self.progress.setValue(int(round(progress.fraction * 1000)))
        self.progress.set_text(
            f"{progress.fraction:.0%} · {format_duration(progress.elapsed)} · "
            f"{progress.realtime_factor:.1f}× real time")

    def set_done(self, text: str) -> None:
        self.progress.setValue(1000)
        self.progress.set_text(text)

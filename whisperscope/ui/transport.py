"""The transport bar at the bottom: play/pause, step, position, speed, time readout."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

from whisperscope.settings import SPEEDS
from whisperscope.ui import icons
from whisperscope.ui.timefmt import format_time

SLIDER_STEPS_PER_SECOND = 100
STEP_SECONDS = 1.0


class _SeekSlider(QSlider):
    """A slider that jumps to where it is clicked (not by page steps)."""

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.maximum() > self.minimum():
            value = QStyle.sliderValueFromPosition(
                self.minimum(), self.maximum(), int(event.position().x()), self.width())
            self.setValue(value)
            self.sliderMoved.emit(value)
        super().mousePressEvent(event)


class TransportBar(QWidget):
    play_toggled = Signal()
    step_requested = Signal(float)  # seconds, signed
    seek_requested = Signal(float)
    speed_changed = Signal(float)
    follow_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.back = self._button(icons.step_back(), "Back 1 s (Left)")
        self.play = self._button(icons.play(), "Play / pause (Space)")
        self.play.setObjectName("play_button")
        self.play.setIconSize(QSize(22, 22))
        self.forward = self._button(icons.step_forward(), "Forward 1 s (Right)")
        self.readout = QLabel()
        self.readout.setObjectName("time_readout")
        self.readout.setMinimumWidth(150)
        self.slider = _SeekSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setToolTip("Playback speed")
        self.speed.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.follow = QCheckBox("Follow")
        self.follow.setToolTip("Scroll the views to keep the playhead in sight while playing")
        self.follow.setChecked(True)
        self.follow.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sound = QLabel()
        self.sound.setObjectName("section_title")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        for w in (self.back, self.play, self.forward):
            layout.addWidget(w)
        layout.addSpacing(8)
        layout.addWidget(self.readout)
        layout.addWidget(self.slider, 1)
        layout.addSpacing(8)
        layout.addWidget(QLabel("Speed"))
        layout.addWidget(self.speed)
        layout.addWidget(self.follow)
        layout.addWidget(self.sound)

        self._duration = 0.0
        self.set_duration(0.0)
        self.set_speed(1.0)
        self.play.clicked.connect(self.play_toggled)
        self.back.clicked.connect(lambda: self.step_requested.emit(-STEP_SECONDS))
        self.forward.clicked.connect(lambda: self.step_requested.emit(STEP_SECONDS))
        self.slider.sliderMoved.connect(
            lambda v: self.seek_requested.emit(v / SLIDER_STEPS_PER_SECOND))
        self.speed.currentIndexChanged.connect(
            lambda _i: self.speed_changed.emit(float(self.speed.currentData())))
        self.follow.toggled.connect(self.follow_changed)

    def _button(self, icon, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setIconSize(QSize(16, 16))
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def set_duration(self, duration: float) -> None:
        self._duration = max(0.0, duration)
        self.slider.setRange(0, int(round(self._duration * SLIDER_STEPS_PER_SECOND)))
        enabled = self._duration > 0
        for w in (self.back, self.play, self.forward, self.slider):
            w.setEnabled(enabled)
        self.set_position(0.0)

    def set_position(self, seconds: float) -> None:
        self.readout.setText(f"{format_time(seconds)} / {format_time(self._duration)}")
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(int(round(seconds * SLIDER_STEPS_PER_SECOND)))
            self.slider.blockSignals(False)

    def set_playing(self, playing: bool) -> None:
        self.play.setIcon(icons.pause() if playing else icons.play())

    def set_speed(self, speed: float) -> None:
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
        self.speed.blockSignals(True)
        self.speed.setCurrentIndex(index)
        self.speed.blockSignals(False)

    def set_sound_available(self, available: bool, reason: str = "") -> None:
        self.sound.setText("" if available else "No sound")
        self.sound.setToolTip(reason)

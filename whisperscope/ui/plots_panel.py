"""The waveform on top, the spectrogram under it, the tiers (words, tokens, reference, the
user's own) under that, the cross-attention heatmap below, all on the shared time axis,
with word boundaries drawn through each.

The plots keep a left axis of the same width and a right column of the same width (a colour
bar, or a spacer), so a second maps to the same pixel column in each; their x ranges are
bound to the one Timeline.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from whisperscope.ui import colour_bar, theme
from whisperscope.ui.attention_rows import AttentionRows
from whisperscope.ui.boundary_lines import BoundaryLines
from whisperscope.ui.colour_bar import ColourBar
from whisperscope.ui.heatmap_controls import HeatmapControls
from whisperscope.ui.heatmap_view import HeatmapPlot
from whisperscope.ui.spectrogram_view import SpectrogramPlot
from whisperscope.ui.tier_view import REFERENCE, TOKENS, WORDS, TierPlot
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.waveform_view import WaveformPlot

HOVER_RATE = 30  # tooltips update at most this often (Hz)
WAVEFORM_PX = 56  # the waveform pane's height


class PlotsPanel(QWidget):
    def __init__(self, timeline: Timeline, rows: AttentionRows,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spectrogram = SpectrogramPlot(timeline)
        self.heatmap = HeatmapPlot(timeline, rows)
        self.controls = HeatmapControls()
        self.waveform = WaveformPlot(timeline)
        self.waveform_widget = pg.GraphicsLayoutWidget()
        self.waveform_widget.ci.setContentsMargins(0, 2, 12, 0)
        self.waveform_widget.addItem(self.waveform, row=0, col=0)
        self.waveform_widget.addItem(colour_bar.spacer(), row=0, col=1)
        self.waveform_widget.setFixedHeight(WAVEFORM_PX)
        self._reference_shown = False
        self._user_tiers: list[str] = []

        self.spectrogram_widget = pg.GraphicsLayoutWidget()
        self.spectrogram_widget.ci.setContentsMargins(0, 6, 12, 0)
        self.spectrogram_widget.addItem(self.spectrogram, row=0, col=0)
        self.spectrogram_bar = ColourBar(theme.spectrogram_colormap(), *self.spectrogram.scale(),
                                         bottom_px=self.spectrogram.getAxis("bottom").height())
        self.spectrogram_widget.addItem(self.spectrogram_bar, row=0, col=1)
        self.tiers = TierPlot(timeline)
        self.tier_widget = pg.GraphicsLayoutWidget()
        self.tier_widget.ci.setContentsMargins(0, 2, 12, 2)
        self.tier_widget.addItem(self.tiers, row=0, col=0)
        self.tier_widget.addItem(colour_bar.spacer(), row=0, col=1)
        self._fit_tier_height()
        self.boundaries = [self.tiers.boundaries]
        for plot in (self.waveform, self.spectrogram, self.heatmap):
            lines = BoundaryLines()
            plot.addItem(lines, ignoreBounds=True)
            self.boundaries.append(lines)
        self.heatmap_widget = pg.GraphicsLayoutWidget()
        self.heatmap_widget.ci.setContentsMargins(0, 6, 12, 0)  # room for the bar's top label
        self.heatmap_widget.addItem(self.heatmap, row=0, col=0)
        self.heatmap_bar = ColourBar(theme.heatmap_colormap(), *self.heatmap.scale(),
                                     bottom_px=self.heatmap.getAxis("bottom").height())
        self.heatmap_widget.addItem(self.heatmap_bar, row=0, col=1)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.setSpacing(0)
        lower_layout.addWidget(self.controls)
        lower_layout.addWidget(self.heatmap_widget, 1)

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.setSpacing(0)
        upper_layout.addWidget(self.waveform_widget)
        upper_layout.addWidget(self.spectrogram_widget, 1)
        upper_layout.addWidget(self.tier_widget)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 1)  # the tiers and the spectrogram keep their room
        splitter.setStretchFactor(1, 1)  # in a small window (1024 x 640)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.controls.choice_changed.connect(self.heatmap.set_choice)
        self.controls.normalised_changed.connect(self.heatmap.set_normalised)
        self.spectrogram.scale_changed.connect(self.spectrogram_bar.set_scale)
        self.heatmap.scale_changed.connect(self.heatmap_bar.set_scale)
        self.heatmap.labels_thinned.connect(self.controls.labels_note.setText)
        self._hover = pg.SignalProxy(self.heatmap_widget.scene().sigMouseMoved,
                                     rateLimit=HOVER_RATE, slot=self._on_hover)

    def set_tier_order(self, names: list[str]) -> None:
        self.tiers.set_order(names)
        self._fit_tier_height()

    def show_reference_tier(self, shown: bool) -> None:
        """The reference's words under ours (shown while one is loaded)."""
        self._reference_shown = shown
        self._apply_tier_order()

    def set_user_tiers(self, names: list[str]) -> None:
        """The tiers of the user's own, under ours, in their order."""
        if names != self._user_tiers:
            self._user_tiers = list(names)
            self._apply_tier_order()

    def _apply_tier_order(self) -> None:
        ours = [WORDS, REFERENCE, TOKENS] if self._reference_shown else [WORDS, TOKENS]
        self.set_tier_order(ours + self._user_tiers)

    def _fit_tier_height(self) -> None:
        self.tier_widget.setFixedHeight(self.tiers.preferred_height() + 4)

    def set_boundaries(self, words, edited=frozenset()) -> None:
        """Draw these words' boundaries through every plot; `edited` ones stand out."""
        starts, ends = [w.start for w in words], [w.end for w in words]
        for lines in self.boundaries:
            lines.set_spans(starts, ends, edited)

    def _on_hover(self, args) -> None:
        self.heatmap.show_hover(args[0])

    def stop(self) -> None:
        """Stop timers (the heatmap's redraw, the hover proxy's)."""
        self.heatmap.stop()
        self._hover.disconnect()
        self._hover.timer.stop()

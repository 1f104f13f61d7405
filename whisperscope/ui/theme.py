"""Colours, fonts and the dark palette, in one place so every view agrees."""

from __future__ import annotations

from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = "#17181c"  # plots
WINDOW = "#202127"  # widgets
BASE = "#1a1b20"  # lists, inputs
SURFACE = "#2a2c33"  # buttons
TEXT = "#e6e6e9"
MUTED = "#8b8d96"
ACCENT = "#5aa9ff"  # selection, progress
PLAYHEAD = "#00e5ff"  # cyan: in neither colour map, so no stripe reads as a playhead
CURRENT_ROW = "#3a4a63"
EDITED = "#ff4fd8"  # word boundaries moved by hand
REFERENCE = "#3fae6a"  # the reference tier
UNALIGNED = "#b48cff"  # a given transcript's word the audio does not support
GAP = "#c8a25a"  # time between two words (a drag stops at it)
LOW_CONFIDENCE = "#ff9f43"  # probability < LOW
VERY_LOW_CONFIDENCE = "#ff5c5c"  # probability < VERY_LOW
LOW, VERY_LOW = 0.5, 0.25
AXIS_WIDTH = 92  # left axis of both plots, so their time columns line up exactly


def confidence_color(probability: float) -> str | None:
    if probability < VERY_LOW:
        return VERY_LOW_CONFIDENCE
    if probability < LOW:
        return LOW_CONFIDENCE
    return None


@cache
def spectrogram_colormap() -> pg.ColorMap:
    return pg.colormap.get("magma")


@cache
def spectrogram_lut() -> np.ndarray:
    return spectrogram_colormap().getLookupTable(0.0, 1.0, 256)


@cache
def heatmap_colormap() -> pg.ColorMap:
    """viridis rising out of the plot background: near-zero weight reads as empty, not
    as purple, so the alignment path stands out (as on the app icon)."""
    viridis = pg.colormap.get("viridis")
    stops = [0.0, 0.06, 0.25, 0.5, 0.75, 1.0]
    colors = [QColor(BACKGROUND)] + [viridis.map(x, mode="qcolor") for x in (0.0, 0.3, 0.55,
                                                                            0.8, 1.0)]
    return pg.ColorMap(stops, colors)


@cache
def heatmap_lut() -> np.ndarray:
    return heatmap_colormap().getLookupTable(0.0, 1.0, 256)


def playhead_pen():
    return pg.mkPen(PLAYHEAD, width=2)


def configure_pyqtgraph() -> None:
    pg.setConfigOptions(background=BACKGROUND, foreground=MUTED, antialias=False,
                        imageAxisOrder="row-major")


def apply_palette(app: QApplication) -> None:
    """Fusion with a dark palette: the spectrogram and heatmap read best on dark."""
    app.setStyle("Fusion")
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW, QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE, QPalette.ColorRole.AlternateBase: "#22232a",
        QPalette.ColorRole.ToolTipBase: "#2f3139", QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.Text: TEXT, QPalette.ColorRole.Button: SURFACE,
        QPalette.ColorRole.ButtonText: TEXT, QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: ACCENT, QPalette.ColorRole.HighlightedText: "#0b0c10",
        QPalette.ColorRole.Link: ACCENT, QPalette.ColorRole.PlaceholderText: MUTED,
        QPalette.ColorRole.Mid: "#3a3c44", QPalette.ColorRole.Dark: "#111216",
        QPalette.ColorRole.Light: "#3a3c44", QPalette.ColorRole.Midlight: "#30323a",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, color in roles.items():
        p.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#5d5f67"))
    app.setPalette(p)
    app.setStyleSheet(STYLE_SHEET)


STYLE_SHEET = f"""
QToolBar {{ border: none; spacing: 6px; padding: 4px 6px; }}
QStatusBar {{ color: {MUTED}; }}
QStatusBar::item {{ border: none; }}
QProgressBar {{ border: 1px solid #3a3c44; border-radius: 4px; background: {BASE};
               text-align: center; color: {TEXT}; min-height: 16px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
QTableView {{ gridline-color: transparent; selection-background-color: #2f4f7a;
             selection-color: {TEXT}; }}
QHeaderView::section {{ background: {WINDOW}; color: {MUTED}; border: none;
                       border-bottom: 1px solid #3a3c44; padding: 4px 6px; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ background: transparent; color: {MUTED}; padding: 6px 14px;
               border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; }}
QSplitter::handle {{ background: #2a2c33; }}
QLabel#time_readout {{ font-family: monospace; font-size: 13px; color: {TEXT}; }}
QLabel#section_title {{ color: {MUTED}; font-weight: 600; }}
QToolButton#play_button {{ min-width: 34px; min-height: 28px; }}
"""

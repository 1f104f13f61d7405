"""A colour scale beside a plot: the colour map, its value range and what the values are.

Display only (the images keep their own fixed levels); every bar is exactly `WIDTH` pixels
wide, so plots stacked with one keep their time columns aligned with each other.
"""

from __future__ import annotations

import pyqtgraph as pg

BAR_PX, LABEL_PX, TICKS_PX = 12, 20, 40
WIDTH = BAR_PX + LABEL_PX + TICKS_PX


class ColourBar(pg.ColorBarItem):
    def __init__(self, colormap: pg.ColorMap, values: tuple[float, float], label: str,
                 bottom_px: float = 0.0) -> None:
        """`bottom_px`: the height of the plot's time axis, so the bar spans its image."""
        super().__init__(values=values, width=BAR_PX, colorMap=colormap, interactive=False,
                         colorMapMenu=False)
        self.getAxis("left").setWidth(LABEL_PX)
        self.axis.setWidth(TICKS_PX)
        self.getAxis("top").setHeight(0)
        self.getAxis("bottom").setHeight(bottom_px)
        self.setMinimumWidth(WIDTH)
        self.setMaximumWidth(WIDTH)
        self.label = ""
        self.set_scale(values, label)

    def set_scale(self, values: tuple[float, float], label: str) -> None:
        """Show `values` (low, high) as the colour map's ends, described by `label`."""
        self.setLevels(values)
        if label != self.label:
            self.label = label
            self.getAxis("left").setLabel(label)


def spacer() -> pg.GraphicsWidget:
    """An empty column as wide as a bar, for a plot stacked with barred plots."""
    widget = pg.GraphicsWidget()
    widget.setMinimumWidth(WIDTH)
    widget.setMaximumWidth(WIDTH)
    return widget

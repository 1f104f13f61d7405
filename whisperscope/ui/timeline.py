"""The one time axis every view shares: duration, visible range and playhead, in seconds.

Views never keep their own idea of "now" or of the visible range: they map seconds through
this object and follow its signals, so the playhead, spectrogram columns, heatmap columns and
token spans can never disagree.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

MIN_SPAN = 0.2  # seconds: the deepest zoom
INITIAL_SPAN = 30.0  # seconds shown before a recording's length is known
FOLLOW_AT = 0.5  # during playback, the view scrolls to keep the playhead at this fraction


class Timeline(QObject):
    duration_changed = Signal(float)
    view_range_changed = Signal(float, float)  # start, end (seconds)
    playhead_moved = Signal(float)
    seek_requested = Signal(float)  # a view asked to move playback here
    selection_changed = Signal(object)  # (start, end) seconds, or None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._duration = 0.0
        self._view = (0.0, INITIAL_SPAN)
        self._playhead = 0.0
        self._selection: tuple[float, float] | None = None

    # --- state -------------------------------------------------------------------------
    @property
    def duration(self) -> float:
        return self._duration

    @property
    def view_range(self) -> tuple[float, float]:
        return self._view

    @property
    def span(self) -> float:
        return self._view[1] - self._view[0]

    @property
    def playhead(self) -> float:
        return self._playhead

    @property
    def selection(self) -> tuple[float, float] | None:
        return self._selection

    def set_selection(self, start: float | None, end: float | None = None) -> None:
        """Select the range between two times (either order); None clears it."""
        if start is None or end is None:
            selection = None
        else:
            a, b = sorted((self.clamp(start), self.clamp(end)))
            selection = (a, b) if b - a >= 0.01 else None
        if selection != self._selection:
            self._selection = selection
            self.selection_changed.emit(selection)

    def set_duration(self, duration: float) -> None:
        """A new recording: show the whole of it and rewind."""
        self._duration = max(0.0, float(duration))
        self.duration_changed.emit(self._duration)
        end = self._duration if self._duration > 0 else INITIAL_SPAN
        self._view = (-1.0, -1.0)  # force the emit below
        self.set_view_range(0.0, end)
        self._playhead = -1.0
        self.set_playhead(0.0)
        self.set_selection(None)

    def set_view_range(self, start: float, end: float) -> None:
        span = max(MIN_SPAN, float(end) - float(start))
        limit = self._duration if self._duration > 0 else max(float(end), INITIAL_SPAN)
        span = min(span, max(limit, MIN_SPAN))
        start = min(max(0.0, float(start)), max(0.0, limit - span))
        view = (start, start + span)
        if abs(view[0] - self._view[0]) < 1e-9 and abs(view[1] - self._view[1]) < 1e-9:
            return
        self._view = view
        self.view_range_changed.emit(*view)

    def set_playhead(self, seconds: float, follow: bool = False) -> None:
        """Move the playhead; with `follow`, scroll the view to keep it in sight."""
        t = self.clamp(seconds)
        if follow:
            self._follow(t)
        if abs(t - self._playhead) < 1e-6:
            return
        self._playhead = t
        self.playhead_moved.emit(t)

    def request_seek(self, seconds: float) -> None:
        self.seek_requested.emit(self.clamp(seconds))

    # --- navigation --------------------------------------------------------------------
    def zoom(self, factor: float, center: float | None = None) -> None:
        """Scale the visible span by `factor` (< 1 zooms in) around `center` (seconds)."""
        start, end = self._view
        c = (start + end) / 2 if center is None else float(center)
        new_span = max(MIN_SPAN, (end - start) * factor)
        frac = (c - start) / (end - start) if end > start else 0.5
        new_start = c - frac * new_span
        self.set_view_range(new_start, new_start + new_span)

    def zoom_on_focus(self, factor: float) -> None:
        """The keys' zoom: scale the span by `factor` and centre the view on the selection,
        else on the playhead (never on where the mouse happens to be)."""
        if self._selection is not None:
            centre = sum(self._selection) / 2
        else:
            centre = self._playhead
        span = max(MIN_SPAN, self.span * factor)
        self.set_view_range(centre - span / 2, centre + span / 2)

    def pan(self, seconds: float) -> None:
        start, end = self._view
        self.set_view_range(start + seconds, end + seconds)

    def show_all(self) -> None:
        if self._duration > 0:
            self.set_view_range(0.0, self._duration)

    def ensure_visible(self, seconds: float) -> None:
        start, end = self._view
        if not start <= seconds <= end:
            span = end - start
            self.set_view_range(seconds - FOLLOW_AT * span, seconds + (1 - FOLLOW_AT) * span)

    # --- mapping -----------------------------------------------------------------------
    def clamp(self, seconds: float) -> float:
        hi = self._duration if self._duration > 0 else float("inf")
        return min(max(0.0, float(seconds)), hi)

    def time_to_x(self, seconds: float, width: float) -> float:
        """Pixel x of `seconds` in a view `width` pixels wide showing the current range."""
        start, end = self._view
        return (seconds - start) / (end - start) * width

    def x_to_time(self, x: float, width: float) -> float:
        start, end = self._view
        return start + x / max(width, 1e-9) * (end - start)

    def _follow(self, t: float) -> None:
        start, end = self._view
        span = end - start
        anchor = start + FOLLOW_AT * span
        if t > anchor or t < start:
            self.set_view_range(t - FOLLOW_AT * span, t + (1 - FOLLOW_AT) * span)

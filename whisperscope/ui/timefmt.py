"""How times and rates read on screen. Pure functions, no Qt."""

from __future__ import annotations

import math
from collections.abc import Callable

# Label steps of a time axis, in seconds, with the plain ticks between two labels: decimal
# steps under a second, then the clock's own (15 s, 30 s, 15 min ...), never 500 s = 8:20.
TIME_STEPS = ((0.01, 5), (0.02, 4), (0.05, 5), (0.1, 5), (0.2, 4), (0.5, 5), (1, 5), (2, 4),
              (5, 5), (10, 5), (15, 3), (30, 3), (60, 4), (120, 4), (300, 5), (600, 5),
              (900, 3), (1800, 3), (3600, 4), (7200, 4), (3 * 3600, 3), (6 * 3600, 6),
              (12 * 3600, 4), (24 * 3600, 4))
LABEL_GAP_PX = 24.0  # at least this much clear space between two labels
MAX_TICKS = 2000  # never more per level (a view of a second on a 1e5 px axis)


def format_time(seconds: float, decimals: int = 2) -> str:
    """`m:ss.ff` (or `h:mm:ss.ff` past an hour); negative values clamp to zero."""
    seconds = max(0.0, float(seconds))
    scale = 10**decimals
    total = int(round(seconds * scale))
    whole, frac = divmod(total, scale)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    tail = f".{frac:0{decimals}d}" if decimals > 0 else ""
    if h:
        return f"{h}:{m:02d}:{s:02d}{tail}"
    return f"{m}:{s:02d}{tail}"


def tick_decimals(spacing: float) -> int:
    """Enough decimals to tell ticks `spacing` seconds apart."""
    if spacing >= 1:
        return 0
    if spacing >= 0.1:
        return 1
    return 2


def time_ticks(start: float, end: float, pixels: float,
               label_px: Callable[[str], float]) -> tuple[list[tuple[float, str]], list[float]]:
    """The ticks of a time axis showing `start..end` seconds over `pixels`: (labelled ticks as
    (seconds, label), plain ticks between them). The label step is the smallest in
    TIME_STEPS whose labels (`label_px` wide each) leave LABEL_GAP_PX between them."""
    span = end - start
    if span <= 0 or pixels <= 0:
        return [], []
    per_second = pixels / span
    latest = max(abs(start), abs(end))  # its label is the longest the view shows
    step, parts = next(
        ((step, parts) for step, parts in TIME_STEPS
         if step * per_second >= label_px(format_time(latest, tick_decimals(step))) +
         LABEL_GAP_PX), TIME_STEPS[-1])
    decimals = tick_decimals(step)
    minor = step / parts
    first = math.ceil(start / minor - 1e-9)
    count = min(MAX_TICKS * parts, max(0, math.floor(end / minor + 1e-9) - first + 1))
    labelled, plain = [], []
    for i in range(first, first + count):
        t = i * minor
        if i % parts == 0:
            labelled.append((t, format_time(t, decimals)))
        elif len(plain) < MAX_TICKS:
            plain.append(t)
    return labelled, plain


def format_duration(seconds: float) -> str:
    """A short human duration: `0.8 s`, `12.4 s`, `3 min 05 s`, `1 h 02 min`."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        m, s = divmod(int(round(seconds)), 60)
        return f"{m} min {s:02d} s"
    h, rest = divmod(int(round(seconds)), 3600)
    return f"{h} h {rest // 60:02d} min"


def token_label(text: str, limit: int = 14) -> str:
    """A token as a row label: visible, stripped, shortened, never empty."""
    label = text.strip() or "␣"
    return label if len(label) <= limit else label[: limit - 1] + "…"

"""How times and rates read on screen. Pure functions, no Qt."""

from __future__ import annotations


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

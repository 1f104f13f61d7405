"""The words for damaged and truncated audio: one warning of ours, whatever the decoder said.

Decoders report damage in their own voice on stderr ("[mp3float @ 0x55...] Header missing",
libmpg123's "Note: Illegal Audio-MPEG-Header ... Trying to resync"). Those lines are caught,
shortened and folded into the warning that says where the damage is, and are never printed
raw.
"""

from __future__ import annotations

import re

MAX_STRETCHES_NAMED = 4
MAX_DETAIL_CHARS = 160
TRUNCATION_TOLERANCE_S = 0.25  # decoders trim priming and padding; a cut is worth saying above

_PREFIX = re.compile(r"^\s*(\[[^\]]*@ ?0x[0-9a-f]+\]\s*|\[[^\]]+\]\s*|note:\s*|warning:\s*"
                     r"|error:\s*)+", re.IGNORECASE)
_ADDRESS = re.compile(r"\b0x[0-9a-f]{6,}\b", re.IGNORECASE)
_NOISE = ("error while decoding stream", "trying to resync", "application provided invalid")


def decoder_detail(stderr: str) -> str:
    """The decoder's own complaints, shortened to one clause: distinct messages without
    the `[codec @ 0x...]` prefixes, most frequent first; "" when it said nothing."""
    counts: dict[str, int] = {}
    for line in stderr.splitlines():
        text = _ADDRESS.sub("…", _PREFIX.sub("", line)).strip().rstrip(".")
        if not text or any(noise in text.lower() for noise in _NOISE):
            continue
        counts[text] = counts.get(text, 0) + 1
    if not counts:
        return ""
    named = sorted(counts, key=lambda t: -counts[t])[:2]
    detail = "; ".join(t if counts[t] == 1 else f"{t} (×{counts[t]})" for t in named)
    return detail if len(detail) <= MAX_DETAIL_CHARS else detail[:MAX_DETAIL_CHARS - 1] + "…"


def stretches_text(stretches: list[tuple[float, float]]) -> str:
    """`1.20–2.21 s, 3.00–3.10 s` (and how many more)."""
    shown = ", ".join(f"{a:.2f}–{b:.2f} s" for a, b in stretches[:MAX_STRETCHES_NAMED])
    if len(stretches) > MAX_STRETCHES_NAMED:
        shown += f" and {len(stretches) - MAX_STRETCHES_NAMED} more"
    return shown


def damaged_warning(name: str, stretches: list[tuple[float, float]], detail: str) -> str:
    """What was read as silence, where, and that the times after it are the file's own."""
    said = f" (the decoder said: {detail})" if detail else ""
    what = "that stretch is" if len(stretches) == 1 else "those stretches are"
    return (f"'{name}' is damaged {stretches_text(stretches)}: {what} silence{said}; the "
            "times after it are the file's own")


def truncated_warning(name: str, read_s: float, claimed_s: float | None, detail: str = ""
                      ) -> str:
    said = f" (the decoder said: {detail})" if detail else ""
    if claimed_s is not None:
        return (f"'{name}' is truncated: its header says {claimed_s:.2f} s, the file holds "
                f"the first {read_s:.2f} s{said}")
    return f"'{name}' is truncated{said}: read the first {read_s:.2f} s that are there"


def decoder_errors_warning(name: str, read_s: float, detail: str) -> str:
    """The decoder complained, yet no stretch went missing (a damaged frame decoded as
    noise, a cut last frame): say so, with its words."""
    return (f"'{name}' is damaged or truncated (the decoder said: {detail}): read "
            f"{read_s:.2f} s, with every time in place")

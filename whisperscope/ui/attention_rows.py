"""The heatmap's rows as engine events deliver them. Qt-free bookkeeping for HeatmapPlot.

Rows are text tokens in decode order, stacked over all windows: the finished windows' rows
(one per `Analysis.tokens` entry, so a finished row number is the token's index) followed
by the rows of the window being decoded right now, which appear one per `TokenDecoded` and
are replaced by the aligned tokens at `WindowDone`. Each window is a block with its own time
span (`start`, `n_frames` of 20 ms): rows only cover their window's columns.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from whisperscope.engine.events import TokenDecoded, WindowDone, WindowStarted
from whisperscope.session.attention_store import release_pages
from whisperscope.session.model import FRAME_SECONDS

EPS = 1e-12


@dataclass(frozen=True)
class HeadChoice:
    """What the heatmap shows: the alignment-heads mean, one alignment head, any decoder
    layer/head (recomputed for finished windows), or the alignment pass that timed each
    finished window (its head is chosen per window)."""

    kind: str = "mean"  # "mean" | "alignment" | "layer" | "pass"
    index: int = -1  # position in the alignment heads ("alignment")
    layer: int = -1
    head: int = -1

    @property
    def label(self) -> str:
        if self.kind == "mean":
            return "Alignment heads (mean)"
        if self.kind == "alignment":
            return f"Alignment head L{self.layer} H{self.head}"
        if self.kind == "pass":
            return "Alignment pass (per window: the times' source)"
        return f"Layer {self.layer} · Head {self.head}"


MEAN = HeadChoice()
PASS = HeadChoice("pass")


def is_text_token(event: TokenDecoded) -> bool:
    return not (event.is_timestamp or event.is_special)


def quantise(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """uint8 colour indices of `values` between `levels`, as pyqtgraph's float path would
    compute them on every render (256 colours over the range, clipped): done once per row
    here, the image is then drawn through its lookup table with no rescale."""
    low, high = levels
    scaled = (np.asarray(values, np.float32) - low) * (256.0 / max(high - low, EPS))
    return np.clip(scaled, 0, 255, out=scaled).astype(np.uint8)


@dataclass
class Block:
    """The rows of one window. `heads` is (n_heads, source rows, n_frames) float16, laid out
    as `WindowAttention.heads`: a finished block's is the analysis's own array (no copy) and
    `window_rows[i]` is row i's source row; a live block's is a growing buffer whose first
    `n_rows` rows are its rows (`window_rows` empty)."""

    window: int
    start: float
    n_frames: int
    first_row: int
    final: bool = False
    heads: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.float16))
    n_rows: int = 0
    labels: list[str] = field(default_factory=list)
    probabilities: list[float] = field(default_factory=list)
    token_indices: list[int] = field(default_factory=list)  # final blocks only
    token_starts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    token_ends: np.ndarray = field(default_factory=lambda: np.zeros(0))
    window_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    full: np.ndarray | None = None  # (n_layers, n_heads, window rows, n_frames), recomputed
    pass_rows: np.ndarray | None = None  # (rows, n_frames) float16, the alignment pass
    pass_heads: tuple[tuple[int, int], ...] = ()  # the (layer, head) that pass used
    version: int = 0
    _display: np.ndarray | None = None  # uint8 colour indices, (rows, n_frames)
    _display_key: tuple | None = None
    _display_rows: int = 0

    @property
    def end(self) -> float:
        return self.start + self.n_frames * FRAME_SECONDS

    @property
    def last_row(self) -> int:
        return self.first_row + self.n_rows

    def append(self, attention: np.ndarray, label: str, probability: float) -> None:
        n_heads, n_frames = attention.shape
        if self.heads.shape[::2] != (n_heads, self.n_frames) or (
                self.n_rows >= self.heads.shape[1]):
            grown = np.zeros((n_heads, max(32, 2 * self.heads.shape[1]), self.n_frames),
                             np.float16)
            if self.n_rows:
                grown[:, : self.n_rows] = self.heads[:, : self.n_rows]
            self.heads = grown
        width = min(n_frames, self.n_frames)
        self.heads[:, self.n_rows, :width] = attention[:, :width]
        self.n_rows += 1
        self.labels.append(label)
        self.probabilities.append(float(probability))
        self.version += 1

    def shows(self, choice: HeadChoice) -> str:
        """What this block draws for `choice`, in words (a pass's head is the window's)."""
        if choice.kind != "pass":
            return choice.label
        if self.pass_rows is None:
            return f"{MEAN.label}: no alignment pass " + (
                "yet (decoding)" if not self.final else "for this window")
        heads = ", ".join(f"L{layer} H{head}" for layer, head in self.pass_heads)
        return f"Alignment pass {heads}".strip()

    def source_rows(self, rows: slice) -> slice | np.ndarray:
        """Where rows `rows` of this block are in `heads` (and in `full`)."""
        return self.window_rows[rows] if self.final else rows

    def values(self, choice: HeadChoice, normalised: bool) -> np.ndarray | None:
        """All rows as values, (n_rows, n_frames) float32, or None when `choice` needs a
        recomputation this block does not have yet."""
        if choice.kind == "layer" and self.full is None:
            return None
        return self._compute(slice(0, self.n_rows), choice, normalised)

    def image(self, choice: HeadChoice, normalised: bool, levels: tuple[float, float]
              ) -> np.ndarray | None:
        """The rows to draw as uint8 colour indices (n_rows, n_frames) between `levels`, or
        None as `values`. Rows are computed once per choice and extended as new rows
        arrive; nothing is recomputed when the view only moves."""
        key = (choice, normalised, levels)
        capacity = self.n_rows if self.final else self.heads.shape[1]
        if key != self._display_key or self._display is None or (
                len(self._display) < self.n_rows):
            if choice.kind == "layer" and self.full is None:
                return None
            self._display = np.zeros((max(self.n_rows, capacity), self.n_frames), np.uint8)
            self._display_key, self._display_rows = key, 0
        if self._display_rows < self.n_rows:
            rows = slice(self._display_rows, self.n_rows)
            self._display[rows] = quantise(self._compute(rows, choice, normalised), levels)
            self._display_rows = self.n_rows
            # a finished window's arrays may be mapped from a file (engine.process): the
            # image is made, so their pages go back (an hour's would all stay resident)
            release_pages(self.heads, self.full, self.pass_rows)
        return self._display[: self.n_rows]

    def drop_image(self) -> None:
        """Forget the drawn rows (a choice not shown any more); `image` makes them again."""
        self._display, self._display_key, self._display_rows = None, None, 0

    def raw_value(self, row: int, frame: int, choice: HeadChoice) -> float | None:
        """The attention weight itself at (row, frame), for the hover (never the image)."""
        if not (0 <= row < self.n_rows and 0 <= frame < self.n_frames):
            return None
        source = int(self.window_rows[row]) if self.final else row
        if choice.kind == "layer":
            if self.full is None:
                return None
            return float(self.full[choice.layer, choice.head, source, frame])
        if choice.kind == "alignment":
            return float(self.heads[choice.index, source, frame])
        if choice.kind == "pass" and self.pass_rows is not None:
            return float(self.pass_rows[row, frame])  # pass rows are kept per block row
        return float(self.heads[:, source, frame].astype(np.float32).mean())

    def _compute(self, rows: slice, choice: HeadChoice, normalised: bool) -> np.ndarray:
        source = self.source_rows(rows)
        if choice.kind == "layer":
            values = self.full[choice.layer, choice.head][source]
        elif choice.kind == "alignment":
            values = self.heads[choice.index][source]
        elif choice.kind == "pass" and self.pass_rows is not None:
            values = self.pass_rows[rows]  # kept per block row, not per source row
        else:  # the mean; also the pass's stand-in while a window decodes or had no pass
            values = self.heads[:, source].astype(np.float32).mean(axis=0)
        values = np.asarray(values, dtype=np.float32)
        if normalised:
            values = values / np.maximum(values.max(axis=1, keepdims=True), EPS)
        return values


class AttentionRows:
    """All heatmap rows of one analysis; fed by engine events in decode order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.version = 0  # bumps whenever rows are added, removed or replaced

    # --- events ------------------------------------------------------------------------
    def reset(self) -> None:
        self.blocks = []
        self.version += 1

    def start_window(self, event: WindowStarted) -> Block:
        self._drop_live()
        block = Block(event.window, event.start, max(1, event.n_frames), self.n_rows)
        self.blocks.append(block)
        self.version += 1
        return block

    def add_token(self, event: TokenDecoded) -> int | None:
        """Add the token's row if it is a text token; returns its global row."""
        if not is_text_token(event):
            return None
        block = self.live_block
        if block is None or block.window != event.window:
            block = self.start_window(WindowStarted(
                event.window, event.window_start, event.attention.shape[-1], 0.0))
        block.append(np.asarray(event.attention), event.text, event.probability)
        self.version += 1
        return block.last_row - 1

    def void_window(self, window: int) -> None:
        block = self.live_block
        if block is not None and block.window == window:
            self._drop_live()

    def finish_window(self, event: WindowDone) -> Block | None:
        self._drop_live()
        att = event.attention
        tokens = [] if event.skipped else list(event.tokens)
        if not tokens:
            self.version += 1
            return None
        rows = np.array([t.row for t in tokens], dtype=np.int64)
        block = Block(event.window, att.start, max(1, att.n_frames), self.n_rows, final=True)
        heads = np.asarray(att.heads)  # the analysis's array itself: no second copy
        if heads.size:
            block.heads = heads
        else:
            block.heads = np.zeros((1, int(rows.max()) + 1, block.n_frames), np.float16)
        block.n_rows = len(rows)
        block.window_rows = rows
        block.labels = [t.text for t in tokens]
        block.probabilities = [t.probability for t in tokens]
        block.token_indices = [t.index for t in tokens]
        block.token_starts = np.array([t.start for t in tokens])
        block.token_ends = np.array([t.end for t in tokens])
        block.pass_rows, block.pass_heads = _pass_rows(att, rows), tuple(att.pass_heads)
        self.blocks.append(block)
        self.version += 1
        return block

    def retime(self, tokens) -> None:
        """Finished rows take these tokens' times (`Analysis.tokens`, e.g. after words
        were edited by hand)."""
        for block in self.blocks:
            if block.final and block.token_indices:
                block.token_starts = np.array([tokens[i].start for i in block.token_indices])
                block.token_ends = np.array([tokens[i].end for i in block.token_indices])
        self.version += 1

    def set_heads(self, window: int, heads: np.ndarray) -> Block | None:
        """A finished window's alignment heads, given late (recomputed for work restored
        after a crash, which kept none)."""
        for block in self.blocks:
            if block.final and block.window == window:
                block.heads = heads
                block.version += 1
                block._display_key = None
                return block
        return None

    def set_full(self, window: int, full: np.ndarray) -> Block | None:
        for block in self.blocks:
            if block.final and block.window == window:
                block.full = full
                block.version += 1
                block._display_key = None
                return block
        return None

    # --- queries -----------------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        return self.blocks[-1].last_row if self.blocks else 0

    @property
    def live_block(self) -> Block | None:
        if self.blocks and not self.blocks[-1].final:
            return self.blocks[-1]
        return None

    def locate(self, row: int) -> tuple[Block, int] | None:
        firsts = [b.first_row for b in self.blocks]
        i = bisect_right(firsts, row) - 1
        if 0 <= i < len(self.blocks) and row < self.blocks[i].last_row:
            return self.blocks[i], row - self.blocks[i].first_row
        return None

    def label(self, row: int) -> str:
        found = self.locate(row)
        return found[0].labels[found[1]] if found else ""

    def token_index(self, row: int) -> int | None:
        found = self.locate(row)
        if found and found[0].final:
            return found[0].token_indices[found[1]]
        return None

    def row_of_token(self, token_index: int) -> int | None:
        for block in self.blocks:
            if block.final and block.token_indices:
                local = token_index - block.token_indices[0]
                if 0 <= local < block.n_rows and block.token_indices[local] == token_index:
                    return block.first_row + local
        return None

    def row_span(self, row: int) -> tuple[float, float] | None:
        """(start, end) seconds of a finished row's token; a live row spans its window."""
        found = self.locate(row)
        if not found:
            return None
        block, local = found
        if block.final:
            return float(block.token_starts[local]), float(block.token_ends[local])
        return block.start, block.end

    def visible_rows(self, t0: float, t1: float) -> tuple[int, int]:
        """Rows [r0, r1) whose tokens lie in the time range (live rows: whose window does);
        tokens are in time order, so the rows form one contiguous range."""
        r0, r1 = None, None
        for block in self.blocks:
            if block.end <= t0 or block.start >= t1 or block.n_rows == 0:
                continue
            if block.final:
                lo = int(np.searchsorted(block.token_ends, t0, side="right"))
                hi = int(np.searchsorted(block.token_starts, t1, side="left"))
                if hi <= lo:
                    continue
                lo, hi = block.first_row + lo, block.first_row + hi
            else:
                lo, hi = block.first_row, block.last_row
            r0 = lo if r0 is None else min(r0, lo)
            r1 = hi if r1 is None else max(r1, hi)
        if r0 is None:
            # nothing spoken in view: point at the rows nearest in time
            before = [b for b in self.blocks if b.n_rows and b.start < t0]
            r = before[-1].last_row if before else 0
            return r, r
        return r0, r1

    def blocks_in(self, t0: float, t1: float) -> list[Block]:
        return [b for b in self.blocks if b.end > t0 and b.start < t1]

    def _drop_live(self) -> None:
        if self.live_block is not None:
            self.blocks.pop()
            self.version += 1


def _pass_rows(attention, rows: np.ndarray) -> np.ndarray | None:
    """The window's alignment-pass rows for these token rows, or None without a pass.
    When the rows are the window's text rows in order (the usual case) that is the
    window's own array, not a copy (which held as much again, ~35 MB an hour)."""
    stored = attention.pass_rows
    if stored is None:
        return None
    if (len(rows) <= len(stored) and np.array_equal(rows, attention.text_rows[: len(rows)])
            and stored.shape[-1] >= attention.n_frames and stored.dtype == np.float16):
        return stored[: len(rows), : attention.n_frames]
    by_row = attention.pass_by_row()  # the session model's own placement of the rows
    return None if by_row is None else by_row[rows].astype(np.float16)

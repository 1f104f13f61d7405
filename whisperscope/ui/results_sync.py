"""Feeds analysis events into the views and keeps them on the same token.

Heatmap rows, the token list and the words over the spectrogram all fill in from the same
events here; the token under the playhead is highlighted in all three; finished windows are
kept so any decoder layer/head can be recomputed for them. Owns the bookkeeping (rows,
playhead index, windows), not the views.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from whisperscope.engine.events import TokenDecoded, WindowDone, WindowRetried, WindowStarted
from whisperscope.ui.attention_recompute import AttentionRecomputer
from whisperscope.ui.attention_rows import AttentionRows
from whisperscope.ui.playhead_index import PlayheadIndex
from whisperscope.ui.plots_panel import PlotsPanel
from whisperscope.ui.token_list import TokenListPanel


class ResultsSync(QObject):
    message = Signal(str)  # something for the status bar

    def __init__(self, plots: PlotsPanel, token_list: TokenListPanel,
                 recomputer: AttentionRecomputer, rows: AttentionRows,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plots = plots
        self.token_list = token_list
        self.recomputer = recomputer
        self.rows = rows
        self.index = PlayheadIndex()
        self.windows = {}  # finished WindowAttention by index
        plots.heatmap.recompute_needed.connect(self.request_all_layers)
        recomputer.window_recomputed.connect(self._on_recomputed)
        recomputer.recompute_failed.connect(
            lambda w, text: self.message.emit(
                f"Could not compute all layers for window {w + 1}: {text}"))

    def reset(self) -> None:
        self.rows.reset()
        self.index.reset()
        self.windows = {}
        self.plots.heatmap.reset()
        self.plots.spectrogram.words.clear()
        self.plots.controls.set_hint("")
        self.token_list.reset()

    # --- events --------------------------------------------------------------------------
    def window_started(self, event: WindowStarted) -> None:
        self.rows.start_window(event)
        self.plots.heatmap.rows_changed()

    def tokens_decoded(self, events: list[TokenDecoded]) -> None:
        """Tokens decoded since the last frame, in order: one update of each view."""
        added = [e for e in events if self.rows.add_token(e) is not None]
        if added:
            self.token_list.tokens_decoded(added)
            self.plots.heatmap.rows_changed()

    def window_retried(self, event: WindowRetried) -> None:
        self.rows.void_window(event.window)
        self.token_list.window_voided()
        self.plots.heatmap.rows_changed()
        self.message.emit(f"Window {event.window + 1} decoded again: {event.reason}")

    def window_done(self, event: WindowDone, playhead: float) -> None:
        self.rows.finish_window(event)
        self.windows[event.window] = event.attention
        self.index.extend(event.tokens, event.words)
        self.token_list.window_done(event)
        self.plots.spectrogram.words.extend(event.words)
        self.plots.heatmap.rows_changed()
        self.playhead_moved(playhead)

    def show_analysis(self, analysis, playhead: float) -> None:
        """A finished analysis shown again whole (its windows replayed as events)."""
        from whisperscope.ui.session_replay import replay_events

        for event in replay_events(analysis):
            if isinstance(event, WindowDone):
                self.window_done(event, playhead)
        self.plots.heatmap.redraw()

    def retime(self, analysis) -> None:
        """Every view takes the times of `analysis` (the same tokens and words, some moved
        by hand)."""
        self.index.reset()
        self.index.extend(analysis.tokens, analysis.words)
        self.rows.retime(analysis.tokens)
        words = self.plots.spectrogram.words
        words.clear()
        words.extend(analysis.words)
        current = self.plots.heatmap.current_row
        self.plots.heatmap.current_row = None
        self.plots.heatmap.set_current_row(current)

    # --- the token under the playhead ----------------------------------------------------
    def playhead_moved(self, t: float) -> None:
        i, w = self.index.token_at(t), self.index.word_at(t)
        self.token_list.set_current(i, w)
        self.plots.spectrogram.words.set_current(w)
        row = self.rows.row_of_token(self.index.tokens[i].index) if i >= 0 else None
        if row != self.plots.heatmap.current_row:
            self.plots.heatmap.set_current_row(row)

    # --- any layer / head ----------------------------------------------------------------
    def request_all_layers(self, window: int) -> bool:
        """Ask for every layer/head of a finished window; False without a model."""
        attention = self.windows.get(window)
        if attention is None:
            return False
        if self.recomputer.request(attention):
            self.plots.controls.set_hint("Computing all layers…")
            return True
        self.plots.controls.set_hint("Other layers need the model: Analyse again")
        return False

    def _on_recomputed(self, window: int, full) -> None:
        self.rows.set_full(window, full)
        if not self.recomputer.pending:
            self.plots.controls.set_hint("")
        self.plots.heatmap.redraw()

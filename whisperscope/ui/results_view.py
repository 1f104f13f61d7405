"""The analysis in the plots and the word list: heatmap rows, the word and token lists, the
tiers, the words over the spectrogram and the boundaries through every plot, all fed by the
document's announcements and kept on the token under the playhead.

While a run decodes, its windows fill in as the engine reports them; a finished or
re-aligned analysis (or one given back after a failed run, or an undo) is shown whole;
times moved by hand re-time what is shown. Finished windows are kept so any decoder
layer/head can be recomputed for them. Owns the bookkeeping (rows, playhead index,
windows), not the views.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from whisperscope.session.document import AnnotationDocument
from whisperscope.ui.attention_recompute import AttentionRecomputer
from whisperscope.ui.attention_rows import AttentionRows
from whisperscope.ui.playhead_index import PlayheadIndex
from whisperscope.ui.plots_panel import PlotsPanel
from whisperscope.ui.tier_view import TOKENS, WORDS
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.token_list import TokenListPanel


class ResultsView(QObject):
    message = Signal(str)  # something for the status bar

    def __init__(self, document: AnnotationDocument, timeline: Timeline, plots: PlotsPanel,
                 token_list: TokenListPanel, recomputer: AttentionRecomputer,
                 rows: AttentionRows, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.timeline = timeline
        self.plots = plots
        self.token_list = token_list
        self.recomputer = recomputer
        self.rows = rows
        self.index = PlayheadIndex()
        self.windows = {}  # finished WindowAttention by index
        self._live = False  # the rows shown were built by the run in progress
        ev = document.events
        ev.recording_opened.connect(lambda _path: self.reset())
        ev.run_started.connect(self._run_started)
        ev.window_started.connect(self._window_started)
        ev.tokens_decoded.connect(self._tokens_decoded)
        ev.window_retried.connect(self._window_retried)
        ev.hypothesis_changed.connect(self._hypothesis_changed)
        ev.window_done.connect(self._window_done)
        ev.analysis_changed.connect(self._analysis_changed)
        ev.times_changed.connect(self._retime)
        ev.run_failed.connect(self._run_failed)
        timeline.playhead_moved.connect(self.playhead_moved)
        plots.heatmap.recompute_needed.connect(self.request_all_layers)
        recomputer.window_recomputed.connect(self._on_recomputed)
        recomputer.recompute_failed.connect(
            lambda w, text: self.message.emit(
                f"Could not compute all layers for window {w + 1}: {text}"))

    def reset(self) -> None:
        self.rows.reset()
        self.index.reset()
        self.windows = {}
        self._live = False
        self.recomputer.forget()
        self.plots.heatmap.reset()
        self.plots.spectrogram.words.clear()
        self.plots.controls.set_hint("")
        self.token_list.reset()
        self._draw_tiers([], [])

    # --- a run in progress ---------------------------------------------------------------
    def _run_started(self, _event) -> None:
        self.reset()
        self._live = True

    def _window_started(self, event) -> None:
        self.rows.start_window(event)
        self.plots.heatmap.rows_changed()

    def _tokens_decoded(self, events) -> None:
        """Tokens decoded since the last frame, in order: one update of each view."""
        added = [e for e in events if self.rows.add_token(e) is not None]
        if added:
            self.token_list.tokens_decoded(added)
            self.plots.heatmap.rows_changed()

    def _window_retried(self, event) -> None:
        self.rows.void_window(event.window)
        self.token_list.window_voided()
        self.plots.heatmap.rows_changed()
        self.message.emit(f"Window {event.window + 1} decoded again: {event.reason}")

    def _hypothesis_changed(self, event) -> None:  # beam search: the best one's rows so far
        self.rows.void_window(event.window)
        self.token_list.window_voided()
        self._tokens_decoded(list(event.tokens))

    def _window_done(self, event) -> None:
        self.rows.finish_window(event)
        self.windows[event.window] = event.attention
        self.index.extend(event.tokens, event.words)
        self.token_list.window_done(event)
        self.plots.spectrogram.words.extend(event.words)
        self.plots.heatmap.rows_changed()
        if self._live:  # the tiers show the words so far
            self._draw_tiers(self.index.words, self.index.tokens)
        self.playhead_moved(self.timeline.playhead)

    def _run_failed(self, _event) -> None:
        """A cancelled or failed run: what the document still holds is shown again (with
        none, the rows decoded so far stay)."""
        self._live = False
        if self.document.shown is not None:
            self.reset()
            self._show(self.document.shown)

    # --- the annotation ------------------------------------------------------------------
    def _analysis_changed(self, shown) -> None:
        if self._live and not self.document.running:  # the run just finished: its rows
            self._live = False
            self._retime(shown)
        else:
            self.reset()
            if shown is not None:
                self._show(shown)
        for attention in self.windows.values():  # work restored after a crash kept none
            if not attention.heads.size and attention.head_ids:
                self.recomputer.request(attention)

    def _show(self, analysis) -> None:
        """A finished analysis shown whole (its windows replayed as the events that made
        it), with the times of the annotation."""
        from whisperscope.engine.events import WindowDone
        from whisperscope.ui.session_replay import replay_events

        for event in replay_events(analysis):
            if isinstance(event, WindowDone):
                self._window_done(event)
        self._retime(analysis)

    def _retime(self, analysis) -> None:
        """Every view takes the times of `analysis` (the same tokens and words, some moved
        by hand)."""
        if analysis is None:
            return
        annotation = self.document.annotation
        edited, edited_tokens = annotation.edited_words, annotation.edited_tokens
        self.index.reset()
        self.index.extend(analysis.tokens, analysis.words)
        self.rows.retime(analysis.tokens)
        words = self.plots.spectrogram.words
        words.clear()
        words.extend(analysis.words)
        heatmap = self.plots.heatmap
        current, heatmap.current_row = heatmap.current_row, None
        heatmap.set_current_row(current)
        self.token_list.show_edited(analysis, edited, edited_tokens)
        self._draw_tiers(analysis.words, analysis.tokens, edited, edited_tokens)
        heatmap.redraw()
        self.playhead_moved(self.timeline.playhead)

    def _draw_tiers(self, words, tokens, edited=frozenset(), edited_tokens=frozenset()
                    ) -> None:
        tiers = self.plots.tiers
        tiers.tiers.set_tier(WORDS, words, edited)
        tiers.tiers.set_tier(TOKENS, tokens, edited_tokens)
        self.plots.set_boundaries(words, edited)
        tiers.token_boundaries.set_spans([k.start for k in tokens], [k.end for k in tokens],
                                         edited_tokens)

    # --- the token under the playhead ----------------------------------------------------
    def playhead_moved(self, t: float) -> None:
        i, w = self.index.token_at(t), self.index.word_at(t)
        self.token_list.set_current(i, w)
        self.plots.spectrogram.words.set_current(w)
        self.plots.tiers.tiers.set_current(WORDS, w)
        row = self.rows.row_of_token(self.index.tokens[i].index) if i >= 0 else None
        if row != self.plots.heatmap.current_row:
            self.plots.heatmap.set_current_row(row)

    # --- any layer / head ----------------------------------------------------------------
    def request_all_layers(self, window: int) -> bool:
        """Ask for every layer/head of a finished window; False when there is no model or
        recording to compute them with."""
        attention = self.windows.get(window)
        if attention is None:
            return False
        if self.recomputer.request(attention):
            self.plots.controls.set_hint("Computing all layers…")
            return True
        self.plots.controls.set_hint("Other layers need the recording: open it again")
        return False

    def _on_recomputed(self, window: int, full) -> None:
        attention = self.windows.get(window)
        if attention is not None and not attention.heads.size and attention.head_ids:
            # work restored after a crash kept no attention: its heads, from every head
            layers, heads = (list(ids) for ids in zip(*attention.head_ids, strict=True))
            attention.heads = np.ascontiguousarray(full[layers, heads])
            self.rows.set_heads(window, attention.heads)
        self.rows.set_full(window, full)
        if not self.recomputer.pending:
            self.plots.controls.set_hint("")
        self.plots.heatmap.redraw()

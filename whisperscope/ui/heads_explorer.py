"""Which head hears what: the heads dock, fed with every layer/head of the visible span.

Every layer/head of a finished window comes from the attention recomputer (one teacher-
forced pass per window, off the GUI thread); once a window has them, the grid shows the
visible span of each head, scored. The scoring runs on a thread of its own (it read every
frame of every head on the GUI thread: a 40 ms stall after each window and while playing):
the workers' scoring lane; `grid_updated` says when the grid shows it. Clicking a cell
shows that head in the main heatmap; the picked heads can time every word (one undo step)
and be copied as an alignment_heads list.
"""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMenu

from whisperscope.engine.timing.heads import head_alignment_scores
from whisperscope.engine.timing.retime import retime_with_heads
from whisperscope.session import commands
from whisperscope.session.attention_store import release_pages
from whisperscope.session.document import AnnotationDocument
from whisperscope.ui.attention_recompute import AttentionRecomputer
from whisperscope.ui.attention_rows import AttentionRows, HeadChoice
from whisperscope.ui.heads_panel import HeadsPanel
from whisperscope.ui.heatmap_controls import HeatmapControls
from whisperscope.ui.notifier import Notifier
from whisperscope.ui.playback import PlaybackController
from whisperscope.ui.results_view import ResultsView
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.workers import SCORING, Workers

CELL = (28, 44)  # rows, columns of each head's little map
REFRESH_MS = 120  # the grid follows the view at most this often
PLAYING_REFRESH_MS = 500  # ... and less often while the view scrolls with playback
BUILD_WHEN_IDLE_MS = 1500  # after launch, the panel is built when the window is idle


def span_cells(full: np.ndarray, rows: np.ndarray, f0: int, f1: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Each head's attention over the given token rows and frames f0..f1: (cells resized to
    CELL with rows scaled to their peak, scores on the full-resolution rows)."""
    part = np.asarray(full[:, :, rows, f0:f1], np.float32)
    scores = head_alignment_scores(part, None)  # the engine's own score (timing/heads.py)
    peak = np.maximum(part.max(axis=-1, keepdims=True), 1e-12)
    scaled = part / peak
    ys = np.minimum((np.arange(CELL[0]) * part.shape[2] / CELL[0]).astype(int),
                    part.shape[2] - 1)
    xs = [slice(int(a), max(int(a) + 1, int(b))) for a, b in
          zip(np.linspace(0, part.shape[3], CELL[1] + 1)[:-1],
              np.linspace(0, part.shape[3], CELL[1] + 1)[1:], strict=True)]
    cells = np.stack([scaled[:, :, ys, x].max(axis=-1) for x in xs], axis=-1)
    return cells, scores


class HeadsExplorer(QObject):
    grid_updated = Signal()  # the grid shows the latest scoring

    def __init__(self, document: AnnotationDocument, timeline: Timeline, rows: AttentionRows,
                 results: ResultsView, recomputer: AttentionRecomputer,
                 playback: PlaybackController, controls: HeatmapControls, workers: Workers,
                 notifier: Notifier, host: QMainWindow, view_menu: QMenu) -> None:
        super().__init__(host)
        self.document = document
        self.timeline = timeline
        self.rows = rows
        self.results = results
        self.playback = playback
        self.controls = controls
        self.workers = workers
        self.notifier = notifier
        self.host = host
        self._job = 0  # the latest scoring asked for; older results are dropped
        self._panel: HeadsPanel | None = None  # built when idle or when the dock first shows
        self.dock = QDockWidget("Heads", host)
        self.dock.setObjectName("heads_dock")
        host.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self._retime_pending: list[tuple[int, int]] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        toggle = self.dock.toggleViewAction()
        toggle.setText("&Heads Grid")
        toggle.setShortcut("Ctrl+G")
        host.addAction(toggle)
        view_menu.addAction(toggle)
        self._sized = False
        self.dock.visibilityChanged.connect(self._on_visibility)
        timeline.view_range_changed.connect(lambda *_a: self.refresh_soon())
        recomputer.window_recomputed.connect(self._on_recomputed)
        recomputer.recompute_failed.connect(self._on_failed)
        playback.playing_changed.connect(lambda _p: self.refresh_soon())
        document.events.run_finished.connect(lambda _a: self.refresh_soon())
        document.events.analysis_changed.connect(lambda _a: self.refresh_soon())
        QTimer.singleShot(BUILD_WHEN_IDLE_MS, self._build_when_idle)

    @property
    def panel(self) -> HeadsPanel:
        """The dock's grid and buttons, built on first use: the dock starts hidden, and
        building them took ~10 ms of every launch."""
        if self._panel is None:
            self._panel = panel = HeadsPanel()
            panel.grid.head_clicked.connect(self.show_head)
            panel.retime_requested.connect(self.retime)
            panel.copy_requested.connect(self.copy_heads)
            self.dock.setWidget(panel)
        return self._panel

    def _build_when_idle(self) -> None:
        """Build the panel ahead, in a moment nobody watches (not playing, not analysing):
        built on the first show it took 20-35 ms of that response (bench/ui_latency.py),
        built at launch ~10 ms of every launch."""
        if self._panel is not None:
            return
        if self.playback.active or self.document.running:
            QTimer.singleShot(BUILD_WHEN_IDLE_MS, self._build_when_idle)
            return
        self.panel  # noqa: B018

    def _on_visibility(self, visible: bool) -> None:
        if visible:
            self.panel  # noqa: B018  (built now, before it is first drawn)
        if visible and not self._sized:  # a third of the window, not half of it
            self._sized = True
            self.host.resizeDocks([self.dock], [max(200, self.host.height() // 3)],
                                  Qt.Orientation.Vertical)
        self.refresh_soon()

    def refresh_soon(self) -> None:
        if self.dock.isVisible() and not self._timer.isActive():
            playing = self.playback.active
            self._timer.start(PLAYING_REFRESH_MS if playing else REFRESH_MS)

    def stop(self) -> None:
        self._timer.stop()
        self._job += 1

    # --- the grid ------------------------------------------------------------------------
    def refresh(self) -> None:
        if not self.dock.isVisible():
            return
        t0, t1 = self.timeline.view_range
        blocks = [b for b in self.rows.blocks_in(t0, t1) if b.final]
        if not blocks:
            self.panel.status.setText("No finished window in view")
            return
        # the window holding most of the view
        block = max(blocks, key=lambda b: min(b.end, t1) - max(b.start, t0))
        if block.full is None:
            if self.playback.is_playing:  # a model pass now would starve playback
                self.panel.status.setText(f"Every head of window {block.window + 1} is "
                                          "computed when playback pauses")
                return
            asked = self.results.request_all_layers(block.window)
            self.panel.status.setText(f"Computing every head of window {block.window + 1}…"
                                      if asked else "Every head needs the recording: open "
                                      "it again")
            return
        local = np.flatnonzero((block.token_ends > t0) & (block.token_starts < t1))
        f0 = max(0, int((t0 - block.start) / 0.02))
        f1 = min(block.n_frames, int(np.ceil((t1 - block.start) / 0.02)))
        if len(local) < 2 or f1 - f0 < 2:
            self.panel.status.setText("Too few tokens in view to score the heads")
            return
        self._job += 1
        job, full, rows = self._job, block.full, block.window_rows[local]
        where = f"{len(local)} tokens of window {block.window + 1}"

        def score():
            if job != self._job:
                return None  # a newer view was asked for meanwhile
            cells, scores = span_cells(full, rows, f0, f1)
            release_pages(full)  # mapped from a file (engine.process): read, then let go
            return job, cells, scores, where

        self.workers.call(SCORING, score, on_result=self._show_scores)

    def _show_scores(self, result) -> None:
        if result is None or result[0] != self._job:
            return
        job, cells, scores, where = result
        model = self.document.analysis.model if self.document.analysis else None
        self.panel.grid.set_cells(cells, scores, model.alignment_heads if model else ())
        best = np.unravel_index(int(np.argmax(scores)), scores.shape)
        self.panel.status.setText(f"{where}; most alignment-like: L{best[0]} H{best[1]} "
                                  f"({scores[best]:.2f})")
        self.grid_updated.emit()

    def _on_recomputed(self, _window: int, _full) -> None:
        self.refresh_soon()
        if self._retime_pending is not None:
            self.retime()

    def _on_failed(self, window: int, message: str) -> None:
        if self._panel is not None:
            self.panel.status.setText(f"Could not compute every head of window {window + 1}: "
                                      f"{message}")

    def show_head(self, layer: int, head: int) -> None:
        """That head in the main heatmap (the heads box follows)."""
        combo = self.controls.heads
        for i in range(combo.count()):
            if combo.itemData(i) == HeadChoice("layer", layer=layer, head=head):
                combo.setCurrentIndex(i)
                return

    # --- the picked heads ----------------------------------------------------------------
    def retime(self) -> None:
        """Time every word with the picked heads, once every window has all its heads."""
        heads = sorted(self.panel.grid.picked) if self._retime_pending is None else \
            self._retime_pending
        analysis = self.document.analysis
        if not heads or analysis is None:
            self._retime_pending = None
            return
        blocks = [b for b in self.rows.blocks if b.final]
        missing = [b.window for b in blocks if b.full is None]
        if missing:
            self._retime_pending = heads
            asked = [self.results.request_all_layers(w) for w in missing]
            self.panel.status.setText(f"Computing every head of {len(missing)} window(s) "
                                      "first…" if all(asked) else "Needs the recording: open "
                                      "it again")
            if not all(asked):
                self._retime_pending = None
            return
        self._retime_pending = None
        current = self.document.shown
        times = retime_with_heads(analysis, {b.window: b.full for b in blocks}, heads)
        changed = {i: t for i, t in times.items()
                   if abs(t[0] - current.words[i].start) > 1e-6
                   or abs(t[1] - current.words[i].end) > 1e-6}
        names = ", ".join(f"L{layer}H{head}" for layer, head in heads)
        self.document.apply(commands.retime(self.document.annotation, changed),
                            f"time the words with {names}")
        self.panel.status.setText(f"{len(changed)} words re-timed with {names} (Ctrl+Z "
                                  "undoes)")

    def heads_json(self) -> str:
        return json.dumps([[int(layer), int(head)]
                           for layer, head in sorted(self.panel.grid.picked)])

    def copy_heads(self) -> None:
        text = self.heads_json()
        QApplication.clipboard().setText(text)
        self.notifier.status(f"Copied alignment_heads {text}", 6000)

"""The window as a workbench: word and token boundaries edited by hand (with undo) and
compared with a reference. Wires the boundary editor, the reference and the tiers to the
views, so the main window only creates this object and tells it when an analysis starts and
finishes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog

from whisperscope.errors import WhisperScopeError
from whisperscope.session.reference import (
    Reference,
    match_words,
    measure,
    read_reference,
    summary_text,
    write_comparison_csv,
)
from whisperscope.ui.boundary_editor import TOKEN, WORD, BoundaryEditor
from whisperscope.ui.tier_view import REFERENCE, TOKENS, WORDS

if TYPE_CHECKING:
    from whisperscope.ui.main_window import MainWindow

REFERENCE_FILTER = ("Word times (*.TextGrid *.textgrid *.eaf *.srt *.vtt *.json *.wrd *.txt "
                    "*.aud *.labels *.tsv);;All files (*)")


class Workbench(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.editor = BoundaryEditor(self)
        self.reference: Reference | None = None
        self.comparison = None
        self._matches = None
        self._session_edits = None  # (word, token) edits of a saved session, once it loaded
        self._last = (None, ({}, {}))  # the analysis and edits before a reset (Analyse Again)
        a = window.actions
        self.undo = self.editor.stack.createUndoAction(window, "&Undo")
        self.undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.redo = self.editor.stack.createRedoAction(window, "&Redo")
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.undo, self.redo):
            window.addAction(action)
        first = a.edit_menu.actions()[0] if a.edit_menu.actions() else None
        a.edit_menu.insertActions(first, [self.undo, self.redo])
        a.load_reference.triggered.connect(self.choose_reference)
        a.export_comparison.triggered.connect(self.export_comparison_dialog)
        for lines in window.plots.boundaries:
            lines.dragged.connect(self._drag)
            lines.drag_finished.connect(self._drop)
        tokens = window.plots.tiers.token_boundaries
        tokens.dragged.connect(lambda i, side, t: self._drag(i, side, t, TOKEN))
        tokens.drag_finished.connect(lambda i, side, t: self._drop(i, side, t, TOKEN))
        self.editor.changed.connect(self._on_changed)
        window.timeline.playhead_moved.connect(self._on_playhead)
        self.update_enabled()

    @property
    def analysis(self):
        """What views and exports show: the finished analysis with the edits applied."""
        return self.editor.analysis if self.editor.analysis is not None else \
            self.window.analysis

    # --- the window's analysis -----------------------------------------------------------
    def reset(self) -> None:
        """A new run starts: nothing to edit until it finishes."""
        if self.editor.base is not None:
            self._last = (self.editor.base, self.editor.state)
        self.editor.clear()

    def expect_session(self, session) -> None:
        """A saved session is opening: its edits apply once its analysis is shown, and
        the reference it was compared with is loaded again if it is still there."""
        self._session_edits = (dict(session.edits), dict(session.token_edits))
        path = session.extra.get("reference")
        reference = None
        if isinstance(path, str) and os.path.isfile(path):
            try:
                reference = read_reference(path)
            except WhisperScopeError:
                reference = None
        self.set_reference(reference)

    def analysis_finished(self, analysis) -> None:
        edits, self._session_edits = self._session_edits, None
        if edits is None and self._last[0] is analysis:  # a cancelled run gave it back
            edits = self._last[1]
        self._matches = None
        self.editor.set_analysis(analysis, *(edits or ({}, {})))

    def replace_analysis(self, analysis, edits) -> None:
        """Another finished analysis of the same recording, undoably (see BoundaryEditor)."""
        self._matches = None  # other words: match them to the reference again
        self.editor.replace_base(analysis, edits)

    def window_done(self, _event) -> None:
        """A window is finished: the tiers show the words so far."""
        index = self.window.results.index  # the words so far, live
        self._show(index.words, index.tokens, frozenset(), frozenset())

    def _drag(self, index: int, side: str, t: float, kind: str = WORD) -> None:
        if not self.window.controller.busy:
            self.editor.preview(index, side, t, kind)

    def _drop(self, index: int, side: str, t: float, kind: str = WORD) -> None:
        if not self.window.controller.busy:
            self.editor.finish(index, side, t, kind)

    def _on_changed(self, analysis) -> None:
        window = self.window
        if analysis is None:
            self._show([], [], frozenset(), frozenset())
            self._compare()
            return
        edited, edited_tokens = self.editor.edited_words, self.editor.edited_tokens
        window.results.retime(analysis)
        window.token_list.show_edited(analysis, edited, edited_tokens)
        self._show(analysis.words, analysis.tokens, edited, edited_tokens)
        self._compare()
        window.plots.heatmap.redraw()
        self._on_playhead(window.timeline.playhead)

    def _show(self, words, tokens, edited, edited_tokens) -> None:
        plots = self.window.plots
        plots.tiers.tiers.set_tier(WORDS, words, edited)
        plots.tiers.tiers.set_tier(TOKENS, tokens, edited_tokens)
        plots.set_boundaries(words, edited)
        plots.tiers.token_boundaries.set_spans([k.start for k in tokens],
                                               [k.end for k in tokens], edited_tokens)

    def _on_playhead(self, t: float) -> None:
        self.window.plots.tiers.tiers.set_current(WORDS, self.window.results.index.word_at(t))

    # --- the reference -------------------------------------------------------------------
    def choose_reference(self) -> None:
        start = os.path.dirname(self.window.path) if self.window.path else \
            os.path.expanduser("~")
        path, _ = QFileDialog.getOpenFileName(self.window, "Load reference word times", start,
                                              REFERENCE_FILTER)
        if path:
            self.load_reference(path)

    def load_reference(self, path: str) -> bool:
        try:
            reference = read_reference(path)
        except WhisperScopeError as error:
            self.window.show_error("Cannot read the reference", str(error))
            return False
        self.set_reference(reference)
        self.window.statusBar().showMessage(
            f"Reference {reference.name}: {len(reference.words)} words", 6000)
        return True

    def set_reference(self, reference: Reference | None) -> None:
        self.reference = reference
        self._matches = None
        plots = self.window.plots
        plots.tiers.tiers.set_tier(REFERENCE, reference.words if reference else [])
        plots.set_tier_order([WORDS, REFERENCE, TOKENS] if reference else [WORDS, TOKENS])
        self._compare()

    def _compare(self) -> None:
        analysis = self.editor.analysis
        if self.reference is None or analysis is None:
            self.comparison = None
            self.window.token_list.show_comparison(
                None if self.reference is None else {},
                f"Reference {self.reference.name}: compared when the analysis finishes"
                if self.reference is not None else "")
        else:
            if self._matches is None:
                self._matches = match_words(analysis.words, self.reference)
            self.comparison = measure(analysis.words, self.reference, self._matches)
            errors = {p.word: (p.start_error, p.end_error) for p in self.comparison.pairs}
            self.window.token_list.show_comparison(
                errors, f"vs {self.reference.name}: {summary_text(self.comparison)}")
        self.update_enabled()

    def export_comparison_dialog(self) -> None:
        if self.comparison is None:
            return
        base = os.path.splitext(self.window.path or "recording")[0]
        path, _ = QFileDialog.getSaveFileName(self.window, "Export comparison",
                                              base + "-comparison.csv", "CSV (*.csv)")
        if path:
            self.export_comparison(path if path.lower().endswith(".csv") else path + ".csv")

    def export_comparison(self, path: str) -> bool:
        try:
            write_comparison_csv(path, self.analysis.words, self.reference, self.comparison)
        except (WhisperScopeError, OSError) as error:
            self.window.show_error("Export failed", str(error))
            return False
        self.window.statusBar().showMessage(f"Exported {os.path.basename(path)}", 6000)
        return True

    def update_enabled(self) -> None:
        self.window.actions.export_comparison.setEnabled(self.comparison is not None)

"""The words compared with a reference (File › Load Reference…): the reference tier, each
word's start and end error in the word list, the summary under it, and the comparison as
CSV. Follows the document: its reference and the times shown."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from whisperscope.errors import WhisperScopeError
from whisperscope.session.document import AnnotationDocument
from whisperscope.session.reference import (
    match_words,
    measure,
    read_reference,
    summary_text,
    write_comparison_csv,
)
from whisperscope.ui.notifier import Notifier
from whisperscope.ui.plots_panel import PlotsPanel
from whisperscope.ui.tier_view import REFERENCE
from whisperscope.ui.token_list import TokenListPanel

REFERENCE_FILTER = ("Word times (*.TextGrid *.textgrid *.wrd *.txt *.labels *.tsv *.json);;"
                    "All files (*)")


class ReferenceView(QObject):
    def __init__(self, document: AnnotationDocument, plots: PlotsPanel,
                 token_list: TokenListPanel, load_action: QAction, export_action: QAction,
                 notifier: Notifier, host: QWidget) -> None:
        super().__init__(host)
        self.document = document
        self.plots = plots
        self.token_list = token_list
        self.export_action = export_action
        self.notifier = notifier
        self.host = host
        self.comparison = None
        self._matches = None
        self._matched_analysis = None
        load_action.triggered.connect(self.choose_reference)
        export_action.triggered.connect(self.export_comparison_dialog)
        ev = document.events
        ev.reference_changed.connect(self._on_reference)
        for signal in (ev.analysis_changed, ev.times_changed, ev.run_started):
            signal.connect(lambda *_a: self._compare())
        self._on_reference(document.reference)

    @property
    def reference(self):
        return self.document.reference

    def choose_reference(self) -> None:
        path = self.document.path
        start = os.path.dirname(path) if path else os.path.expanduser("~")
        chosen, _ = QFileDialog.getOpenFileName(self.host, "Load reference word times",
                                                start, REFERENCE_FILTER)
        if chosen:
            self.load_reference(chosen)

    def load_reference(self, path: str) -> bool:
        try:
            reference = read_reference(path)
        except WhisperScopeError as error:
            self.notifier.error("Cannot read the reference", str(error))
            return False
        self.document.set_reference(reference)
        self.notifier.status(f"Reference {reference.name}: {len(reference.words)} words", 6000)
        return True

    def _on_reference(self, reference) -> None:
        self._matches = None
        self.plots.tiers.tiers.set_tier(REFERENCE, reference.words if reference else [])
        self.plots.show_reference_tier(reference is not None)
        self._compare()

    def _compare(self) -> None:
        shown = None if self.document.running else self.document.shown
        reference = self.reference
        if reference is None or shown is None:
            self.comparison = None
            self.token_list.show_comparison(
                None if reference is None else {},
                f"Reference {reference.name}: compared when the analysis finishes"
                if reference is not None else "")
        else:
            if self._matches is None or self._matched_analysis is not self.document.analysis:
                self._matches = match_words(shown.words, reference)
                self._matched_analysis = self.document.analysis
            self.comparison = measure(shown.words, reference, self._matches)
            errors = {p.word: (p.start_error, p.end_error) for p in self.comparison.pairs}
            self.token_list.show_comparison(
                errors, f"vs {reference.name}: {summary_text(self.comparison)}")
        self.export_action.setEnabled(self.comparison is not None)

    def export_comparison_dialog(self) -> None:
        if self.comparison is None:
            return
        base = os.path.splitext(self.document.path or "recording")[0]
        path, _ = QFileDialog.getSaveFileName(self.host, "Export comparison",
                                              base + "-comparison.csv", "CSV (*.csv)")
        if path:
            self.export_comparison(path if path.lower().endswith(".csv") else path + ".csv")

    def export_comparison(self, path: str) -> bool:
        try:
            write_comparison_csv(path, self.document.shown.words, self.reference,
                                 self.comparison)
        except (WhisperScopeError, OSError) as error:
            self.notifier.error("Export failed", str(error))
            return False
        self.notifier.status(f"Exported {os.path.basename(path)}", 6000)
        return True

"""File › Align Transcript… and editing a word's text in the word list.

Aligning a transcript is an analysis like any other (heatmap rows fill in live, Esc gives
back what was shown), with the transcript handed to the engine. A word's text edited in the
list re-aligns its window with the corrected words (the engine service's `realign`, on the
one worker path); the result is one undo step of the document.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from whisperscope.engine.timing.transcript import (
    TranscriptError,
    check_length,
    read_transcript,
    transcript_words,
)
from whisperscope.session.anchors import correction_anchors, correction_pins
from whisperscope.session.document import AnnotationDocument
from whisperscope.ui.engine_service import Engine
from whisperscope.ui.notifier import STATUS_MS, Notifier
from whisperscope.ui.runs import Runs
from whisperscope.ui.transcript_model import TranscriptModel
from whisperscope.ui.workers import ENGINE, Workers

log = logging.getLogger(__name__)
TRANSCRIPT_FILTER = "Text (*.txt *.lab);;All files (*)"


def count_unaligned(analysis) -> int:
    return sum(w.unaligned for w in analysis.words)


def shifted_edits(edits: dict, window_words: list[int], n_new: int) -> dict:
    """Boundary edits after a window's words (indices `window_words`) became `n_new`
    words: those of the window are dropped (it was re-aligned), later ones shift."""
    if not window_words:
        return dict(edits)
    first, last = window_words[0], window_words[-1]
    delta = n_new - len(window_words)
    return {(i + delta if i > last else i): times for i, times in edits.items()
            if not first <= i <= last}


class TranscriptAligner(QObject):
    realigned = Signal(object)  # the analysis with a window re-aligned after a text edit
    realign_failed = Signal(str)

    def __init__(self, document: AnnotationDocument, runs: Runs, engine: Engine,
                 workers: Workers, words: TranscriptModel, action: QAction,
                 notifier: Notifier, host: QWidget) -> None:
        super().__init__(host)
        self.document = document
        self.runs = runs
        self.engine = engine
        self.workers = workers
        self.action = action
        self.notifier = notifier
        self.host = host
        self.pending: tuple[int, str] | None = None  # (window, undo text) being re-aligned
        action.triggered.connect(self.choose_transcript)
        words.text_edited.connect(self.edit_word)
        for signal in (document.events.running_changed, document.events.recording_opened):
            signal.connect(lambda *_a: self.update_enabled())
        document.events.run_finished.connect(self._run_finished)
        self.update_enabled()

    def update_enabled(self) -> None:
        self.action.setEnabled(self.document.path is not None and not self.document.running)

    # --- aligning a whole transcript -----------------------------------------------------
    def choose_transcript(self) -> None:
        if self.document.path is None:
            return
        path, _ = QFileDialog.getOpenFileName(self.host, "Align transcript",
                                              os.path.dirname(self.document.path),
                                              TRANSCRIPT_FILTER)
        if path:
            self.align_file(path)

    def align_file(self, path: str) -> bool:
        """Check the transcript at `path` and align it; a bad one is refused with a
        dialog and what is shown stays."""
        try:
            text = read_transcript(path)
            words = transcript_words(text)
            if self.document.audio is not None:
                check_length(words, float(self.document.audio.duration))
        except TranscriptError as error:
            self.notifier.error("Cannot align this transcript", str(error))
            return False
        self.notifier.status(f"Aligning {len(words)} words of {os.path.basename(path)}…")
        self.runs.align_transcript(text)
        return True

    def _run_finished(self, analysis) -> None:
        if self.document.undo_text != "align the transcript" or \
                self.document.analysis is not analysis:
            return
        n, unaligned = len(analysis.words), count_unaligned(analysis)
        message = f"Transcript aligned: {n} words"
        if unaligned:
            message += (f", {unaligned} not supported by the audio (coloured in the word "
                        "list): is it this recording's text?")
        self.notifier.status(message, STATUS_MS * 2)

    # --- editing a word ------------------------------------------------------------------
    def edit_word(self, row: int, text: str) -> bool:
        """Word `row` now reads `text`: re-align its window with it (on the worker)."""
        from whisperscope.engine.window_splice import (
            realign_request,
            window_of_word,
            window_words,
        )

        document = self.document
        analysis = document.analysis
        if analysis is None or document.running or self.pending is not None:
            self.notifier.status("Busy: edit the word again when the analysis or "
                                 "re-alignment has finished")
            return False
        if document.audio is None or not 0 <= row < len(analysis.words):
            return False
        try:
            replacement = transcript_words(text)
        except TranscriptError as error:
            self.notifier.error("Cannot use this text", str(error))
            return False
        index = window_of_word(analysis, row)
        members = window_words(analysis, index)
        words = []
        for i in members:
            words += replacement if i == row else [analysis.words[i].text]
        old = analysis.words[row].text.strip()
        self.pending = (index, f"edit “{old}” to “{text}”")
        self.notifier.status(f"Re-aligning window {index + 1} with “{text}”…", 0)
        # the corrected word and its neighbours are timed again, between the pins; every
        # other word of the window stays where it is shown
        anchors = correction_anchors(document.annotation, members, row, len(replacement))
        request = realign_request(analysis, index, words, anchors)
        device = document.model.info.device if document.model is not None else \
            analysis.model.device or "cpu"
        self.workers.call(ENGINE, self.engine.realign, request, str(device),
                          document.audio.samples, document.mel,
                          on_result=lambda done: self._on_done(analysis, done, row,
                                                               len(replacement)),
                          on_error=self._on_failed)
        return True

    @property
    def busy(self) -> bool:
        return self.pending is not None

    def _on_done(self, before, done, row: int, n_replacement: int) -> None:
        from whisperscope.engine.window_splice import splice_done, window_words
        from whisperscope.session.edits import carry_token_edits

        index, description = self.pending
        self.pending = None
        document = self.document
        if document.analysis is not before:  # another analysis replaced it meanwhile
            return
        after = splice_done(before, done)
        old_words = window_words(before, index)
        n_new = len(window_words(after, index))
        annotation = document.annotation
        # the window's words now stand where they were shown (the engine kept them there),
        # so its edits are in the new alignment itself; later words' shift
        document.replace_analysis(
            after, description, edits=shifted_edits(annotation.edits, old_words, n_new),
            token_edits=carry_token_edits(before, after, annotation.token_edits),
            pins=correction_pins(annotation.pins, row, n_replacement))
        unaligned = count_unaligned(after)
        self.notifier.status(f"Window {index + 1} re-aligned: {n_new} words"
                             + (f", {unaligned} not supported by the audio"
                                if unaligned else ""))
        self.realigned.emit(after)

    def _on_failed(self, error: BaseException) -> None:
        log.warning("re-aligning a window failed: %s", error)
        self.pending = None
        message = str(error) or type(error).__name__
        self.notifier.error("Could not re-align the window", message)
        self.realign_failed.emit(message)

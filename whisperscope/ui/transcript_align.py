"""File › Align Transcript… and editing a word's text in the word list.

Aligning a transcript is an analysis like any other (heatmap rows fill in live, Esc gives
back what was shown), with the transcript handed to the engine. A word's text edited in the
list re-aligns just its window with the corrected words (`engine.realign`), on a worker
thread; the result is one undo step on the window's undo stack.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QFileDialog

from whisperscope.engine.events import Finished
from whisperscope.engine.timing.transcript import (
    TranscriptError,
    check_length,
    read_transcript,
    transcript_words,
)

if TYPE_CHECKING:
    from whisperscope.ui.main_window import MainWindow

log = logging.getLogger(__name__)
TRANSCRIPT_FILTER = "Text (*.txt *.lab);;All files (*)"
STATUS_MS = 8000


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


class _Realigner(QObject):
    """Runs on the worker thread: has the engine re-align one window (in the engine's own
    process with the app's engine: this process never loads a model) and splices it in."""

    done = Signal(object, object, object)  # the analysis it started from, the new one, model
    failed = Signal(str)

    def __init__(self, engine) -> None:
        super().__init__()
        self.engine = engine

    @Slot(object)
    def compute(self, request) -> None:
        analysis, window_index, words, samples, mel, model, device = request
        try:
            from whisperscope.engine.window_splice import realign_request, splice_done

            done, model = self.engine.realign(
                model, samples, mel, realign_request(analysis, window_index, words), device)
            self.done.emit(analysis, splice_done(analysis, done), model)
        except Exception as error:  # shown in a dialog, never raised into Qt
            log.warning("re-aligning window %s failed: %s", window_index, error)
            self.failed.emit(str(error) or type(error).__name__)


class _Realign(QUndoCommand):
    def __init__(self, aligner: TranscriptAligner, before, after, text: str) -> None:
        super().__init__(text)
        self.aligner, self.before, self.after = aligner, before, after

    def redo(self) -> None:
        self.aligner.show(*self.after)

    def undo(self) -> None:
        self.aligner.show(*self.before)


class TranscriptAligner(QObject):
    realigned = Signal(object)  # the analysis with a window re-aligned after a text edit
    realign_failed = Signal(str)
    _requested = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.pending: tuple[int, str] | None = None  # (window, undo text) being re-aligned
        self._thread: QThread | None = None
        self._worker: _Realigner | None = None
        window.actions.align_transcript.triggered.connect(self.choose_transcript)
        window.controller.busy_changed.connect(self.update_enabled)
        window.token_list.words.text_edited.connect(self.edit_word)
        self.update_enabled()

    def update_enabled(self, *_args) -> None:
        window = self.window
        self.window.actions.align_transcript.setEnabled(
            window.path is not None and not window.controller.busy)

    # --- aligning a whole transcript -----------------------------------------------------
    def choose_transcript(self) -> None:
        window = self.window
        if window.path is None:
            return
        path, _ = QFileDialog.getOpenFileName(window, "Align transcript",
                                              os.path.dirname(window.path), TRANSCRIPT_FILTER)
        if path:
            self.align_file(path)

    def align_file(self, path: str) -> bool:
        """Check the transcript at `path` and align it; a bad one is refused with a
        dialog and what is shown stays."""
        window = self.window
        try:
            text = read_transcript(path)
            words = transcript_words(text)
            if window.audio is not None:
                check_length(words, float(window.audio.duration))
        except TranscriptError as error:
            window.show_error("Cannot align this transcript", str(error))
            return False
        window.statusBar().showMessage(
            f"Aligning {len(words)} words of {os.path.basename(path)}…", STATUS_MS)
        window.align_transcript(text)
        return True

    def analysis_finished(self, event: Finished) -> None:
        job = self.window.controller.job
        if job is None or job.transcript is None:
            return
        n, unaligned = len(event.analysis.words), count_unaligned(event.analysis)
        message = f"Transcript aligned: {n} words"
        if unaligned:
            message += (f", {unaligned} not supported by the audio (coloured in the word "
                        "list): is it this recording's text?")
        self.window.statusBar().showMessage(message, STATUS_MS * 2)

    # --- editing a word ------------------------------------------------------------------
    def edit_word(self, row: int, text: str) -> bool:
        """Word `row` now reads `text`: re-align its window with it (on the worker)."""
        from whisperscope.engine.window_splice import window_of_word, window_words

        window = self.window
        analysis = window.analysis
        if analysis is None or window.controller.busy or self.pending is not None:
            window.statusBar().showMessage(
                "Busy: edit the word again when the analysis or re-alignment has finished",
                STATUS_MS)
            return False
        if window.audio is None or not 0 <= row < len(analysis.words):
            return False
        try:
            replacement = transcript_words(text)
        except TranscriptError as error:
            window.show_error("Cannot use this text", str(error))
            return False
        index = window_of_word(analysis, row)
        members = window_words(analysis, index)
        words = []
        for i in members:
            words += replacement if i == row else [analysis.words[i].text]
        old = analysis.words[row].text.strip()
        self.pending = (index, f"edit “{old}” to “{text}”")
        window.statusBar().showMessage(f"Re-aligning window {index + 1} with “{text}”…")
        self._ensure_thread()
        self._requested.emit((analysis, index, words, window.audio.samples, window.mel,
                              window.model, window.analysis_bar.device_name))
        return True

    @property
    def busy(self) -> bool:
        return self.pending is not None

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        self._thread = QThread(self)
        self._thread.setObjectName("whisperscope-realign")
        self._worker = _Realigner(self.window.controller.engine)
        self._worker.moveToThread(self._thread)
        self._requested.connect(self._worker.compute, Qt.ConnectionType.QueuedConnection)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._thread.start()

    @Slot(object, object, object)
    def _on_done(self, before, after, model) -> None:
        from whisperscope.engine.window_splice import window_words

        window = self.window
        index, description = self.pending
        self.pending = None
        if window.analysis is not before:  # another analysis replaced it meanwhile
            return
        if window.model is None:
            window.model = model
        editor = window.workbench.editor
        n_new = len(window_words(after, index))
        edits = shifted_edits(editor.edits, window_words(before, index), n_new)
        editor.stack.push(_Realign(self, (before, dict(editor.edits)), (after, edits),
                                   description))
        window.statusBar().showMessage(
            f"Window {index + 1} re-aligned: {n_new} words"
            + (f", {count_unaligned(after)} not supported by the audio"
               if count_unaligned(after) else ""), STATUS_MS)
        self.realigned.emit(after)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.pending = None
        self.window.show_error("Could not re-align the window", message)
        self.realign_failed.emit(message)

    def show(self, analysis, edits) -> None:
        """Show `analysis` (with its boundary edits) in every view: an undo step's state."""
        window = self.window
        window.analysis = analysis
        recomputer = window.recomputer  # layers computed for the old rows are stale
        recomputer.set_source(recomputer.model, recomputer.samples, recomputer.mel)
        window.results.reset()
        window.results.show_analysis(analysis, window.timeline.playhead)
        window.workbench.replace_analysis(analysis, edits)

    def shutdown(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None
            self._worker = None

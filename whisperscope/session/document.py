"""The annotation document: the one owner of what the window shows and the user works on.

It holds the open recording's facts (path, audio, spectrogram, model), the analysis run in
progress, the annotation (`session.annotation.Annotation`: the aligned analysis, the user's
edits, pins and tiers) with its undo history, and the reference the words are compared with.
It is changed only through its methods, and announces every change on `events` (psygnal
signals, napari's evented-model shape): each view connects to what it draws, nobody relays.

    document.events.times_changed.connect(word_list.show_times)
    document.apply(commands.move_boundary(document.annotation, ...), "move ...")

Engine events reach it through `apply_event` (the window's one worker path hands them over
on the UI thread), in order; each one becomes the announcement of the same fact. A run that
finishes replaces the annotation's analysis as one undo step (when one was shown: Analyse
Again, Align Transcript), a re-aligned window too (`replace_analysis`); a user action is one
step; a drag previews without a step (`preview`) and becomes one when it is let go.
Qt-free: psygnal calls the connected functions at once, on the thread that changed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from psygnal import Signal, SignalGroup

from whisperscope.engine.events import (
    AnalysisStarted,
    Failed,
    Finished,
    HypothesisChanged,
    Progress,
    TokenDecoded,
    WindowDone,
    WindowRetried,
    WindowStarted,
)
from whisperscope.session.annotation import Annotation, changed_parts
from whisperscope.session.job import (
    AudioLoaded,
    ModelLoaded,
    Notice,
    SpectrogramReady,
    WaveformReady,
)

MAX_HISTORY = 500  # undo steps kept


class DocumentEvents(SignalGroup):
    """What changed, as facts. Payloads are the new values (or the engine event itself)."""

    # the recording and the run in progress: the engine's facts, in the order they came
    recording_opened = Signal(object)  # the path (str), or None when closed
    audio_loaded = Signal(object)  # LoadedAudio
    spectrogram_ready = Signal(object)  # SpectrogramReady (pyramid, mel)
    waveform_ready = Signal(object)  # WaveformPyramid
    model_loaded = Signal(object)  # ModelLoaded
    notice = Signal(str)  # something the user should read (a fallback to the CPU ...)
    run_started = Signal(object)  # AnalysisStarted: the views clear the run's rows
    window_started = Signal(object)  # WindowStarted
    tokens_decoded = Signal(object)  # list[TokenDecoded]: those since the last frame
    window_retried = Signal(object)  # WindowRetried
    hypothesis_changed = Signal(object)  # HypothesisChanged
    window_done = Signal(object)  # WindowDone
    progress = Signal(object)  # Progress
    run_finished = Signal(object)  # the finished Analysis (it is also analysis_changed)
    run_failed = Signal(object)  # Failed; the annotation shown before the run is kept
    running_changed = Signal(bool)
    # the annotation: what the user works on (undoable)
    analysis_changed = Signal(object)  # another aligned analysis: views show it anew
    times_changed = Signal(object)  # the shown analysis: same words, times moved by hand
    pins_changed = Signal(object)  # frozenset of (word, side)
    tiers_changed = Signal(object)  # tuple of UserTier
    reference_changed = Signal(object)  # Reference or None
    history_changed = Signal()  # undo / redo texts, or unsaved state, changed


@dataclass(frozen=True)
class Step:
    text: str
    before: Annotation
    after: Annotation
    by_user: bool = True  # False: the engine's (a run finished), which can be run again


class AnnotationDocument:
    def __init__(self) -> None:
        self.events = DocumentEvents()
        self.path: str | None = None  # the recording
        self.audio = None  # LoadedAudio
        self.mel = None  # whisper's padded log-mel, where this process has it
        self.pyramid = None  # the spectrogram shown
        self.model = None  # LoadedModel or RemoteModel of the last run
        self.device = "auto"  # the device the model runs on
        self.reference = None  # session.reference.Reference
        self.session_path: str | None = None  # the .wscope it was saved to or opened from
        self.running = False
        self.run_kind = ""  # "analyse" | "transcript" | "session" while running
        self._run_anchors: tuple = ()
        self.annotation = Annotation()
        self._undo: list[Step] = []
        self._redo: list[Step] = []
        self._saved: Annotation | None = self.annotation  # what the saved file holds
        self._recovered = False  # restored after a crash: unsaved work, whatever it holds
        self._drag_from: Annotation | None = None
        self._handlers = {
            AudioLoaded: self._audio_loaded, SpectrogramReady: self._spectrogram_ready,
            WaveformReady: lambda e: self.events.waveform_ready.emit(e.pyramid),
            ModelLoaded: self._model_loaded, Notice: lambda e: self.events.notice.emit(
                e.message),
            AnalysisStarted: self.events.run_started.emit,
            WindowStarted: self.events.window_started.emit,
            TokenDecoded: lambda e: self.events.tokens_decoded.emit([e]),
            WindowRetried: self.events.window_retried.emit,
            HypothesisChanged: self.events.hypothesis_changed.emit,
            WindowDone: self.events.window_done.emit,
            Progress: self.events.progress.emit,
            Finished: self._finished, Failed: self._failed,
        }

    # --- reading ---------------------------------------------------------------------------
    @property
    def analysis(self):
        """The aligned analysis (None before one has finished)."""
        return self.annotation.analysis

    @property
    def shown(self):
        """The analysis every view and export reads: with the user's edits."""
        return self.annotation.shown

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_steps(self) -> int:
        return len(self._undo)

    @property
    def undo_text(self) -> str:
        return self._undo[-1].text if self._undo else ""

    @property
    def redo_text(self) -> str:
        return self._redo[-1].text if self._redo else ""

    @property
    def modified(self) -> bool:
        """Work that is in no saved file: an analysis never saved, or changed since."""
        if self.annotation.analysis is None:
            return False
        return self.annotation is not self._saved

    @property
    def has_user_work(self) -> bool:
        """Work that would be lost: any change since the last save, or, never saved, work by
        hand (edits, pins, tiers, a re-alignment step, work restored after a crash). A
        plain analysis can be run again: it is not asked about."""
        a = self.annotation
        by_user = any(step.by_user for step in self._undo)
        return self.modified and (self._saved is not None or bool(
            a.edits or a.token_edits or a.pins or a.tiers or by_user or self._recovered))

    # --- the recording and the run ---------------------------------------------------------
    def open_recording(self, path: str | None, annotation: Annotation | None = None) -> None:
        """Another recording (or none): its annotation starts empty (or as saved) and the
        history anew."""
        self.path = path
        self.audio = self.mel = self.pyramid = self.model = None
        self.session_path = None
        self._drag_from = None
        self._undo.clear()
        self._redo.clear()
        self._recovered = False
        self.events.recording_opened.emit(path)
        if self.reference is not None:  # it was the other recording's
            self.set_reference(None)
        self._set(annotation or Annotation(), force=True)
        self._saved = self.annotation if annotation is not None else None
        self.events.history_changed.emit()

    def start_run(self, kind: str, anchors=()) -> None:
        """An analysis of the open recording starts (`kind`: "analyse", "transcript" or
        "session"): what is shown stays until its events replace it. `anchors`: the pinned
        boundaries it was asked to keep (session.anchors.anchor_words): its result's sides
        on them are the pins then."""
        self._drag_from = None
        self.run_kind = kind
        self._run_anchors = tuple(anchors)
        self._set_running(True)

    def apply_event(self, event) -> None:
        """One engine (or job) event, in order: the fact it states, announced."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def tokens_decoded(self, events: list[TokenDecoded]) -> None:
        """Tokens decoded since the last frame, announced as one batch."""
        if events:
            self.events.tokens_decoded.emit(list(events))

    def cancel_run(self) -> None:
        if self.running:
            self._failed(Failed("Analysis cancelled.", "cancelled"))

    def _audio_loaded(self, event: AudioLoaded) -> None:
        self.audio = event.audio
        self.events.audio_loaded.emit(event.audio)

    def _spectrogram_ready(self, event: SpectrogramReady) -> None:
        self.pyramid, self.mel = event.pyramid, event.mel
        self.events.spectrogram_ready.emit(event)

    def _model_loaded(self, event: ModelLoaded) -> None:
        self.model, self.device = event.model, event.device
        self.events.model_loaded.emit(event)

    def _finished(self, event: Finished) -> None:
        kind, analysis = self.run_kind, event.analysis
        self._set_running(False)
        if kind == "session" or self.annotation.analysis is None:
            # a saved session (its edits came with it) or a first analysis: nothing to undo
            base = self.annotation if kind == "session" else Annotation()
            self._set(base.with_changes(analysis=analysis), force=True)
            if kind == "session":
                self._saved = self.annotation
        else:
            from whisperscope.session.anchors import pins_on

            text = "align the transcript" if kind == "transcript" else "analyse again"
            self.apply(self.annotation.with_changes(
                analysis=analysis, edits={}, token_edits={},
                pins=pins_on(analysis, self._run_anchors)), text, by_user=False)
        self.events.run_finished.emit(analysis)

    def _failed(self, event: Failed) -> None:
        was_running = self.running
        self._set_running(False)
        if was_running:
            self.events.run_failed.emit(event)

    def _set_running(self, running: bool) -> None:
        if running != self.running:
            self.running = running
            self.events.running_changed.emit(running)

    # --- the annotation: commands and history ----------------------------------------------
    def apply(self, after: Annotation, text: str, by_user: bool = True) -> bool:
        """`after` as one undo step named `text` (`by_user`: the user's work, not a run
        that can be repeated); False (nothing recorded) when it changes nothing."""
        before = self._drag_from if self._drag_from is not None else self.annotation
        self._drag_from = None
        if not changed_parts(before, after):
            self._set(before)
            return False
        self._undo.append(Step(text, before, after, by_user))
        del self._undo[:-MAX_HISTORY]
        self._redo.clear()
        self._set(after)
        self.events.history_changed.emit()
        return True

    def preview(self, after: Annotation) -> None:
        """Show `after` without an undo step (a drag in progress); `apply` or
        `cancel_preview` ends it."""
        if self._drag_from is None:
            self._drag_from = self.annotation
        self._set(after)

    def cancel_preview(self) -> None:
        if self._drag_from is not None:
            before, self._drag_from = self._drag_from, None
            self._set(before)

    @property
    def drag_origin(self) -> Annotation:
        """The annotation a drag in progress started from (else the current one)."""
        return self._drag_from if self._drag_from is not None else self.annotation

    def replace_analysis(self, analysis, text: str, **changes) -> bool:
        """Another aligned analysis of the same recording (a window re-aligned) as one undo
        step, with `changes` to the rest (edits, pins) that follow it."""
        return self.apply(self.annotation.with_changes(analysis=analysis, **changes), text)

    def undo(self) -> bool:
        self.cancel_preview()
        if not self._undo:
            return False
        step = self._undo.pop()
        self._redo.append(step)
        self._set(step.before)
        self.events.history_changed.emit()
        return True

    def redo(self) -> bool:
        self.cancel_preview()
        if not self._redo:
            return False
        step = self._redo.pop()
        self._undo.append(step)
        self._set(step.after)
        self.events.history_changed.emit()
        return True

    def mark_saved(self, session_path: str | None = None) -> None:
        """The annotation as it is now is in a file (a saved session)."""
        self._saved = self.annotation
        if session_path is not None:
            self.session_path = session_path
        self.events.history_changed.emit()

    def mark_recovered(self) -> None:
        """What is shown was restored after a crash: it is in no saved file."""
        self._saved, self._recovered = None, True
        self.events.history_changed.emit()

    def _set(self, after: Annotation, force: bool = False) -> None:
        before, self.annotation = self.annotation, after
        parts = changed_parts(before, after) if not force else {
            "analysis", "times", "pins", "tiers"}
        if "analysis" in parts:
            self.events.analysis_changed.emit(after.shown)
        elif "times" in parts or "pins" in parts:
            self.events.times_changed.emit(after.shown)
        if "pins" in parts:
            self.events.pins_changed.emit(after.pins)
        if "tiers" in parts:
            self.events.tiers_changed.emit(after.tiers)

    # --- the reference ---------------------------------------------------------------------
    def set_reference(self, reference) -> None:
        """Word times to compare with (None: none). Not an undo step: a file is read."""
        self.reference = reference
        self.events.reference_changed.emit(reference)

"""The worker that runs the engine on its own QThread and reports what happens as signals.

Everything heavy (torch, whisper, model weights) is imported and run here, never on the GUI
thread. Each engine event is emitted whole, as the frozen dataclass it is, on the signal named
for it; a few UI-side facts (audio loaded, spectrogram ready, model loaded, a notice) travel
the same way as small frozen dataclasses of their own.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from whisperscope.engine.events import (
    AnalysisStarted,
    Failed,
    Finished,
    Progress,
    TokenDecoded,
    WindowDone,
    WindowRetried,
    WindowStarted,
)
from whisperscope.session.model import AnalysisSettings

log = logging.getLogger(__name__)
DISPLAY_MELS = 80  # the bands shown; the analysis reuses them when its model reads 80 too
HOP = 160  # samples per mel frame


@dataclass(frozen=True)
class AnalysisJob:
    path: str
    model: str  # a bundled name (tiny.en, base) or a checkpoint path
    device: str = "auto"
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    analysis: Any = None  # a finished Analysis (a saved session): show it, run no model
    transcript: str | None = None  # the known text to align instead of decoding


@dataclass(frozen=True)
class AudioLoaded:
    audio: Any  # whisperscope.audio.loader.LoadedAudio


@dataclass(frozen=True)
class SpectrogramReady:
    pyramid: Any  # whisperscope.ui.spectrogram_pyramid.SpectrogramPyramid
    mel: Any  # whisper's padded log-mel (n_mels, frames + 3000), for recomputing attention


@dataclass(frozen=True)
class ModelLoaded:
    model: Any  # whisperscope.engine.models.LoadedModel
    device: str
    devices: dict[str, bool] = field(default_factory=dict)  # which devices exist here


@dataclass(frozen=True)
class Notice:
    message: str


class Engine:
    """The core functions the worker calls; imported on first use, on the worker thread.
    Tests pass a stand-in with the same four methods."""

    def load_audio(self, path: str):
        from whisperscope.audio.loader import load_audio

        return load_audio(path)

    def spectrogram(self, samples):
        """Whisper's log-mel with its 30 s of padding, exactly as the analysis computes it
        (the analysis and recomputing attention reuse it): (80, len(samples) // 160 + 3000)."""
        from whisperscope.audio.spectrogram import whisper_input_mel

        return whisper_input_mel(samples, DISPLAY_MELS)

    def load_model(self, name: str, device: str):
        from whisperscope.engine.models import best_offline_model, load_model

        return load_model(name or best_offline_model(), device=device)

    def analyze(self, audio, model, settings, cancel, mel=None, transcript=None):
        from whisperscope.engine.analyzer import analyze

        return analyze(audio, model, settings, cancel, mel=mel, transcript=transcript)

    def warm_up(self) -> None:
        """Load the alignment's JIT-compiled DTW now, while the model loads: its first call
        holds the GIL for 0.1-0.4 s, which would otherwise freeze the window mid-decode."""
        from whisperscope.engine.alignment import warm_up

        warm_up()

    def available_devices(self) -> dict[str, bool]:
        from whisperscope.engine.devices import available_devices

        return available_devices()


def _is_out_of_memory(error: BaseException) -> bool:
    return "out of memory" in str(error).lower() or type(error).__name__ == "OutOfMemoryError"


class AnalysisWorker(QObject):
    audio_loaded = Signal(object)  # AudioLoaded
    spectrogram_ready = Signal(object)  # SpectrogramReady
    model_loaded = Signal(object)  # ModelLoaded
    analysis_started = Signal(object)  # AnalysisStarted
    window_started = Signal(object)  # WindowStarted
    token_decoded = Signal(object)  # TokenDecoded
    window_retried = Signal(object)  # WindowRetried
    window_done = Signal(object)  # WindowDone
    progress_changed = Signal(object)  # Progress
    failed = Signal(object)  # Failed
    finished = Signal(object)  # Finished
    notice = Signal(object)  # Notice
    stopped = Signal()  # run() has returned; always the last signal

    def __init__(self, job: AnalysisJob, cancel, engine: Engine | None = None) -> None:
        super().__init__()
        self.job = job
        self.cancel_token = cancel
        self.engine = engine or Engine()
        self._signals = {
            AnalysisStarted: self.analysis_started, WindowStarted: self.window_started,
            TokenDecoded: self.token_decoded, WindowRetried: self.window_retried,
            WindowDone: self.window_done, Progress: self.progress_changed,
            Failed: self.failed, Finished: self.finished,
        }

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        except Exception as error:  # a bug: report it, never take the window down
            log.error("analysis worker failed:\n%s", traceback.format_exc())
            kind = "out_of_memory" if _is_out_of_memory(error) else "internal"
            self.failed.emit(Failed(f"Unexpected error: {error}", kind))
        finally:
            self.stopped.emit()

    def _cancelled(self) -> bool:
        if self.cancel_token.cancelled:
            self.failed.emit(Failed("Analysis cancelled.", "cancelled"))
            return True
        return False

    def _run(self) -> None:
        from whisperscope.errors import AudioError, ModelError

        job = self.job
        try:
            audio = self.engine.load_audio(job.path)
        except AudioError as error:
            self.failed.emit(Failed(str(error), "audio"))
            return
        self.audio_loaded.emit(AudioLoaded(audio))
        if self._cancelled():
            return
        from whisperscope.ui.spectrogram_pyramid import SpectrogramPyramid

        mel = self.engine.spectrogram(audio.samples)
        content = mel[:, : len(audio.samples) // HOP]  # the padding is not shown
        self.spectrogram_ready.emit(SpectrogramReady(SpectrogramPyramid(content), mel))
        if self._cancelled():
            return
        if job.analysis is not None:  # a saved session: replay it, no model needed
            from whisperscope.ui.session_replay import replay_events

            for event in replay_events(job.analysis):
                self._signals[type(event)].emit(event)
            return
        device = job.device
        while True:
            try:
                model = self.engine.load_model(job.model, device)
            except ModelError as error:
                self.failed.emit(Failed(str(error), "model"))
                return
            except Exception as error:
                if not _is_out_of_memory(error) or device == "cpu":
                    raise
                self.notice.emit(Notice(f"Not enough GPU memory to load {job.model}: "
                                        "using the CPU instead."))
                device = "cpu"
                continue
            self.engine.warm_up()
            try:
                devices = self.engine.available_devices()
            except Exception:  # the selector just stays as it is
                devices = {}
            self.model_loaded.emit(ModelLoaded(model, str(model.info.device), devices))
            if self._cancelled():
                return
            retry = False
            # only a transcript run passes one (stand-in engines need not know the argument)
            given = {} if job.transcript is None else {"transcript": job.transcript}
            for event in self.engine.analyze(audio, model, job.settings, self.cancel_token,
                                             mel=mel, **given):
                if (isinstance(event, Failed) and event.kind == "out_of_memory"
                        and device != "cpu" and not self.cancel_token.cancelled):
                    self.notice.emit(Notice("The GPU ran out of memory: analysing again on "
                                            "the CPU."))
                    device, retry = "cpu", True
                    break
                signal = self._signals.get(type(event))
                if signal is not None:
                    signal.emit(event)
            if not retry:
                return
            del model

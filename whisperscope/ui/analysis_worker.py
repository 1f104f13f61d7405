"""What one analysis job produces, as one stream of events, run on a worker thread.

`analysis_events` is a plain generator: it loads the audio, the spectrogram and the model
and then relays the engine's own events, yielding each one whole, in order. A
`GeneratorWorker` (ui/generator_worker.py) runs it on a thread and hands every yielded value
to the GUI thread through its single `yielded` signal (see `AnalysisController`).
Everything heavy (torch, whisper, model weights) is imported and run here, never on the GUI
thread. A few UI-side facts (audio loaded, spectrogram ready, model loaded, a notice) travel
the same way, as small frozen dataclasses of their own.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from whisperscope.engine.events import Failed
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
    transcript: str | None = None  # the recording's known text: time its words


@dataclass(frozen=True)
class AudioLoaded:
    audio: Any  # whisperscope.audio.loader.LoadedAudio


@dataclass(frozen=True)
class SpectrogramReady:
    pyramid: Any  # whisperscope.audio.spectrogram_pyramid.SpectrogramPyramid
    mel: Any  # whisper's padded log-mel (n_mels, frames + 3000), for recomputing attention
    # here; None where the engine's process keeps it


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
    Tests pass a stand-in with the same methods."""

    def load_audio(self, path: str):
        from whisperscope.audio.loader import load_audio

        return load_audio(path)

    def display_spectrogram(self, audio):
        """(the `SpectrogramPyramid` shown, its padding left out; the padded log-mel that
        analyze() and recompute() take here, or None where the engine keeps its own)."""
        from whisperscope.audio.spectrogram_pyramid import SpectrogramPyramid

        mel = self.spectrogram(audio)
        return SpectrogramPyramid(mel[:, : len(audio.samples) // HOP]), mel

    def spectrogram(self, audio):
        """Whisper's log-mel of `audio` (a LoadedAudio) with its 30 s of padding, exactly as
        the analysis computes it (the analysis and recomputing attention reuse it):
        (80, len(audio.samples) // 160 + 3000)."""
        from whisperscope.audio.spectrogram import whisper_input_mel

        return whisper_input_mel(audio.samples, DISPLAY_MELS)

    def load_model(self, name: str, device: str):
        from whisperscope.engine.models import best_offline_model, load_model

        return load_model(name or best_offline_model(), device=device)

    def analyze(self, audio, model, settings, cancel, mel=None, transcript=None):
        from whisperscope.engine.analyzer import analyze

        return analyze(audio, model, settings, cancel, mel=mel, transcript=transcript)

    def available_devices(self) -> dict[str, bool]:
        from whisperscope.engine.models.devices import available_devices

        return available_devices()

    def recompute(self, model, samples, window, mel=None):
        """Every layer/head's attention of a finished window (on the recomputer's thread)."""
        from whisperscope.engine.attention import recompute_window_attention

        return recompute_window_attention(model, samples, window, mel=mel)

    def realign(self, model, samples, mel, request, device: str):
        """(the records of a window re-aligned with edited words as a WindowDone, the
        model used): `model` is None for a saved session, then loaded here."""
        from whisperscope.engine.realign import realign_records

        if model is None:
            model = self.load_model(request.model_name, device)
        return realign_records(request, samples, model, mel=mel), model

    def close(self) -> None:
        """Nothing to release in this process."""


class ProcessEngine(Engine):
    """The engine in a child process (`engine.process`), the app's own: the window's
    process never imports torch, so loading the model cannot freeze it. The audio is read
    here (it plays here); the child computes the spectrogram, loads the model, decodes and
    recomputes attention. The child starts on `start()` or when first asked for anything,
    and imports the engine at once."""

    def __init__(self, threads: int = 0) -> None:
        self._threads = threads
        self._process = None
        self._starting = threading.Lock()  # the worker and recompute threads both ask

    def start(self) -> None:
        """Start the child now, unless it has started."""
        with self._starting:
            if self._process is None:
                from whisperscope.engine.process import EngineProcess

                self._process = EngineProcess(self._threads)

    @property
    def process(self):
        self.start()
        return self._process

    def spectrogram(self, audio):
        return self.process.spectrogram(audio, DISPLAY_MELS)

    def display_spectrogram(self, audio):
        # built there: this process gets the 8-bit images, never the float mel (115 MB
        # an hour), which the child keeps for the analysis and recomputing
        return self.process.spectrogram_pyramid(audio, DISPLAY_MELS), None

    def load_model(self, name: str, device: str):
        return self.process.load_model(name, device)

    def available_devices(self) -> dict[str, bool]:
        return self.process.available_devices()

    def analyze(self, audio, model, settings, cancel, mel=None, transcript=None):
        # the child has the audio and mel
        return self.process.analyze(settings, cancel, transcript)

    def recompute(self, model, samples, window, mel=None):
        return self.process.recompute(window)

    def realign(self, model, samples, mel, request, device: str):
        # the child has the audio, the mel and the model (or loads the session's)
        return self.process.realign(request, device), model

    def close(self) -> None:
        if self._process is not None:
            self._process.close()


def _is_out_of_memory(error: BaseException) -> bool:
    return "out of memory" in str(error).lower() or type(error).__name__ == "OutOfMemoryError"


def analysis_events(job: AnalysisJob, cancel, engine: Engine) -> Iterator[object]:
    """Every event of `job`, in order; a bug ends the stream with Failed(kind="internal"),
    never an exception. Stops early, quietly, once `cancel` is set (the controller has
    already told the views)."""
    try:
        yield from _job_events(job, cancel, engine)
    except Exception as error:  # a bug: report it, never take the window down
        log.error("analysis worker failed:\n%s", traceback.format_exc())
        kind = "out_of_memory" if _is_out_of_memory(error) else "internal"
        yield Failed(f"Unexpected error: {error}", kind)


def _job_events(job: AnalysisJob, cancel, engine: Engine) -> Iterator[object]:
    from whisperscope.errors import AudioError, ModelError

    try:
        audio = engine.load_audio(job.path)
    except AudioError as error:
        yield Failed(str(error), "audio")
        return
    yield AudioLoaded(audio)
    if cancel.cancelled:
        return
    pyramid, mel = engine.display_spectrogram(audio)
    yield SpectrogramReady(pyramid, mel)
    if cancel.cancelled:
        return
    if job.analysis is not None:  # a saved session: replay it, no model needed
        from whisperscope.ui.session_replay import replay_events

        yield from replay_events(job.analysis)
        return
    device = job.device
    while True:
        try:
            model = engine.load_model(job.model, device)
        except ModelError as error:
            yield Failed(str(error), "model")
            return
        except Exception as error:
            if not _is_out_of_memory(error) or device == "cpu":
                raise
            yield Notice(f"Not enough GPU memory to load {job.model}: using the CPU instead.")
            device = "cpu"
            continue
        try:
            devices = engine.available_devices()
        except Exception:  # the selector just stays as it is
            devices = {}
        yield ModelLoaded(model, str(model.info.device), devices)
        if cancel.cancelled:
            return
        retry = False
        # only a transcript run passes one (stand-in engines need not know the argument)
        given = {} if job.transcript is None else {"transcript": job.transcript}
        for event in engine.analyze(audio, model, job.settings, cancel, mel=mel, **given):
            if (isinstance(event, Failed) and event.kind == "out_of_memory"
                    and device != "cpu" and not cancel.cancelled):
                yield Notice("The GPU ran out of memory: analysing again on the CPU.")
                device, retry = "cpu", True
                break
            yield event
        if not retry:
            return
        del model

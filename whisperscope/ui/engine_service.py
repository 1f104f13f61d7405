"""The one engine service of the window: the same methods whether the engine runs in this
process (`Engine`, the tests' and a script's) or in its own (`ProcessEngine`, the app's).

Every caller names the model it needs (the document's analysis says which), never passes a
loaded one: the service loads it on first use and keeps it, so a window re-aligned or
recomputed in a reopened session starts the engine on demand, and a model loaded in the
engine's process is never mistaken for one here.

`analysis_events` is what one analysis job produces, as one stream of events, run on a worker
(ui/workers.py): it loads the audio, the spectrogram and the model and then relays the
engine's own events, yielding each one whole, in order. Everything heavy (torch, whisper,
model weights) is imported and run there, never on the UI thread. Qt-free.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterator

from whisperscope.engine.events import Failed
from whisperscope.session.job import (
    AnalysisJob,
    AudioLoaded,
    ModelLoaded,
    Notice,
    SpectrogramReady,
    WaveformReady,
)

log = logging.getLogger(__name__)
DISPLAY_MELS = 80  # the bands shown; the analysis reuses them when its model reads 80 too
HOP = 160  # samples per mel frame


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

    def model_for(self, name: str, device: str):
        """Model `name` on `device`, loaded on first use and kept (the last one only: a
        window's models are one at a time)."""
        lock = self.__dict__.setdefault("_model_lock", threading.Lock())
        with lock:
            kept = self.__dict__.get("_kept")
            if kept is not None and (name, device) in kept[0]:
                return kept[1]
            model = self.load_model(name, device)
            keys = {(name, device), (model.info.name, device),
                    (model.info.name, str(model.info.device))}
            self.__dict__["_kept"] = (keys, model)
            return model

    def analyze(self, audio, model, settings, cancel, mel=None, transcript=None, anchors=()):
        from whisperscope.engine.analyzer import analyze

        return analyze(audio, model, settings, cancel, mel=mel, transcript=transcript,
                       anchors=anchors)

    def available_devices(self) -> dict[str, bool]:
        from whisperscope.engine.models.devices import available_devices

        return available_devices()

    def recompute(self, window, model_name: str, device: str, samples, mel=None):
        """Every layer/head's attention of a finished window, with model `model_name`
        (loaded here on first use: a reopened session has none yet)."""
        from whisperscope.engine.attention import recompute_window_attention

        model = self.model_for(model_name, device)
        return recompute_window_attention(model, samples, window, mel=mel)

    def realign(self, request, device: str, samples, mel=None):
        """The records of a window re-aligned with edited words (a WindowDone), with the
        model it was analysed with (`request.model_name`, loaded here on first use)."""
        from whisperscope.engine.realign import realign_records

        model = self.model_for(request.model_name, device)
        return realign_records(request, samples, model, mel=mel)

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

    def analyze(self, audio, model, settings, cancel, mel=None, transcript=None, anchors=()):
        # the child has the audio and mel
        return self.process.analyze(settings, cancel, transcript, anchors)

    def model_for(self, name: str, device: str):
        return self.load_model(name, device)  # the child keeps it

    def recompute(self, window, model_name: str, device: str, samples=None, mel=None):
        # the child has the audio and the mel, and loads the model if it has not
        return self.process.recompute(window, model_name, device)

    def realign(self, request, device: str, samples=None, mel=None):
        return self.process.realign(request, device)

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
    from whisperscope.audio.waveform_pyramid import WaveformPyramid

    yield WaveformReady(WaveformPyramid(audio.samples))  # built here: this process plays it
    if cancel.cancelled:
        return
    if job.analysis is not None:  # a saved session: replay it, no model needed
        from whisperscope.ui.session_replay import replay_events

        yield from replay_events(job.analysis)
        return
    device = job.device
    while True:
        try:
            model = engine.model_for(job.model, device)
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
        # only a transcript run passes one, and anchors only where there are pins
        # (stand-in engines need not know the arguments)
        given = {} if job.transcript is None else {"transcript": job.transcript}
        if job.anchors:
            given["anchors"] = job.anchors
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

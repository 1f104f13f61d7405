"""The engine in a process of its own, so the window's process never imports torch.

Importing torch, whisper and numba and loading weights hold the GIL for up to hundreds of
milliseconds at a time (dynamic loading, module initialisation, big copies); on a thread of
the window's process that freezes the window however the work is split. In a child process
it cannot. `EngineProcess` starts the child (spawned: a fresh interpreter, no Qt state
inherited), which imports the heavy parts at once, before anyone asks for them, and then
serves requests on two pipes: one for the analysis (audio, spectrogram, model, events) and
one for recomputing a finished window's attention or re-aligning it with edited words, each
answered on its own thread there.

Events come back pickled. A window's attention is sent once, with its WindowDone; the
Analysis at the end refers to those same objects (by window index) instead of sending them
again. The child's own Analysis keeps none of the arrays (`analyze(keep_attention=False)`).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.events import Failed
from whisperscope.errors import AudioError, ModelError, WhisperScopeError
from whisperscope.session.attention_store import AttentionStore
from whisperscope.session.model import ModelInfo, WindowAttention
from whisperscope.termination import Terminated, end_with_parent, terminations_raised
from whisperscope.units import MEL_HOP_SAMPLES

POLL_S = 0.05  # how often a waiting analysis looks at its cancel flag
_ERRORS = {"model": ModelError, "audio": AudioError, "engine": WhisperScopeError}


@dataclass(frozen=True)
class RemoteModel:
    """A model loaded in the engine process: its facts here, its weights there."""

    info: ModelInfo


class EngineProcessError(RuntimeError):
    """The engine process failed or went away."""


# --- pickling that sends each window's attention once ------------------------------------
class _Sender(pickle.Pickler):
    def __init__(self, file, sent: set[int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.sent = sent

    def persistent_id(self, obj):
        if isinstance(obj, WindowAttention) and obj.index in self.sent:
            return obj.index
        return None


class _Receiver(pickle.Unpickler):
    def __init__(self, file, windows: dict[int, WindowAttention]) -> None:
        super().__init__(file)
        self.windows = windows

    def persistent_load(self, key):
        return self.windows[key]


_END = ("end",)  # the analysis has no more events; ("error", text) when it broke


def _send_event(conn, event, sent: set[int]) -> None:
    buffer = io.BytesIO()
    _Sender(buffer, sent).dump(event)
    conn.send_bytes(buffer.getbuffer())
    if _is_window_done(event):
        sent.add(event.attention.index)  # later events refer to it by its index


def _receive_event(conn, windows: dict[int, WindowAttention]):
    event = _Receiver(io.BytesIO(conn.recv_bytes()), windows).load()
    if _is_window_done(event):
        windows[event.attention.index] = event.attention
    return event


def _is_window_done(event) -> bool:
    return isinstance(getattr(event, "attention", None), WindowAttention)


# --- the child ---------------------------------------------------------------------------
class _SharedCancel(CancelToken):
    def __init__(self, event) -> None:
        self._event = event  # a multiprocessing.Event: the parent sets it


def _serve(analysis_conn, recompute_conn, cancel_event, threads: int) -> None:
    """The child's main: import the engine, then answer both pipes until the parent closes
    them. SIGTERM and SIGHUP end it as cleanly as a closed pipe (exit code 143, 129: its
    temporary files go); Ctrl+C in the window's terminal is the window's to handle; a
    window killed outright takes it along."""
    code = 0
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with terminations_raised():
        end_with_parent()
        try:
            _serve_pipes(analysis_conn, recompute_conn, cancel_event, threads)
        except Terminated as stop:
            code = stop.exit_code
    # the parent has gone or asked us to stop: end now, not through interpreter shutdown,
    # which would tear torch down under a recompute thread still waiting on its pipe
    os._exit(code)


def _serve_pipes(analysis_conn, recompute_conn, cancel_event, threads: int) -> None:
    from whisperscope import numba_on_demand

    numba_on_demand.install()  # our own process: before whisper is imported
    import torch

    if threads:
        torch.set_num_threads(threads)
    state: dict = {}
    recompute = threading.Thread(target=_serve_recompute, args=(recompute_conn, state),
                                 daemon=True)
    recompute.start()
    import whisperscope.engine.analyzer  # noqa: F401  (whisper, the decoder: now, not later)
    try:
        _serve_analysis(analysis_conn, cancel_event, state)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent went away mid-reply (closed while events were being sent)


def _reply(conn, fn, *args) -> bool:
    """Send ("ok", fn(*args)), or the error it raised; whether it was ok."""
    try:
        conn.send(("ok", fn(*args)))
        return True
    except WhisperScopeError as error:
        kind = next((k for k, cls in _ERRORS.items() if isinstance(error, cls)), "engine")
        conn.send(("error", kind, str(error)))
    except Exception as error:
        conn.send(("error", "internal", f"{type(error).__name__}: {error}"))
    return False


def _serve_analysis(conn, cancel_event, state: dict) -> None:
    from whisperscope.engine.analyzer import analyze
    from whisperscope.engine.models import best_offline_model, load_model
    from whisperscope.engine.models.devices import available_devices

    def set_audio(light, n_samples):
        samples = _receive_array(conn, (n_samples,))
        state["audio"], state["mel"] = replace(light, samples=samples), None
        state["n_frames"] = n_samples // MEL_HOP_SAMPLES  # the frames shown: not whisper's padding

    def spectrogram(n_mels):
        mel = _mel_for(state, n_mels)
        # the analysis and recomputing read the mel: the samples (230 MB an hour) go
        state["audio"] = state["audio"].without_samples()
        return mel

    def pyramid(n_mels):
        from whisperscope.audio.spectrogram_pyramid import SpectrogramPyramid

        state["pyramid"] = built = SpectrogramPyramid(spectrogram(n_mels)[:, : state["n_frames"]])
        return ([image.shape for image in built.images], built.factors, built.levels,
                built.n_frames)

    def model(name, device):
        state["model"] = load_model(name or best_offline_model(), device=device)
        return RemoteModel(state["model"].info)

    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        match request:
            case ("audio", light, n_samples):
                _reply(conn, set_audio, light, n_samples)
            case ("spectrogram", n_mels):
                if _reply(conn, lambda n: spectrogram(n).shape, n_mels):
                    _send_array(conn, np.asarray(state["mel"], np.float32))  # shape went first
            case ("pyramid", n_mels):
                if _reply(conn, pyramid, n_mels):
                    for image in state.pop("pyramid").images:  # their shapes went first
                        _send_array(conn, image)
            case ("model", name, device):
                _reply(conn, model, name, device)
            case ("devices",):
                _reply(conn, available_devices)
            case ("analyze", settings, transcript, anchors):
                cancel_event.clear()
                sent: set[int] = set()
                try:
                    try:
                        mel = _mel_for(state, state["model"].model.dims.n_mels)
                        events = analyze(state["audio"], state["model"], settings,
                                         _SharedCancel(cancel_event), mel=mel,
                                         transcript=transcript, keep_attention=False,
                                         anchors=anchors)
                    except AudioError as error:  # the file changed since it was opened
                        events = iter([Failed(str(error), "audio")])
                    for event in events:
                        _send_event(conn, event, sent)
                    conn.send_bytes(pickle.dumps(_END))
                except Exception as error:
                    conn.send_bytes(pickle.dumps(("error", "internal",
                                                  f"{type(error).__name__}: {error}")))


def _serve_recompute(conn, state: dict) -> None:
    """The side pipe: a finished window's every layer and head, or a window re-aligned
    with edited words, while the analysis pipe may be busy."""
    try:
        _answer_recompute(conn, state)
    except (BrokenPipeError, ConnectionResetError):
        return  # the parent went away mid-reply


def _answer_recompute(conn, state: dict) -> None:
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        match request:
            case ("recompute", window, model_name, device):
                _reply(conn, _recompute, state, window, model_name, device)
            case ("realign", realign, device):
                _reply(conn, _realign, state, realign, device)


def _recompute(state: dict, window, model_name: str, device: str) -> np.ndarray:
    from whisperscope.engine.attention import recompute_window_attention
    from whisperscope.engine.half import as_float16

    model = _model_named(state, model_name, device)
    return as_float16(recompute_window_attention(
        model, state["audio"].samples, window, mel=_mel_for(state, model.model.dims.n_mels)))


def _realign(state: dict, request, device: str):
    """The re-aligned window's records (a WindowDone), with the model it was analysed
    with."""
    from whisperscope.engine.realign import realign_records

    model = _model_named(state, request.model_name, device)
    return realign_records(request, state["audio"].samples, model,
                           mel=_mel_for(state, model.model.dims.n_mels))


def _model_named(state: dict, name: str, device: str):
    """The analysis's own model when it is `name`, else one loaded here once (a saved
    session's, whose analysis loaded none: the engine starts on demand)."""
    from whisperscope.engine.models import load_model

    model = state.get("model")
    if model is not None and name in (model.info.name, ""):
        return model
    key = (name, device)
    if state.get("side_model", (None,))[0] != key:
        state["side_model"] = (key, load_model(name, device=device))
    return state["side_model"][1]


_MEL_LOCK = threading.Lock()  # the analysis and the recompute thread share the mel


def _mel_for(state: dict, n_mels: int) -> np.ndarray:
    """The recording's padded log-mel with `n_mels` bands: the one kept, else computed
    from the samples, read again from the file once they have been let go (a model that
    reads another band count than the one shown, large-v3's 128)."""
    from whisperscope.audio.spectrogram import whisper_input_mel

    with _MEL_LOCK:
        mel = state.get("mel")
        if mel is None or mel.shape[0] != n_mels:
            audio = state["audio"]
            samples = audio.samples if audio.samples.size else _read_again(audio)
            state["mel"] = mel = whisper_input_mel(samples, n_mels)
        return mel


def _read_again(audio) -> np.ndarray:
    from whisperscope.audio.loader import load_audio

    again = load_audio(audio.path)
    if again.sha256 != audio.sha256:
        raise AudioError(f"'{Path(audio.path).name}' has changed on disk since it was "
                         "opened; open it again.")
    return again.samples


# the samples (to the child) and the mel (back) go in pieces of this many bytes, each read
# straight into its array: pickled whole, an hour of 16 kHz audio was 230 MB more on each
# side while it was sent, and its mel 115 MB
_ARRAY_CHUNK = 8 << 20


def _send_array(conn, array: np.ndarray) -> None:
    """An array's bytes, in pieces; `_receive_array` with its shape and dtype reads them."""
    flat = np.ascontiguousarray(array).reshape(-1)
    data = memoryview(flat).cast("B")
    for lo in range(0, len(data), _ARRAY_CHUNK):
        conn.send_bytes(data[lo: lo + _ARRAY_CHUNK])


def _receive_array(conn, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
    array = np.empty(shape, dtype)
    data = memoryview(array.reshape(-1)).cast("B")
    offset = 0
    while offset < len(data):
        offset += conn.recv_bytes_into(data, offset)
    return array


# --- the parent --------------------------------------------------------------------------
class EngineProcess:
    """The engine's child process and the two pipes to it. Methods mirror the in-process
    engine; each pipe is used by one thread at a time (the analysis worker, the
    recomputer), which the locks make sure of."""

    def __init__(self, threads: int = 0) -> None:
        context = multiprocessing.get_context("spawn")
        self._analysis, child_analysis = context.Pipe()
        self._recompute, child_recompute = context.Pipe()
        self._cancel = context.Event()
        self._analysis_lock = threading.Lock()
        self._recompute_lock = threading.Lock()
        self.process = context.Process(
            target=_serve, args=(child_analysis, child_recompute, self._cancel, threads),
            name="whisperscope-engine", daemon=True)
        self.process.start()
        child_analysis.close()
        child_recompute.close()

    def _call(self, conn, request, then=None):
        """Send `request` (and whatever `then(conn)` sends after it); its reply."""
        try:
            conn.send(request)
            if then is not None:
                then(conn)
            reply = conn.recv()
        except (EOFError, OSError) as error:
            raise EngineProcessError("the engine process has ended") from error
        if reply[0] == "ok":
            return reply[1]
        _, kind, message = reply
        raise _ERRORS.get(kind, EngineProcessError)(message)

    def spectrogram(self, audio, n_mels: int) -> np.ndarray:
        """Whisper's padded log-mel of `audio`, computed there. The child keeps the mel
        for the analysis and recomputing, not the samples (nor ever the playback copy)."""
        with self._analysis_lock:
            self._send_audio(audio)
            return self._mel(n_mels)

    def spectrogram_pyramid(self, audio, n_mels: int):
        """The `SpectrogramPyramid` of `audio` (its padding not shown), built there from
        the mel the child keeps: only the 8-bit images come here."""
        from whisperscope.audio.spectrogram_pyramid import SpectrogramPyramid

        with self._analysis_lock:
            self._send_audio(audio)
            shapes, factors, levels, n_frames = self._call(self._analysis, ("pyramid", n_mels))
            images = [_receive_array(self._analysis, shape, np.uint8) for shape in shapes]
        return SpectrogramPyramid.from_images(images, factors, levels, n_frames)

    def mel(self, n_mels: int) -> np.ndarray:
        """The padded log-mel with `n_mels` bands of the recording sent last."""
        with self._analysis_lock:
            return self._mel(n_mels)

    def _send_audio(self, audio) -> None:
        self._call(self._analysis, ("audio", audio.without_samples(), audio.samples.size),
                   lambda conn: _send_array(conn, np.asarray(audio.samples, np.float32)))

    def _mel(self, n_mels: int) -> np.ndarray:
        shape = self._call(self._analysis, ("spectrogram", n_mels))
        return _receive_array(self._analysis, shape)

    def load_model(self, name: str, device: str) -> RemoteModel:
        with self._analysis_lock:
            return self._call(self._analysis, ("model", name, device))

    def available_devices(self) -> dict[str, bool]:
        with self._analysis_lock:
            return self._call(self._analysis, ("devices",))

    def analyze(self, settings, cancel, transcript: str | None = None, anchors=()
                ) -> Iterator[object]:
        """The engine's events for the audio and model sent last; stops within a token once
        `cancel` is set. Closed early (a retired worker), it cancels the child's analysis
        and reads what is left of it, so the pipe is clean for the next request."""
        self._analysis_lock.acquire()
        ended = False
        windows: dict[int, WindowAttention] = {}
        store = AttentionStore()  # this analysis's attention, on disk (see _next_event)
        try:
            self._analysis.send(("analyze", settings, transcript, tuple(anchors)))
            while True:
                message = self._next_event(cancel, windows, store)
                if isinstance(message, tuple):
                    ended = True
                    if message[0] == "error":
                        raise EngineProcessError(message[2])
                    return
                yield message
        finally:
            try:
                if not ended and self.process.is_alive():
                    self._cancel.set()
                    while not isinstance(self._next_event(cancel, windows), tuple):
                        pass
            finally:
                store.close()  # what it kept stays readable
                self._analysis_lock.release()

    def _next_event(self, cancel, windows, store: AttentionStore | None = None):
        """The next event (or end message) from the child; a finished window's attention
        is moved into `store` as it arrives, so the window's process holds only the pages
        it reads (an hour of base's alignment heads is ~300 MB)."""
        while not self._analysis.poll(POLL_S):
            if cancel.cancelled:
                self._cancel.set()
            if not self.process.is_alive():
                raise EngineProcessError("the engine process has ended")
        if cancel.cancelled:
            self._cancel.set()
        event = _receive_event(self._analysis, windows)
        if store is not None and _is_window_done(event):
            store.keep_window(event.attention)  # in place: Finished refers to it by index
        return event

    def recompute(self, window: WindowAttention, model_name: str, device: str) -> np.ndarray:
        """Every layer/head's attention of a finished window (float16) with model
        `model_name` (loaded there if the analysis did not: a saved session), read from a
        temporary file of its own (base: ~14 MB a window, of which a view reads one head)."""
        with self._recompute_lock:
            full = self._call(self._recompute, ("recompute", window, model_name, device))
        with AttentionStore() as store:
            return store.keep(full)

    def realign(self, request, device: str):
        """The records (a WindowDone) of a window re-aligned with edited words
        (`window_splice.RealignRequest`), computed there: this process loads no model."""
        with self._recompute_lock:
            return self._call(self._recompute, ("realign", request, device))

    def close(self, timeout: float = 2.0) -> None:
        self._cancel.set()
        for conn in (self._analysis, self._recompute):
            conn.close()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout)

"""Headless entry points: from a file name and a model name to a finished Analysis."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from whisperscope.engine.analyzer import analyze
from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.events import EngineEvent, Failed, Finished
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.errors import (
    AnalysisCancelled,
    AudioError,
    ModelError,
    WhisperScopeError,
)
from whisperscope.session.model import Analysis, AnalysisSettings

if TYPE_CHECKING:
    from whisperscope.audio.loader import LoadedAudio
    from whisperscope.engine.models import LoadedModel

_ERRORS = {"audio": AudioError, "model": ModelError, "cancelled": AnalysisCancelled}


def load_inputs(
    audio_path: str | Path,
    model_name: str | None = None,
    device: str = "auto",
    *,
    hub_download: bool = False,
    fp16: bool = True,
    model_dir: str | Path | None = None,
) -> tuple[LoadedAudio, LoadedModel]:
    """The recording, then the model (default: the best one installed for offline use);
    `hub_download` lets a Hugging Face hub id missing from the cache be downloaded; `fp16`
    and `model_dir` as `load_model` takes them. Raises AudioError or ModelError with a
    message for the user."""
    from whisperscope.audio.loader import load_audio
    from whisperscope.engine.models import best_offline_model, load_model

    audio = load_audio(audio_path)
    return audio, load_model(model_name or best_offline_model(), device,
                             hub_download=hub_download, fp16=fp16, model_dir=model_dir)


def mel_and_release(audio: LoadedAudio, model: LoadedModel
                    ) -> tuple[np.ndarray, LoadedAudio]:
    """The padded log-mel `model` reads, and `audio` without its samples: a headless run
    reads only the mel, so it need not hold the 16 kHz samples (230 MB an hour) nor a
    playback copy through the analysis. Rebind the caller's `audio` to the second value."""
    from whisperscope.audio.spectrogram import whisper_input_mel

    mel = whisper_input_mel(audio.samples, model.model.dims.n_mels)
    return mel, audio.without_samples()


def run_to_completion(
    audio: LoadedAudio,
    model: LoadedModel,
    settings: AnalysisSettings = AnalysisSettings(),
    alignment: AlignmentOptions | None = None,
    on_event: Callable[[EngineEvent], None] | None = None,
    cancel: CancelToken | None = None,
    mel: np.ndarray | None = None,
    transcript: str | None = None,
    keep_attention: bool = True,
    anchors=(),
) -> Analysis:
    """Run the analysis to its end; return the Analysis or raise the WhisperScopeError that
    stopped it. `on_event` sees every event on the way (a progress bar); `anchors`: words
    whose times are kept (`analyze`)."""
    events = analyze(audio, model, settings, cancel, alignment or AlignmentOptions(), mel=mel,
                     transcript=transcript, keep_attention=keep_attention, anchors=anchors)
    for event in events:
        if on_event is not None:
            on_event(event)
        if isinstance(event, Failed):
            raise _ERRORS.get(event.kind, WhisperScopeError)(event.message)
        if isinstance(event, Finished):
            return event.analysis
    raise WhisperScopeError("the analysis ended without a result")

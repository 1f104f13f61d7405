"""Entry points that go from a file name to events or to a finished Analysis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import torch

from whisperscope.engine.alignment import AlignmentOptions
from whisperscope.engine.analyzer import analyze
from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.events import EngineEvent, Failed, Finished
from whisperscope.errors import (
    AnalysisCancelled,
    AudioError,
    ModelError,
    WhisperScopeError,
)
from whisperscope.session.model import Analysis, AnalysisSettings

_ERRORS = {"audio": AudioError, "model": ModelError, "cancelled": AnalysisCancelled}


def analyze_file(
    audio_path: str | Path,
    model_name: str | None = None,
    device: str = "auto",
    settings: AnalysisSettings = AnalysisSettings(),
    cancel: CancelToken | None = None,
    alignment: AlignmentOptions | None = None,
) -> Iterator[EngineEvent]:
    """Load the audio, then the model, then analyse; any failure becomes a Failed event."""
    from whisperscope.audio.loader import load_audio
    from whisperscope.engine.models import best_offline_model, load_model

    try:
        audio = load_audio(audio_path)
        model = load_model(model_name or best_offline_model(), device)
    except AudioError as error:
        yield Failed(str(error), "audio")
        return
    except ModelError as error:
        yield Failed(str(error), "model")
        return
    yield from analyze(audio, model, settings, cancel, alignment or AlignmentOptions())


def run_to_completion(
    audio_path: str | Path,
    model_name: str | None = None,
    device: str = "auto",
    language: str | None = None,
    threads: int = 0,
    alignment: AlignmentOptions | None = None,
    on_event: Callable[[EngineEvent], None] | None = None,
    cancel: CancelToken | None = None,
) -> Analysis:
    """Run headless; return the Analysis or raise the WhisperScopeError that stopped it."""
    if threads > 0:
        torch.set_num_threads(threads)
    settings = AnalysisSettings(language=language)
    for event in analyze_file(audio_path, model_name, device, settings, cancel, alignment):
        if on_event is not None:
            on_event(event)
        if isinstance(event, Failed):
            raise _ERRORS.get(event.kind, WhisperScopeError)(event.message)
        if isinstance(event, Finished):
            return event.analysis
    raise WhisperScopeError("the analysis ended without a result")

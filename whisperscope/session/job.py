"""One analysis job of the window and the facts it reports besides the engine's own events
(engine/events.py): the audio loaded, the spectrogram and the waveform ready, the model
loaded, a notice.
Small frozen dataclasses, Qt-free: the worker yields them, the document applies them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from whisperscope.engine.timing.anchors import AnchorWord
from whisperscope.session.model import AnalysisSettings


@dataclass(frozen=True)
class AnalysisJob:
    path: str
    model: str  # a bundled name (tiny.en, base) or a checkpoint path
    device: str = "auto"
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    analysis: Any = None  # a finished Analysis (a saved session): show it, run no model
    transcript: str | None = None  # the recording's known text: time its words
    anchors: tuple[AnchorWord, ...] = ()  # pinned words: the analysis keeps their times


@dataclass(frozen=True)
class AudioLoaded:
    audio: Any  # whisperscope.audio.loader.LoadedAudio


@dataclass(frozen=True)
class SpectrogramReady:
    pyramid: Any  # whisperscope.audio.spectrogram_pyramid.SpectrogramPyramid
    mel: Any  # whisper's padded log-mel (n_mels, frames + 3000), for recomputing attention
    # here; None where the engine's process keeps it


@dataclass(frozen=True)
class WaveformReady:
    pyramid: Any  # whisperscope.audio.waveform_pyramid.WaveformPyramid


@dataclass(frozen=True)
class ModelLoaded:
    model: Any  # whisperscope.engine.models.LoadedModel (or process.RemoteModel)
    device: str
    devices: dict[str, bool] = field(default_factory=dict)  # which devices exist here


@dataclass(frozen=True)
class Notice:
    message: str

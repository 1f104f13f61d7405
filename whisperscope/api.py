"""WhisperScope's Python API, in the shapes whisper's and stable-ts's users script against.

    import whisperscope

    result = whisperscope.transcribe("talk.wav", model="tiny.en")   # whisper's options too
    result["segments"][0]["words"][0]    # {"word": " Hello", "start": 0.512, "end": ...}
    whisperscope.write(result, "talk.srt", max_line_width=42, max_line_count=2)

    model = whisperscope.load_model("base", device="cpu")           # load once, use often
    result = model.transcribe("talk.wav", language="en", beam_size=5)
    aligned = model.align("talk.wav", "The text that is spoken.")     # time a known text

A result is the dict `whisper.transcribe(..., word_timestamps=True)` returns (`text`,
`segments` with their `words`, `language`) with WhisperScope's own facts beside it (token
times, alignment flags, warnings, the model and settings): the JSON `align --format json`
writes (session/exporters/json.py), times in seconds to the millisecond. It is a `Result`, a
dict that also keeps the full analysis (`result.analysis`, with the cross-attention) for
`write`. `write` also takes such a dict read back from JSON, and whisper's, WhisperX's or
stable-ts's results.

Importing this module loads no torch, whisper or Qt; they load on the first analysis.
Errors that are the caller's input (a missing file, an unknown model, an option whisper
rejects) are `whisperscope.errors.WhisperScopeError`s, or TypeError for an unknown keyword.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whisperscope.engine.timing.punctuation import (
    APPEND_PUNCTUATIONS,
    PREPEND_PUNCTUATIONS,
    WHISPER_APPEND_PUNCTUATIONS,
)
from whisperscope.errors import WhisperScopeError

if TYPE_CHECKING:
    from whisperscope.audio.loader import LoadedAudio
    from whisperscope.engine.models import LoadedModel
    from whisperscope.session.model import Analysis, AnalysisSettings

DEFAULT_MODEL = "tiny.en"

# whisper.transcribe's keywords that are AnalysisSettings fields of the same name
_SAME_NAMES = ("language", "task", "compression_ratio_threshold", "logprob_threshold",
               "no_speech_threshold", "condition_on_previous_text", "initial_prompt",
               "carry_initial_prompt", "beam_size", "best_of", "patience", "length_penalty",
               "prefix", "suppress_blank", "hallucination_silence_threshold")
# whisper.transcribe's keywords with only the value WhisperScope works with: words are
# always timed (by the cross-attention), with whisper's own punctuation merging
_FIXED = {"word_timestamps": (True,), "prepend_punctuations": (PREPEND_PUNCTUATIONS,),
          "append_punctuations": (APPEND_PUNCTUATIONS, WHISPER_APPEND_PUNCTUATIONS),
          "without_timestamps": (False,)}


class Result(dict):
    """whisper's result dict plus WhisperScope's keys (see the module docstring); the full
    analysis it was made from, attention included, is `analysis`."""

    def __init__(self, data: dict[str, Any], analysis: Analysis) -> None:
        super().__init__(data)
        self.analysis = analysis


class Model:
    """A loaded Whisper model, like stable-ts's: `transcribe` and `align` on it reuse the
    loaded weights. `whisper` is openai-whisper's own `Whisper` module."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded

    @property
    def whisper(self):
        return self.loaded.model

    @property
    def name(self) -> str:
        return self.loaded.info.name

    @property
    def device(self) -> str:
        return str(self.loaded.device)

    def __repr__(self) -> str:
        return f"<whisperscope.Model {self.name!r} on {self.device}>"

    def transcribe(self, audio, *, verbose: bool | None = None, **options) -> Result:
        """Transcribe `audio` (a file path, or 16 kHz mono float32 samples as whisper takes
        them) with `whisper.transcribe`'s keyword options and defaults: `temperature`,
        `compression_ratio_threshold`, `logprob_threshold`, `no_speech_threshold`,
        `condition_on_previous_text`, `initial_prompt`, `carry_initial_prompt`,
        `clip_timestamps`, `hallucination_silence_threshold`, and the decoding options
        `language`, `task`, `beam_size`, `best_of`, `patience`, `length_penalty`, `prefix`,
        `suppress_tokens`, `suppress_blank`, `fp16`. Words are always timed.
        `verbose`: None quiet, False a progress bar on stderr, True also each segment's
        text, as whisper prints them. Returns the Result."""
        return self._run(audio, None, verbose, options)

    def align(self, audio, text: str, *, verbose: bool | None = None, **options) -> Result:
        """Time the words of a known transcript `text` on `audio` instead of decoding
        (spelling, case and punctuation kept; words the audio does not support are marked
        `unaligned`). Takes `transcribe`'s options where they apply (`language`, ...)."""
        from whisperscope.engine.timing.transcript import transcript_text, transcript_words

        text = transcript_text(text)
        transcript_words(text)  # empty or punctuation only: one clear error now
        return self._run(audio, text, verbose, options)

    def _run(self, audio, transcript: str | None, verbose: bool | None,
             options: dict[str, Any]) -> Result:
        from whisperscope.cli.align import ProgressBar
        from whisperscope.engine.run import run_to_completion
        from whisperscope.session.exporters.json import analysis_to_dict

        settings = settings_from_options(options, self.loaded)
        loaded_audio = _load_audio(audio)
        progress = ProgressBar() if verbose is not None else None
        try:
            analysis = run_to_completion(loaded_audio, self.loaded, settings,
                                         on_event=progress.update if progress else None,
                                         transcript=transcript)
        finally:
            if progress is not None:
                progress.close()
        for warning in analysis.warnings:
            warnings.warn(warning, stacklevel=3)
        if verbose:
            _print_segments(analysis)
        return Result(analysis_to_dict(analysis), analysis)


def load_model(name_or_path: str | os.PathLike = DEFAULT_MODEL, device: str = "auto", *,
               download: bool = True) -> Model:
    """Load a Whisper model once for many analyses: a name ("tiny.en", "base", "small",
    ...: `~/.cache/whisper/NAME.pt`, then the bundled packages, then whisper's download when
    `download`), an openai-whisper `.pt`, a CTranslate2 or Hugging Face folder, or a
    Hugging Face hub id in the local cache. `device`: "auto", "cpu", "cuda", "cuda:N" or
    "mps" (float16 on CUDA). Raises ModelError saying what was tried."""
    from whisperscope.engine.models import load_model as load

    return Model(load(name_or_path, device, download=download))


def transcribe(audio, model: str | os.PathLike | Model = DEFAULT_MODEL, *,
               device: str = "auto", verbose: bool | None = None, **options) -> Result:
    """`whisper.transcribe(model, audio, word_timestamps=True, **options)`, done by
    WhisperScope: the same result dict, with WhisperScope's word and token times and facts
    beside it. `model` is a Model or what `load_model` takes (loaded for this call only).
    See `Model.transcribe` for the options."""
    settings_from_options(options)  # a bad value is refused before any model loads
    return _model(model, device).transcribe(audio, verbose=verbose, **options)


def align(audio, text: str, model: str | os.PathLike | Model = DEFAULT_MODEL, *,
          device: str = "auto", verbose: bool | None = None, **options) -> Result:
    """Time the words of `text`, the known transcript of `audio` (stable-ts's
    `model.align(audio, text)`); see `Model.align`."""
    settings_from_options(options)  # a bad value is refused before any model loads
    return _model(model, device).align(audio, text, verbose=verbose, **options)


def write(result: dict[str, Any], path: str | os.PathLike, format: str | None = None,
          **options) -> Path:
    """Write a result to `path` atomically in `format` (default: from the suffix): json,
    srt, vtt, txt, tsv, textgrid, eaf, aud or npz (npz needs a Result with its attention).
    Options as the exporters take them: `word_level`, `highlight_words`, `max_line_width`,
    `max_line_count`, `max_words_per_line` (SRT, VTT), `tiers` (EAF). `result` may be a
    Result, our JSON read back, or whisper's / WhisperX's / stable-ts's result dict.
    Raises ExportError."""
    from whisperscope.session import exporters

    return exporters.export(analysis_of(result), path, format, **options)


def read(path: str | os.PathLike, audio: str | os.PathLike | None = None) -> Result:
    """A result from a file: our JSON whole, or any transcript the importers read (whisper,
    WhisperX or stable-ts JSON, SRT, VTT, TextGrid, EAF, Audacity labels, TSV) as segments
    and words; `audio` names the recording it belongs to. Raises ImportFileError."""
    from whisperscope.session.exporters.json import analysis_to_dict
    from whisperscope.session.importers import read_analysis

    analysis = read_analysis(path, audio)
    return Result(analysis_to_dict(analysis), analysis)


def analysis_of(result: dict[str, Any]) -> Analysis:
    """The Analysis behind a result dict (see `write`)."""
    from whisperscope.session.exporters import json as json_format
    from whisperscope.session.importers.json_results import document_from_data
    from whisperscope.session.importers.to_analysis import document_analysis

    if isinstance(result, Result):
        return result.analysis
    if not isinstance(result, dict):
        raise TypeError(f"a result is a dict, not {type(result).__name__}")
    if json_format.is_ours(result):
        return json_format.analysis_from_dict(result)
    return document_analysis(document_from_data(result, "result"))


# -- options -----------------------------------------------------------------------------------


def settings_from_options(options: dict[str, Any], model: LoadedModel | None = None
                          ) -> AnalysisSettings:
    """AnalysisSettings from `whisper.transcribe`'s keywords (with its defaults for the rest);
    TypeError for a keyword whisper does not have, WhisperScopeError for a value it
    rejects."""
    from whisperscope.engine.decoding.options import check_settings
    from whisperscope.session.model import AnalysisSettings

    options = dict(options)
    for name, values in _FIXED.items():
        if name in options and options.pop(name) not in values:
            raise WhisperScopeError(f"{name}={values[0]!r} is the only value WhisperScope "
                                    "supports (it always times words its own way)")
    fp16 = options.pop("fp16", None)
    if fp16 is False and model is not None and model.info.dtype == "float16":
        raise WhisperScopeError("fp16=False: this model was loaded in float16 (on CUDA); "
                                "load it on the CPU for float32")
    if fp16 and model is not None and model.info.dtype != "float16":
        warnings.warn("FP16 is not supported on CPU; using FP32 instead", stacklevel=4)
    fields: dict[str, Any] = {name: options.pop(name) for name in _SAME_NAMES
                              if name in options}
    if "temperature" in options:
        fields["temperatures"] = _temperatures(options.pop("temperature"))
    if "clip_timestamps" in options:
        fields["clip_timestamps"] = _clips(options.pop("clip_timestamps"))
    if "suppress_tokens" in options:
        fields["suppress_tokens"] = _suppress(options.pop("suppress_tokens"))
    if "sample_len" in options:
        fields["max_tokens_per_window"] = options.pop("sample_len")
    if options:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(options))}")
    settings = AnalysisSettings(**fields)
    check_settings(settings, model.model.dims.n_vocab if model is not None else None)
    return settings


def _temperatures(value) -> tuple[float, ...]:
    if isinstance(value, int | float):
        return (float(value),)
    return tuple(float(t) for t in value)


def _clips(value) -> tuple[float, ...]:
    """whisper's clip_timestamps: "start,end,..." or a list of seconds; "0" is everything."""
    if isinstance(value, str):
        value = [float(t) for t in value.split(",") if t.strip()]
    clips = tuple(float(t) for t in value)
    return () if clips in ((0.0,), ()) else clips


def _suppress(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return ",".join(str(int(t)) for t in value)


# -- inputs ------------------------------------------------------------------------------------


def _model(model: str | os.PathLike | Model, device: str) -> Model:
    return model if isinstance(model, Model) else load_model(model, device)


def _load_audio(audio) -> LoadedAudio:
    """A recording from a path, or from samples as whisper takes them (16 kHz mono float32,
    a numpy array or a torch tensor)."""
    from whisperscope.audio.loader import load_audio

    if isinstance(audio, str | os.PathLike):
        return load_audio(audio)
    return _samples_audio(audio)


def _samples_audio(samples) -> LoadedAudio:
    import numpy as np

    from whisperscope.audio.loader import LoadedAudio
    from whisperscope.errors import AudioError
    from whisperscope.units import SAMPLE_RATE, samples_to_seconds

    if hasattr(samples, "detach"):  # a torch tensor
        samples = samples.detach().cpu().numpy()
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim != 1 or array.size == 0:
        raise AudioError(f"audio samples must be one channel of 16 kHz samples (shape (n,)), "
                         f"not shape {array.shape}")
    if not np.isfinite(array).all():
        raise AudioError("audio samples hold NaN or infinite values")
    return LoadedAudio(path=Path("<samples>"), samples=array, original=array[:, None],
                       original_rate=SAMPLE_RATE, channels=1,
                       duration=samples_to_seconds(array.size), sha256="")


def _print_segments(analysis: Analysis) -> None:
    from whisper.utils import format_timestamp

    for segment in analysis.segments:
        print(f"[{format_timestamp(segment.start)} --> {format_timestamp(segment.end)}]"
              f"{segment.text}", file=sys.stdout)


__all__ = ["Model", "Result", "align", "load_model", "read", "transcribe", "write"]

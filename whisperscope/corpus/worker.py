"""One recording in, its outputs out (one per format): what every runner (this process,
worker processes, Dask workers) calls for each file.

The model is loaded once per process and kept in a module-level cache keyed by what loads
it (model, device, precision, checkpoint folder), so a worker that aligns a thousand files
loads it once. Analyses in one process run one at a time (they share that one model
object, and torch's threads are the process's anyway), so a Dask worker with several
threads is safe, if no faster.

Every runner turns the analysis into the same bytes with `outputs_bytes` and writes them
with `write_output` (atomically), so a file's output does not depend on how it was made.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from whisperscope.corpus.plan import FileJob
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.errors import ExportError, ModelError, WhisperScopeError
from whisperscope.session.atomic import atomic_write_bytes, describe_os_error
from whisperscope.session.model import AnalysisSettings

if TYPE_CHECKING:
    from whisperscope.engine.models import LoadedModel
    from whisperscope.session.model import Analysis


@dataclass(frozen=True)
class JobConfig:
    """Everything a worker needs besides the file: small and picklable (it travels to worker
    processes and Dask workers)."""

    model: str | None = None  # None: the best model installed for offline use
    device: str = "auto"
    formats: tuple[str, ...] = ("json",)  # one output per format, in FileJob.outputs' order
    export_options: tuple[tuple[str, object], ...] = ()  # each format takes its share
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    alignment: AlignmentOptions = field(default_factory=AlignmentOptions)
    threads: int = 0  # torch threads in the worker; 0: leave them as they are
    transcript: str | None = None  # "auto": time the X.lab / X.txt beside each recording
    fp16: bool = True  # half precision on CUDA (whisper's --fp16)
    model_dir: str | None = None  # openai-whisper checkpoints' folder (whisper's --model_dir)


@dataclass(frozen=True)
class FileResult:
    source: Path
    output: Path  # the first of the recording's outputs (the one named in messages)
    seconds: float = 0.0  # audio analysed (the recording's duration)
    error: str = ""  # why it failed, one line; "" when it succeeded
    fatal: bool = False  # the model could not be loaded: no file can succeed
    data: tuple[bytes, ...] | None = None  # the outputs, when the caller writes them
    warnings: tuple[str, ...] = ()  # e.g. a damaged file read as far as possible

    @property
    def ok(self) -> bool:
        return not self.error


_MODELS: dict[tuple[str, str, bool, str | None], LoadedModel] = {}
_RUN_LOCK = threading.Lock()


def cached_model(name: str | None, device: str, fp16: bool = True,
                 model_dir: str | None = None) -> LoadedModel:
    """The model, loaded on first use in this process and kept for the next files."""
    from whisperscope.engine.models import best_offline_model, load_model

    key = (name or best_offline_model(), device, fp16, model_dir)
    if key not in _MODELS:
        _MODELS[key] = load_model(key[0], device, fp16=fp16, model_dir=model_dir)
    return _MODELS[key]


def align_file(job: FileJob, config: JobConfig, write: bool = True,
               on_progress: Callable[[float], None] | None = None) -> FileResult:
    """Analyse `job.source` and write `job.outputs` (or return their bytes when not
    `write`).

    Never raises for a bad file: the reason comes back in FileResult.error.
    `on_progress(seconds_done)` follows the analysis inside the file."""
    with _RUN_LOCK:
        _set_threads(config.threads)
        try:
            model = cached_model(config.model, config.device, config.fp16, config.model_dir)
        except ModelError as error:
            return FileResult(job.source, job.output, error=str(error), fatal=True)
        try:
            analysis, warnings = _analyse(job.source, model, config, on_progress)
            data = outputs_bytes(analysis, config)
            if write:
                for path, content in zip(job.outputs, data, strict=True):
                    write_output(path, content)
        except WhisperScopeError as error:
            return FileResult(job.source, job.output, error=str(error))
        except Exception as error:  # noqa: BLE001 - one file's bug must not stop a corpus
            return FileResult(job.source, job.output,
                              error=f"internal error: {type(error).__name__}: {error}")
        return FileResult(job.source, job.output, seconds=analysis.audio.duration,
                          data=None if write else data, warnings=warnings)


def outputs_bytes(analysis: Analysis, config: JobConfig) -> tuple[bytes, ...]:
    """The bytes of each of the config's formats, with its share of the export options."""
    from whisperscope.session.export_sets import options_by_format

    shares = options_by_format(config.formats, dict(config.export_options))
    return tuple(output_bytes(analysis, fmt, shares[fmt]) for fmt in config.formats)


def output_bytes(analysis: Analysis, fmt: str, options: dict) -> bytes:
    """The bytes `exporters.export(analysis, path, fmt, **options)` writes."""
    from whisperscope.session import exporters

    if fmt in exporters.TEXT_FORMATS:
        return exporters.to_text(analysis, fmt, **options).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="whisperscope-") as folder:
        path = Path(folder) / f"output.{fmt}"
        return exporters.export(analysis, path, fmt, **options).read_bytes()


def write_output(path: Path, data: bytes) -> None:
    """Create the output's folders and write it atomically (ExportError when it can't)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {describe_os_error(error)}") from None
    atomic_write_bytes(path, data)


def _analyse(source: Path, model: LoadedModel, config: JobConfig,
             on_progress: Callable[[float], None] | None) -> tuple[Analysis, tuple[str, ...]]:
    from whisperscope.audio.loader import load_audio
    from whisperscope.engine.events import Progress
    from whisperscope.engine.run import mel_and_release, run_to_completion

    transcript = None
    if config.transcript == "auto":
        from whisperscope.corpus.discovery import transcript_for
        from whisperscope.engine.timing.transcript import TranscriptError, read_transcript

        found = transcript_for(source)
        if found is None:
            raise TranscriptError(f"no {source.with_suffix('.lab').name} or "
                                  f"{source.with_suffix('.txt').name} beside it")
        transcript = read_transcript(found)
    mel, audio = mel_and_release(load_audio(source), model)

    def follow(event) -> None:
        if isinstance(event, Progress):
            on_progress(event.done)

    from whisperscope.session.exporters import reads_attention

    analysis = run_to_completion(audio, model, config.settings, config.alignment,
                                 on_event=follow if on_progress else None,
                                 mel=mel, transcript=transcript,
                                 keep_attention=any(map(reads_attention, config.formats)))
    flagged = sum(w.unaligned for w in analysis.words)
    warnings = audio.warnings
    if flagged:
        warnings += (f"{flagged} of {len(analysis.words)} transcript words not supported by "
                     "the audio (unaligned)",)
    return analysis, warnings


def _set_threads(threads: int) -> None:
    if threads > 0:
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)

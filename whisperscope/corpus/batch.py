"""A batch run from start to end: find the recordings, plan (resume), run them here, in
worker processes or on Dask, report as they finish, and sum up.

Usage errors (an input that does not exist, colliding outputs, an output folder that
cannot be written, a model that cannot be loaded) raise WhisperScopeError before or
instead of any analysis. A bad recording is a failure: reported, listed in
OUT/failures.tsv, and the rest go on.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from whisperscope.corpus import discovery, local, plan, report
from whisperscope.corpus.worker import FileResult, JobConfig
from whisperscope.errors import ModelError, WhisperScopeError
from whisperscope.session.atomic import describe_os_error, remove_stale_parts
from whisperscope.session.export_sets import output_suffix


@dataclass(frozen=True)
class BatchOptions:
    out_dir: Path
    overwrite: bool = False
    jobs: int = 0  # worker processes; 0: fit the machine, 1: this process
    dask: str | None = None  # a scheduler's address: run there instead
    dask_return: bool = False  # Dask workers send outputs back instead of writing them
    quiet: bool = False


@dataclass(frozen=True)
class Summary:
    done: int
    skipped: int
    failures: tuple[tuple[Path, str], ...]
    seconds: float  # audio analysed
    wall: float  # wall seconds of the whole run

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


def _refuse_transcript_places(sources, outputs: list[Path]) -> None:
    """WhisperScopeError when an output would be a recording's X.txt / X.lab beside it:
    in MFA's corpus layout that is its transcript (a plain-text run into the corpus itself
    would replace, or skip as done, the user's transcripts)."""
    for source, output in zip(sources, outputs, strict=True):
        if output.suffix.lower() in discovery.TRANSCRIPT_SUFFIXES and (
                os.path.normcase(str(output.with_suffix("")))
                == os.path.normcase(str(source.path.absolute().with_suffix("")))):
            raise WhisperScopeError(
                f"{output} is where {source.path.name}'s transcript goes; write "
                f"{output.suffix} files to another --output-dir")


def run_batch(inputs: Sequence[str], config: JobConfig, options: BatchOptions) -> Summary:
    started = time.monotonic()
    sources = discovery.find_sources(inputs)
    if not sources:
        raise WhisperScopeError("no audio or video files found in "
                                + ", ".join(str(i) for i in inputs))
    out_dir = options.out_dir.expanduser().absolute()
    by_format = [discovery.output_paths(sources, out_dir, output_suffix(fmt))
                 for fmt in config.formats]
    for outputs in by_format:
        _refuse_transcript_places(sources, outputs)
    _prepare_out_dir(out_dir)
    work = plan.make_plan(sources, list(zip(*by_format, strict=True)), options.overwrite)
    remove_stale_parts(path for job in work.pending for path in job.outputs)
    failures: list[tuple[Path, str]] = []

    progress = report.CorpusProgress(len(work.pending), work.pending_seconds, options.quiet)
    results = _results(work.pending, config, options, progress)
    done = 0
    seconds = 0.0
    try:
        for job, result in results:
            progress.file_done(job.seconds, result.seconds)
            for warning in result.warnings:
                progress.say(f"whisperscope: warning: {warning}")
            if result.fatal:
                raise ModelError(result.error)
            if result.ok:
                done += 1
                seconds += result.seconds
            else:
                failures.append((job.source, result.error))
                report.write_failures(out_dir, failures)
                progress.say(f"whisperscope: failed: {job.source}: {result.error}")
    finally:
        results.close()  # stops worker processes or cancels Dask tasks when leaving early
        progress.close()
    return Summary(done, len(work.skipped), tuple(failures), seconds,
                   time.monotonic() - started)


def _results(jobs: Sequence[plan.FileJob], config: JobConfig, options: BatchOptions,
             progress: report.CorpusProgress) -> Iterator[tuple[plan.FileJob, FileResult]]:
    """(job, result) pairs as files finish, from the runner the options choose."""
    if not jobs:
        return
    by_source = {job.source: job for job in jobs}
    if options.dask:
        from whisperscope.corpus.dask_run import connect, run_on_dask

        client = connect(options.dask)
        try:
            for result in run_on_dask(client, jobs, config, options.dask_return):
                yield by_source[result.source], result
        finally:
            client.close()
        return
    n_workers, threads = local.worker_layout(
        len(jobs), local.cpu_count(), local.available_memory(), options.jobs, config.threads,
        accelerator=options.jobs <= 0 and _on_accelerator(config.device))
    if n_workers == 1:
        # here, threads as asked (0: torch's default, as a single-file `align` has them)
        results = local.run_in_process(
            jobs, config, lambda job, done: progress.within_file(done))
    else:
        results = local.run_in_workers(jobs, replace(config, threads=threads), n_workers)
    try:
        for result in results:
            yield by_source[result.source], result
    finally:
        results.close()


def _on_accelerator(device: str) -> bool:
    """Whether the model runs on a GPU (one process keeps it busy). Asks torch for "auto"."""
    if device == "cpu":
        return False
    from whisperscope.engine.models.devices import resolve_device

    return resolve_device(device) != "cpu"


def _prepare_out_dir(out_dir: Path) -> None:
    """Create OUT, check that it takes files, and clear a previous run's failures.tsv."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WhisperScopeError(f"cannot create {out_dir}: {describe_os_error(error)}") from None
    try:
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".whisperscope-", suffix=".probe"):
            pass
        report.clear_failures(out_dir)
    except OSError as error:
        raise WhisperScopeError(f"cannot write in {out_dir}: {describe_os_error(error)}"
                                ) from None

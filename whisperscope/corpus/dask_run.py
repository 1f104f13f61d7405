"""Run the jobs on an existing Dask cluster: one task per file.

Each task is `worker.align_file`, so a Dask worker process loads the model once (the
module-level cache) and keeps it for every file it gets. Workers read the recordings from
the paths given, so the corpus must be on storage they all see. Outputs are written by the
workers (the output folder must be shared too) or, with `return_outputs`, sent back and
written by this process.

Start workers with one thread each (`dask worker ADDRESS --nthreads 1 --nworkers N`, or
dask-jobqueue's `processes=N, cores=N`): analyses in one process run one at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

from whisperscope.corpus.plan import FileJob
from whisperscope.corpus.worker import FileResult, JobConfig, align_file, write_output
from whisperscope.errors import WhisperScopeError

INSTALL_HINT = "pip install 'whisperscope[cluster]'"
CONNECT_TIMEOUT = "20s"


def connect(address: str):
    """A distributed.Client on the scheduler at `address`; WhisperScopeError if there is
    no Dask here or no scheduler there."""
    try:
        from distributed import Client
    except ImportError:
        raise WhisperScopeError(f"--dask needs dask and distributed ({INSTALL_HINT})") from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise WhisperScopeError(
            f"cannot reach the Dask scheduler at {address}: {error}") from None


def run_on_dask(client, jobs: Sequence[FileJob], config: JobConfig,
                return_outputs: bool = False) -> Iterator[FileResult]:
    """Submit every job to `client`'s cluster; yield results as tasks finish. Leaving early
    (Ctrl+C, a fatal error) cancels the tasks not yet done."""
    from distributed import as_completed

    futures = {}
    for job in jobs:
        key = f"whisperscope-align-{job.source.name}-{uuid.uuid4().hex[:12]}"
        futures[client.submit(align_file, job, config, write=not return_outputs, key=key,
                              pure=False)] = job
    try:
        for future in as_completed(list(futures), loop=client.loop):
            job = futures.pop(future)
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - e.g. KilledWorker: this file only
                reason = str(error) or type(error).__name__
                result = FileResult(job.source, job.output, error=f"Dask task failed: {reason}")
            future.release()  # the scheduler forgets it: results do not pile up
            if return_outputs and result.ok:
                result = _write_returned(result, job)
            yield result
    finally:
        if futures:
            client.cancel(list(futures))


def _write_returned(result: FileResult, job: FileJob) -> FileResult:
    from dataclasses import replace

    try:
        for path, data in zip(job.outputs, result.data or (), strict=True):
            write_output(path, data)
    except WhisperScopeError as error:
        return replace(result, error=str(error), data=None)
    return replace(result, data=None)

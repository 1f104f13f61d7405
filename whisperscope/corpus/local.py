"""Run the jobs on this machine: in this process, or in N worker processes.

Worker processes are started with "spawn" (torch's thread pools do not survive a fork),
each loads the model once (worker.cached_model) and runs `threads` torch threads, so
N x threads fits the cores. A worker that dies (out of memory, a crash in a native
library) takes the results of every file in flight with it: those go on in a fresh pool,
and a file that was in flight when a worker died twice fails (it is likely the cause).

Ctrl+C, SIGTERM, SIGHUP: workers ignore SIGINT and SIGHUP; the main process (which turns
SIGTERM and SIGHUP into an exception, as Ctrl+C is one: whisperscope.termination) stops them
with SIGTERM, which they turn into SystemExit, so an output being written is abandoned and
its temporary file removed. A main process killed outright (kill -9) takes them with it.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from whisperscope.corpus.plan import FileJob
from whisperscope.corpus.worker import FileResult, JobConfig, align_file
from whisperscope.termination import end_with_parent

MEMORY_PER_WORKER = 1_500_000_000  # bytes: a base model, a long recording, its attention
WORKER_DIED = "a worker process died twice while this file was in flight (out of memory?)"


def cpu_count() -> int:
    """The cores this process may use (affinity and cgroup limits count, via sched)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo in bytes, or None where there is none."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def worker_layout(n_files: int, cpus: int, memory: int | None, jobs: int = 0,
                  threads: int = 0, accelerator: bool = False) -> tuple[int, int]:
    """(worker processes, torch threads each). `jobs`/`threads` > 0 are the user's choice;
    otherwise one worker per core (one on a GPU, which one process keeps busy), no more
    workers than files or than memory holds, and the cores split between the workers."""
    if jobs <= 0:
        jobs = 1 if accelerator else cpus
        if memory is not None:
            jobs = min(jobs, max(1, memory // MEMORY_PER_WORKER))
        jobs = max(1, min(jobs, n_files))
    if threads <= 0:
        threads = max(1, cpus // jobs)
    return jobs, threads


def run_in_process(jobs: Sequence[FileJob], config: JobConfig,
                   on_progress: Callable[[FileJob, float], None] | None = None
                   ) -> Iterator[FileResult]:
    """One file after another here; `on_progress(job, seconds_done)` follows each file."""
    for job in jobs:
        follow = (lambda done, job=job: on_progress(job, done)) if on_progress else None
        yield align_file(job, config, on_progress=follow)


def run_in_workers(jobs: Sequence[FileJob], config: JobConfig, n_workers: int
                   ) -> Iterator[FileResult]:
    """The files spread over `n_workers` processes; results in the order they finish."""
    import multiprocessing

    started_ns = time.time_ns()
    todo = list(reversed(jobs))  # pop() takes the next in corpus order
    retried: set[Path] = set()
    context = multiprocessing.get_context("spawn")
    while todo:
        pool = ProcessPoolExecutor(n_workers, mp_context=context, initializer=_start_worker)
        running: dict[Future, FileJob] = {}
        try:
            while todo or running:
                # two per worker: the next file is there when a worker finishes one
                while todo and len(running) < 2 * n_workers:
                    future = pool.submit(align_file, todo[-1], config)
                    running[future] = todo.pop()  # only once submitted: a broken pool keeps it
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()  # BrokenProcessPool when a worker died
                    del running[future]
        except BrokenProcessPool:
            pass
        except BaseException:
            _stop(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        # a worker died: every file in flight lost its result; some were written anyway
        for job in running.values():
            if all(_written_since(path, started_ns) for path in job.outputs):
                yield FileResult(job.source, job.output, seconds=job.seconds)
            elif job.source in retried:
                yield FileResult(job.source, job.output, error=WORKER_DIED)
            else:  # maybe it was only queued behind the file that killed the worker
                retried.add(job.source)
                todo.append(job)


def _written_since(output: Path, since_ns: int) -> bool:
    try:
        return output.stat().st_mtime_ns >= since_ns
    except OSError:
        return False


def _start_worker() -> None:
    """In each worker: Ctrl+C and a hang-up (the terminal's whole process group gets them)
    are the main process's to handle; SIGTERM, which it stops workers with, exits cleanly.
    A main process killed outright takes its workers with it. numba is deferred (our own
    process, whisper not yet imported: see `numba_on_demand`)."""
    from whisperscope import numba_on_demand

    numba_on_demand.install()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    end_with_parent()


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds atomic_open, which removes its temporary file


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now (Ctrl+C) instead of letting them finish their files."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()

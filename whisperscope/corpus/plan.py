"""What is left to do: the resume rule, the audio still to analyse, a killed run's leftovers.

An output that exists and is newer than its recording is done and skipped (`overwrite`
redoes it). Outputs are written atomically (a temporary `.NAME.PID.XXXXXXXX.part` beside
them, renamed when complete), so an output that exists is complete; a run killed outright
can only leave such a temporary file, which the next run over the same outputs removes
(session.atomic.remove_stale_parts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from whisperscope.corpus.discovery import Source


@dataclass(frozen=True)
class FileJob:
    """One recording to analyse and the files its result goes to (one per format)."""

    source: Path
    outputs: tuple[Path, ...]
    seconds: float = 0.0  # duration from the file's header; 0 when it cannot be told

    @property
    def output(self) -> Path:
        """The first output: the one messages name."""
        return self.outputs[0]


@dataclass(frozen=True)
class Plan:
    pending: tuple[FileJob, ...]  # to analyse, in corpus order
    skipped: tuple[FileJob, ...]  # their outputs are newer than the recording

    @property
    def pending_seconds(self) -> float:
        return sum(job.seconds for job in self.pending)


def is_up_to_date(source: Path, output: Path) -> bool:
    """True when `output` exists and was written after `source` last changed."""
    try:
        return output.stat().st_mtime_ns > source.stat().st_mtime_ns
    except OSError:  # no output yet, or the recording is gone (it fails when its turn comes)
        return False


def make_plan(sources: Sequence[Source], outputs: Sequence[tuple[Path, ...]],
              overwrite: bool) -> Plan:
    """Split the corpus into pending and skipped (every output of the recording up to
    date); pending jobs carry their durations."""
    pending, skipped = [], []
    for source, paths in zip(sources, outputs, strict=True):
        if not overwrite and all(is_up_to_date(source.path, path) for path in paths):
            skipped.append(FileJob(source.path, tuple(paths)))
        else:
            pending.append(FileJob(source.path, tuple(paths), header_seconds(source.path)))
    return Plan(tuple(pending), tuple(skipped))


def header_seconds(path: Path) -> float:
    """The recording's duration from its header (cheap: nothing is decoded), or 0."""
    import soundfile

    try:
        return float(soundfile.info(str(path)).duration)
    except Exception:  # not readable by libsndfile (m4a, video, broken): unknown
        return 0.0



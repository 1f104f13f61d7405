"""What a batch run tells its user: one progress bar over the corpus on stderr, one line
per failure, and OUT/failures.tsv (path, reason), rewritten atomically after each failure
so a run stopped midway still lists what failed so far. A run without failures leaves
none (a previous run's is removed when the run starts), so `align talk.wav -o DIR`
writes only its outputs, as whisper does."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from whisperscope.session.atomic import atomic_write_text

FAILURES_NAME = "failures.tsv"


def failures_tsv(failures: list[tuple[Path, str]]) -> str:
    """`path<TAB>reason` lines under a header; tabs and newlines inside become spaces."""

    def cell(text: object) -> str:
        return " ".join(str(text).replace("\t", " ").splitlines())

    return "path\treason\n" + "".join(f"{cell(p)}\t{cell(r)}\n" for p, r in failures)


def write_failures(out_dir: Path, failures: list[tuple[Path, str]]) -> Path:
    return atomic_write_text(out_dir / FAILURES_NAME, failures_tsv(failures))


def clear_failures(out_dir: Path) -> None:
    """Remove a previous run's list: the folder's failures.tsv is this run's, or none."""
    (out_dir / FAILURES_NAME).unlink(missing_ok=True)


class CorpusProgress:
    """tqdm over the audio seconds still to analyse, with the file count beside it; the
    ETA follows the audio, which is what the time goes into. `quiet` shows only failures."""

    def __init__(self, n_files: int, seconds: float, quiet: bool = False,
                 stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._files, self._n_files = 0, n_files
        self._base = 0.0  # audio seconds of the finished files
        self._bar = None
        if not quiet and n_files:
            from tqdm import tqdm

            self._bar = tqdm(total=round(seconds, 1), file=self._stream, unit="s",
                             dynamic_ncols=True, desc=self._description(0.0, seconds),
                             bar_format="{desc} {percentage:3.0f}%|{bar}| "
                             "[{elapsed}<{remaining}]")
            self._show()

    def within_file(self, seconds_done: float) -> None:
        """The file being analysed here has reached `seconds_done`."""
        self._move_to(self._base + seconds_done)

    def file_done(self, header_seconds: float, analysed_seconds: float) -> None:
        """A file finished (or failed): count it and its audio."""
        self._files += 1
        self._base += header_seconds or analysed_seconds
        self._move_to(self._base)

    def say(self, line: str) -> None:
        """A line on stderr that does not break the bar."""
        if self._bar is not None:
            self._bar.write(line, file=self._stream)
        else:
            print(line, file=self._stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _move_to(self, seconds: float) -> None:
        if self._bar is None:
            return
        target = min(round(seconds, 1), self._bar.total)
        if target > self._bar.n:
            self._bar.update(target - self._bar.n)
        self._show()

    def _show(self) -> None:
        self._bar.set_description_str(self._description(self._bar.n, self._bar.total),
                                      refresh=True)

    def _description(self, done: float, total: float) -> str:
        return (f"{self._files}/{self._n_files} files, "
                f"{clock(done)}/{clock(total)} audio")


def clock(seconds: float) -> str:
    """h:mm:ss, the way audio durations are read."""
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"

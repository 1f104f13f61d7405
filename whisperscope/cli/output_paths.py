"""Where a subcommand's output goes, checked before any analysis runs.

An output path is one of:
- `-`, or a name for this process's own stdout (`/dev/stdout`, `/dev/fd/1`): written to
  stdout as a stream;
- an existing FIFO (a named pipe, `/dev/fd/N` of a shell pipe): written as a stream;
- a regular file, or a new name in a folder that can take a file: written atomically.

Anything else is refused before the analysis: the input itself (same device and inode, so
symlinks and hard links count), a folder, a device node (writing `/dev/null` as root would
replace the system's), a socket.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whisperscope.errors import ExportError
from whisperscope.session.atomic import describe_os_error

STDOUT_NAME = "-"


@dataclass(frozen=True)
class OutputTarget:
    """A checked output. `path` is None for stdout; `stream` outputs are written in one go
    through an open file (no temporary file, no rename)."""

    path: Path | None
    stream: bool

    @property
    def label(self) -> str:
        return "stdout" if self.path is None else str(self.path)


STDOUT = OutputTarget(None, True)


def check_output(path: str | os.PathLike | None, inputs: Sequence[str | os.PathLike] = ()
                 ) -> OutputTarget:
    """The target for `path` (None or "-": stdout); raises ExportError naming the problem."""
    if path is None or os.fspath(path) == STDOUT_NAME:
        return STDOUT
    path = Path(path)
    try:
        info = os.stat(path)  # follows symlinks: a link to the input is the input
    except FileNotFoundError:
        if path.is_symlink():  # a dangling link: atomic writes create its target
            return check_output(path.resolve(), inputs)
        _check_new_file(path)
        return OutputTarget(path, False)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {describe_os_error(error)}") from None
    if _is_stdout(info):
        return STDOUT
    for source in inputs:
        if _same_file(info, source):
            same = "" if os.fspath(source) == os.fspath(path) else f" (the same file as {source})"
            raise ExportError(f"refusing to write over the input {path}{same}; choose another "
                              "output name")
    if stat.S_ISDIR(info.st_mode):
        raise ExportError(f"cannot write {path}: it is a folder; give a file name")
    if stat.S_ISFIFO(info.st_mode):
        return OutputTarget(path, True)
    if not stat.S_ISREG(info.st_mode):
        raise ExportError(f"refusing to write to {path}: it is {_kind(info.st_mode)}, not a "
                          "regular file (use - for stdout)")
    _check_new_file(path)
    return OutputTarget(path, False)


def write_bytes(target: OutputTarget, data: bytes) -> None:
    """Write `data` to a stream target (stdout or a pipe). Raises ExportError if the stream
    refuses it (e.g. stdout is /dev/full); BrokenPipeError passes through (the reader left)."""
    try:
        if target.path is None:
            out = sys.stdout.buffer
            sys.stdout.flush()
            out.write(data)
            out.flush()
        else:
            with open(target.path, "wb") as out:
                out.write(data)
    except BrokenPipeError:
        raise
    except OSError as error:
        raise ExportError(f"cannot write {target.label}: {describe_os_error(error)}") from None


def write_with(target: OutputTarget, write_file: Callable[[Path], object]) -> None:
    """Write through a file writer `write_file(path)` (an exporter, the PNG renderer): a
    file target directly (atomic), a stream target via a temporary file copied out."""
    if not target.stream:
        assert target.path is not None
        write_file(target.path)
        return
    with tempfile.TemporaryDirectory(prefix="whisperscope-") as folder:
        name = Path(folder) / ("out" if target.path is None else target.path.name)
        write_file(name)
        write_bytes(target, name.read_bytes())


def _check_new_file(path: Path) -> None:
    """Fail now, not after a long analysis, when the folder cannot take a new file."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        reason = ("the folder does not exist" if not folder.exists()
                  else "a part of the path is a file, not a folder")
        raise ExportError(f"cannot write {path}: {reason}")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as error:
        raise ExportError(f"cannot write {path}: {describe_os_error(error)}") from None


def _is_stdout(info: os.stat_result) -> bool:
    try:
        out = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no stdout, or one without a descriptor
        return False
    return (out.st_dev, out.st_ino) == (info.st_dev, info.st_ino)


def _same_file(info: os.stat_result, source: str | os.PathLike) -> bool:
    try:
        other = os.stat(source)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino)


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"

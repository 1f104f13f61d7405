"""Atomic file writes: the target is either the old file or the complete new one.

Everything is written to a temporary file in the target's own folder (so the final rename
never crosses file systems), flushed and fsynced, then moved over the target with
`os.replace`, and the folder is fsynced so the rename itself survives a crash. If anything
fails the temporary file is removed, the old file is left exactly as it was, and an
`ExportError` says why in words a user can act on.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from whisperscope.errors import ExportError

PART_SUFFIX = ".part"  # the temporary file: .NAME.PID.XXXXXXXX.part beside NAME

_REASONS = {
    errno.EACCES: "permission denied (is the folder read-only?)",
    errno.EPERM: "permission denied (is the folder read-only?)",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file is too large for this file system or process limit",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "the path is a folder",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: "input/output error on the disk",
}


def describe_os_error(error: OSError) -> str:
    """A short reason for an OSError, in words a user can act on."""
    reason = _REASONS.get(error.errno or 0)
    return reason or (error.strerror or str(error))


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb",
                encoding: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file next to `path` for writing; on a clean exit it replaces `path`.

    mode: "wb" or "w" (text, `encoding` defaults to UTF-8, newlines written as given).
    Raises ExportError when the file cannot be written; the old file is untouched and no
    temporary file is left behind. Exceptions from the caller's own code pass through
    unchanged (after the same clean-up).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes only ('w' or 'wb'), not {mode!r}")
    target = Path(path)
    if target.is_symlink():  # replace the file the link points to, not the link
        target = target.resolve()
    if target.is_dir():
        raise ExportError(f"cannot write {target}: the path is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.",
                                        suffix=PART_SUFFIX, dir=folder)
    except OSError as error:
        raise ExportError(f"cannot write {target}: {describe_os_error(error)}") from error
    tmp = Path(tmp_name)
    try:
        if mode == "wb":
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline="")
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as error:
        _remove_quietly(tmp)
        raise ExportError(f"cannot write {target}: {describe_os_error(error)}") from error
    except BaseException:
        _remove_quietly(tmp)
        raise
    _fsync_folder(folder)


def remove_stale_parts(outputs: Iterable[Path]) -> int:
    """Delete the temporary files a killed run left beside these outputs; return how many.

    A temporary file names the process that writes it; one whose process is alive (another
    run writing the same output now) is left alone. Call this before writing: this
    process's own are taken as left over from an earlier write. Files from before process
    ids were in the name (.NAME.XXXXXXXX.part) count as stale."""
    by_folder: dict[Path, set[str]] = {}
    for output in outputs:
        by_folder.setdefault(output.parent, set()).add(output.name)
    removed = 0
    for folder, names in by_folder.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:  # the folder does not exist yet
            continue
        for entry in entries:
            writer = _part_writer(entry.name, names)
            if writer is False or (writer is not None and _alive(writer)):
                continue
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed


def _part_writer(name: str, targets: set[str]) -> int | None | bool:
    """For a temporary file of one of `targets`: the id of the process that wrote it, or
    None when the name holds none; False for any other file."""
    if not (name.startswith(".") and name.endswith(PART_SUFFIX)):
        return False
    stem, dot, _random = name[1:-len(PART_SUFFIX)].rpartition(".")
    if not dot:
        return False
    target, dot, pid = stem.rpartition(".")
    if dot and pid.isdigit() and target in targets:
        return int(pid)
    return None if stem in targets else False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:  # another user's process: alive
        return True
    except (ProcessLookupError, OverflowError):  # none by that id
        return False
    return True


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` atomically; return the path."""
    with atomic_open(path, "wb") as f:
        f.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically (no newline translation); return the path."""
    with atomic_open(path, "w", encoding=encoding) as f:
        f.write(text)
    return Path(path)


def atomic_write_with(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call `write(binary_file)` on a temporary file, then move it over `path`.

    For writers that want a seekable binary file, e.g. `numpy.savez`, `zipfile.ZipFile`,
    `matplotlib.figure.Figure.savefig`.
    """
    with atomic_open(path, "wb") as f:
        write(f)
    return Path(path)


def _mode_for(target: Path) -> int:
    """Keep the permissions of the file being replaced; new files get 0o666 minus umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_current_umask()


def _current_umask() -> int:
    """The process umask, read without changing it (os.umask would race other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable. Not every platform or file system can open a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

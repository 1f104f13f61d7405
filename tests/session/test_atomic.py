"""Atomic writes: a failed write leaves the old file as it was and nothing half-written."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from whisperscope.errors import ExportError
from whisperscope.session import exporters
from whisperscope.session.atomic import atomic_open, atomic_write_bytes, atomic_write_text

OLD = "old contents, must survive\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def chmod_blocks_writes(folder: Path) -> bool:
    """False when we run as root (or on a file system that ignores modes)."""
    probe = folder / ".probe"
    try:
        probe.write_text("x")
    except PermissionError:
        return True
    probe.unlink()
    return False


def test_write_replaces_and_keeps_permissions(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text(OLD)
    target.chmod(0o640)
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_symlink_target_is_replaced_not_the_link(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text(OLD)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_text(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_new_file_gets_umask_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        path = atomic_write_bytes(tmp_path / "new.bin", b"\x00\x01")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_error_in_writer_keeps_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text(OLD)
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_open(target, "w") as f:
            f.write("half of the new")
            raise RuntimeError("boom")
    assert target.read_text() == OLD
    assert leftovers(tmp_path) == []


def test_read_only_folder(tmp_path, analysis):
    folder = tmp_path / "locked"
    folder.mkdir()
    target = folder / "talk.srt"
    target.write_text(OLD)
    folder.chmod(0o555)
    try:
        if not chmod_blocks_writes(folder):
            pytest.skip("running as root: chmod 0o555 does not stop writes "
                        "(test_read_only_file_system covers it with a read-only mount)")
        with pytest.raises(ExportError, match=r"talk\.srt: permission denied.*read-only"):
            exporters.export(analysis, target)
        assert target.read_text() == OLD
        assert leftovers(folder) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("unshare"),
                    reason="needs root and unshare (the chmod variant runs otherwise)")
def test_read_only_file_system(tmp_path, analysis):
    """As root, chmod does not stop our own writes; a read-only bind mount does. The export
    runs in a child with its own mount namespace, where the folder is mounted read-only."""
    source = exporters.export(analysis, tmp_path / "analysis.json")
    folder = tmp_path / "locked"
    folder.mkdir()
    target = folder / "talk.srt"
    target.write_text(OLD)
    script = textwrap.dedent(f"""
        from whisperscope.errors import ExportError
        from whisperscope.session import exporters
        from whisperscope.session.exporters import json as json_format
        analysis = json_format.read({str(source)!r})
        try:
            exporters.export(analysis, {str(target)!r})
        except ExportError as error:
            print(error)
            raise SystemExit(3)
    """)
    mount = (f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && "
             f'exec "$0" -c "$1"')
    child = subprocess.run(["unshare", "-m", "sh", "-c", mount, sys.executable, script],
                           capture_output=True, text=True, timeout=120)
    if "mount" in child.stderr and child.returncode not in (0, 3):
        pytest.skip(f"cannot mount here: {child.stderr.strip()[-200:]}")
    assert child.returncode == 3, child.stdout + child.stderr
    assert "talk.srt" in child.stdout and "read-only" in child.stdout.lower()
    assert target.read_text() == OLD
    assert leftovers(folder) == []


def test_parent_is_a_file(tmp_path, analysis):
    """A real failure even for root: the 'folder' is a regular file."""
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text(OLD)
    for fmt in exporters.FORMATS:
        with pytest.raises(ExportError, match="is a file, not a folder"):
            exporters.export(analysis, not_a_folder / f"out.{fmt}", fmt)
    assert not_a_folder.read_text() == OLD


def test_missing_folder(tmp_path, analysis):
    with pytest.raises(ExportError, match="folder does not exist"):
        exporters.export(analysis, tmp_path / "nowhere" / "out.json")


def test_path_is_a_folder(tmp_path, analysis):
    (tmp_path / "out.json").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        exporters.export(analysis, tmp_path / "out.json")


def test_disk_full_mid_write(tmp_path):
    """A write that fails halfway (file-size limit, EFBIG; as ENOSPC would) leaves the old
    file whole and no partial file. Run in a child so the limit cannot hit pytest."""
    target = tmp_path / "big.npz"
    target.write_text(OLD)
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        from whisperscope.errors import ExportError
        from whisperscope.session.atomic import atomic_write_bytes
        try:
            atomic_write_bytes({str(target)!r}, b"x" * 100_000)
        except ExportError as error:
            print(error)
            sys.exit(3)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 3, done.stderr
    assert "too large" in done.stdout and "big.npz" in done.stdout
    assert target.read_text() == OLD
    assert leftovers(tmp_path) == []

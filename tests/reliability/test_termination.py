"""SIGTERM and SIGHUP stop a run as Ctrl+C does: workers and the resource tracker stop,
nothing is half-written, the exit code says which signal (143, 129); the window's engine
process ends cleanly on them and with a window killed outright; a killed run's temporary
files are removed by the next run into that folder.

The corpus is generated here from the bundled sample (six 3 s files)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from whisperscope.session.atomic import atomic_open


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, of in parents.items() if of == parent]
        found.update(children)
        todo += children
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_until(condition, timeout: float, step: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, speech) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for i in range(6):
        sf.write(folder / f"take{i}.wav", speech[48000 * i % len(speech):][:48000], 16000)
    return folder


def _start_corpus_run(corpus: Path, out: Path, jobs: int) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "whisperscope", "align", str(corpus), "--output-dir",
         str(out), "--jobs", str(jobs), "--threads", "1", "--model", "tiny.en", "-q"],
        stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.model
@pytest.mark.parametrize(("signum", "jobs", "code"), [(signal.SIGTERM, 2, 143),
                                                     (signal.SIGHUP, 1, 129)])
def test_a_stopped_corpus_run_stops_everything(corpus, tmp_path, signum, jobs, code):
    """The report: `kill PID` on `align DIR --jobs 3` ended the parent at once while the
    workers and the resource tracker went on and wrote 6 more outputs."""
    out = tmp_path / "out"
    run = _start_corpus_run(corpus, out, jobs)
    try:
        assert _wait_until(lambda: any(out.glob("*.json")) or run.poll() is not None, 240)
        assert run.poll() is None, run.stderr.read()
        below = _descendants(run.pid)
        assert len(below) >= (jobs if jobs > 1 else 0)  # the workers (and the tracker)
        os.kill(run.pid, signum)
        _, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == code, stderr
    assert "Traceback" not in stderr
    assert all(line.startswith("whisperscope") for line in stderr.strip().splitlines())
    assert _wait_until(lambda: not any(_running(pid) for pid in below), 30), \
        [pid for pid in below if _running(pid)]
    written = sorted(p.name for p in out.glob("*.json"))
    assert not list(out.glob(".*.part"))
    time.sleep(2)
    assert sorted(p.name for p in out.glob("*.json")) == written  # nothing more came
    assert len(written) < 6


_ENGINE = """
import sys, time
from whisperscope.engine.process import EngineProcess
engine = EngineProcess()
engine.available_devices()  # the child is serving
print(engine.process.pid, flush=True)
time.sleep(300)
"""


@pytest.mark.model
def test_the_engine_process_ends_cleanly_and_with_its_window():
    from whisperscope.engine.process import EngineProcess

    for signum, code in ((signal.SIGTERM, 143), (signal.SIGHUP, 129)):
        engine = EngineProcess()
        try:
            engine.available_devices()  # its handlers are in place once it serves
            os.kill(engine.process.pid, signum)
            engine.process.join(60)
            assert engine.process.exitcode == code
        finally:
            engine.close()
    # a window killed outright (kill -9) cannot stop its engine: the kernel does
    window = subprocess.Popen([sys.executable, "-c", _ENGINE], stdout=subprocess.PIPE,
                              text=True)
    try:
        child = int(window.stdout.readline())
        assert _running(child)
        window.kill()
        window.wait(30)
        assert _wait_until(lambda: not _running(child), 30)
    finally:
        if window.poll() is None:
            window.kill()


def test_the_next_run_removes_a_killed_runs_temporary_files(tmp_path, sample, run_cli):
    """A killed single-file run's `.NAME.PID.XXXXXXXX.part` (and an older `.NAME.XXXXXXXX
    .part`) are removed by the next run writing NAME; one that a live process is writing
    stays."""
    out = tmp_path / "talk.json"
    with pytest.raises(RuntimeError), atomic_open(out, "w"):
        (written,) = tmp_path.glob(".talk.json.*.part")
        assert f".{os.getpid()}." in written.name
        raise RuntimeError
    dead = subprocess.Popen(["true"])  # a process id that has ended
    dead.wait()
    live = subprocess.Popen(["sleep", "60"])
    try:
        stale = [tmp_path / f".talk.json.{dead.pid}.k3j_x9q2.part",
                 tmp_path / ".talk.json.abcd1234.part"]
        kept = [tmp_path / f".talk.json.{live.pid}.zz99yy88.part",
                tmp_path / f".other.json.{dead.pid}.k3j_x9q2.part"]
        for path in stale + kept:
            path.write_text("half")
        result = run_cli("align", sample, "-o", out, "--temperature", "nan", timeout=120)
        assert result.returncode == 2  # refused before any analysis: the clean-up came first
        assert not any(p.exists() for p in stale) and all(p.exists() for p in kept)
    finally:
        live.kill()
        live.wait()

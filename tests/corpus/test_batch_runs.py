"""Batch `align` end to end with the real tiny.en: a folder with a broken file and a
subfolder, resuming after a real kill, Ctrl+C, --jobs 2, and a Dask cluster on 127.0.0.1;
every way gives the bytes the single-file `align` gives."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TIMIT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "timit-dev"
# three of the shortest utterances (1.7 to 2.0 s), to keep the runs short
UTTERANCES = {"a.wav": "dr5-mbgt0/si1341.wav", "b.wav": "dr7-madd0/si1295.wav",
              "spk/c.wav": "dr3-madc0/sx17.wav"}
# the reference and every batch run use one torch thread: torch's attention kernel gives
# results that differ in the 7th digit between thread counts (times and words do not)
THREADS = ("--threads", "1")


def whisperscope(*args, timeout=300, **kwargs):
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    return subprocess.run([sys.executable, "-m", "whisperscope", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env, **kwargs)


def without_elapsed(data: bytes) -> bytes:
    """A JSON export with its one wall-clock field blanked (it differs run to run)."""
    return re.sub(rb'\n "elapsed": [^,\n]+,', b'\n "elapsed": 0,', data)


@pytest.fixture(scope="session")
def good_corpus(tmp_path_factory) -> Path:
    """corpus/a.wav, b.wav, spk/c.wav: real speech, copied to a temporary folder."""
    if not TIMIT.is_dir():
        pytest.skip("../shared/data/timit-dev is not here")
    root = tmp_path_factory.mktemp("corpus") / "corpus"
    for name, source in UTTERANCES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TIMIT / source, root / name)
    return root


@pytest.fixture(scope="session")
def reference(good_corpus, tmp_path_factory) -> dict[str, bytes]:
    """Each file aligned alone by the single-file `align -o` (tiny.en, one thread),
    keyed by its path in the corpus with .json, elapsed blanked."""
    out = tmp_path_factory.mktemp("reference")
    outputs = {}
    for name in UTTERANCES:
        target = out / name.replace("/", "_")
        result = whisperscope("align", good_corpus / name, "--model", "tiny.en", *THREADS,
                              "-o", target.with_suffix(".json"), "-q")
        assert result.returncode == 0, result.stderr
        outputs[str(Path(name).with_suffix(".json"))] = without_elapsed(
            target.with_suffix(".json").read_bytes())
    return outputs


def outputs_in(out_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(out_dir).as_posix(): without_elapsed(p.read_bytes())
            for p in sorted(out_dir.rglob("*.json"))}

pytestmark = pytest.mark.model


def test_a_folder_with_a_broken_file_and_a_subfolder(good_corpus, reference, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(good_corpus, corpus)
    (corpus / "spk" / "broken.wav").write_text("this is not audio\n" * 50)
    out = tmp_path / "out"
    result = whisperscope("align", corpus, "--output-dir", out, "--model", "tiny.en",
                          "--jobs", "1", *THREADS)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    failed = [line for line in result.stderr.splitlines() if "failed:" in line]
    assert len(failed) == 1 and "broken.wav" in failed[0]
    rows = (out / "failures.tsv").read_text().splitlines()
    assert rows[0] == "path\treason" and len(rows) == 2
    assert rows[1].startswith(f"{corpus / 'spk' / 'broken.wav'}\t")
    assert "4/4 files" in result.stderr  # the bar counts the corpus, the broken one too
    got = outputs_in(out)
    # the outputs mirror the tree, and are the single-file outputs to the byte (the paths
    # inside are the recordings' own, so compare through the reference's copies)
    assert sorted(got) == ["a.json", "b.json", "spk/c.json"]
    for name, data in got.items():
        assert data == reference[name].replace(str(good_corpus).encode(),
                                               str(corpus).encode()), name


def test_a_finished_corpus_is_not_analysed_again(good_corpus, reference, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name, data in reference.items():  # a finished corpus: every output newer
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.json")}
    again = whisperscope("align", good_corpus, "--output-dir", out, "--model", "tiny.en")
    assert again.returncode == 0, again.stderr
    assert "aligned 0" in again.stderr and "3 already up to date" in again.stderr
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.json")} == stamps
    redo = whisperscope("align", good_corpus / "b.wav", "--output-dir", out,
                        "--model", "tiny.en", "--overwrite", "-q", *THREADS)
    assert redo.returncode == 0, redo.stderr
    assert (out / "b.json").stat().st_mtime_ns > stamps[out / "b.json"]
    assert outputs_in(out)["b.json"] == reference["b.json"]


def _start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "whisperscope", *map(str, args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "2"})


def _wait_for_outputs(out: Path, n: int, process: subprocess.Popen, limit: float = 240):
    deadline = time.monotonic() + limit
    while len(list(out.rglob("*.json"))) < n:
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _complete_outputs(out: Path) -> list[Path]:
    """Every output there is parses as a whole analysis; no visible partial file."""
    visible = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    for path in visible:
        if path.suffix == ".json":
            assert json.loads(path.read_text())["format"] == "whisperscope.analysis"
    return [p for p in visible if p.suffix == ".json"]


def test_resume_after_a_kill(good_corpus, reference, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(good_corpus, corpus)
    for i in range(3):  # more files, so the kill lands mid-corpus
        shutil.copyfile(corpus / "a.wav", corpus / "spk" / f"more{i}.wav")
    out = tmp_path / "out"
    args = ("align", corpus, "--output-dir", out, "--model", "tiny.en", "--jobs", "1",
            *THREADS)
    process = _start(*args)
    _wait_for_outputs(out, 1, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    done_before = {p: p.stat().st_mtime_ns for p in _complete_outputs(out)}
    assert 1 <= len(done_before) < 6

    result = whisperscope(*args)
    assert result.returncode == 0, result.stderr
    assert f"{len(done_before)} already up to date" in result.stderr
    outputs = _complete_outputs(out)
    assert len(outputs) == 6 and not list(out.rglob(".*.part"))
    for path, stamp in done_before.items():
        assert path.stat().st_mtime_ns == stamp  # not redone
    got = outputs_in(out)
    for name in reference:
        assert got[name] == reference[name].replace(str(good_corpus).encode(),
                                                    str(corpus).encode()), name


def test_jobs_2_gives_the_same_outputs_and_ctrl_c_stops_cleanly(good_corpus, reference,
                                                                 tmp_path):
    out = tmp_path / "out"
    result = whisperscope("align", good_corpus, "--output-dir", out, "--model", "tiny.en",
                          "--jobs", "2", *THREADS)
    assert result.returncode == 0, result.stderr
    assert outputs_in(out) == reference

    # Ctrl+C while the two workers are busy: exit 130, nothing half-written, then resume
    more = tmp_path / "more"
    shutil.copytree(good_corpus, more)
    for i in range(4):
        shutil.copyfile(more / "b.wav", more / f"copy{i}.wav")
    out2 = tmp_path / "out2"
    process = _start("align", more, "--output-dir", out2, "--model", "tiny.en", "--jobs", "2",
                     *THREADS)
    _wait_for_outputs(out2, 1, process)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert "interrupted" in process.stderr.read()
    done = _complete_outputs(out2)
    assert len(done) < 7 and not list(out2.rglob(".*.part"))


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_worker_that_dies_loses_no_file(good_corpus, reference, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(good_corpus, corpus)
    for i in range(3):
        shutil.copyfile(corpus / "b.wav", corpus / f"copy{i}.wav")
    out = tmp_path / "out"
    process = _start("align", corpus, "--output-dir", out, "--model", "tiny.en",
                     "--jobs", "2", *THREADS)
    _wait_for_outputs(out, 1, process)
    workers = [c for c in _children(process.pid)
               if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
    # the files in flight go on in a fresh pool: nothing fails, nothing is missing
    assert process.wait(timeout=240) == 0, process.stderr.read()
    assert not (out / "failures.tsv").exists()  # none failed
    assert len(_complete_outputs(out)) == 6
    got = outputs_in(out)
    for name in reference:
        assert got[name] == reference[name].replace(str(good_corpus).encode(),
                                                    str(corpus).encode()), name


def test_a_dask_cluster_gives_the_same_outputs(good_corpus, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  host="127.0.0.1", protocol="tcp://",
                                  dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        # workers write to the shared output folder
        shared = tmp_path / "shared"
        result = whisperscope("align", good_corpus, "--output-dir", shared, "--model",
                              "tiny.en", "--dask", address, *THREADS)
        assert result.returncode == 0, result.stderr
        assert outputs_in(shared) == reference
        # or send them back to be written here; a bad file fails alone
        listing = tmp_path / "list.txt"
        listing.write_text("".join(f"{good_corpus / n}\n" for n in ("a.wav", "spk/c.wav"))
                           + f"{good_corpus / 'missing.wav'}\n")
        returned = tmp_path / "returned"
        result = whisperscope("align", f"@{listing}", "--output-dir", returned, "--model",
                              "tiny.en", "--dask", address, "--dask-return", *THREADS)
        assert result.returncode == 1, result.stderr
        assert "missing.wav" in (returned / "failures.tsv").read_text()
        assert outputs_in(returned) == {k: reference[k] for k in ("a.json", "spk/c.json")}


def test_usage_errors_exit_2_before_any_analysis(good_corpus, tmp_path):
    for args in ((good_corpus, "-o", tmp_path / "x.json"),  # a folder needs --output-dir
                 (good_corpus / "a.wav", good_corpus / "b.wav"),
                 (good_corpus / "a.wav", "--jobs", "2"),
                 (good_corpus, "--output-dir", tmp_path / "o", "--dask-return"),
                 (tmp_path / "nowhere", "--output-dir", tmp_path / "o"),
                 (good_corpus, "--output-dir", tmp_path / "o", "--format", "json",
                  "--word-level"),
                 (good_corpus, "--output-dir", good_corpus, "--format", "txt")):
        result = whisperscope("align", *args, "--model", "tiny.en", timeout=60)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, args
    assert "transcript goes" in result.stderr  # the last: X.txt beside X.wav
    assert not list(good_corpus.rglob("*.txt"))

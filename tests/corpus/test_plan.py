"""Resume rule, leftovers of a killed run, worker layout, the failures list (no model)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from whisperscope.corpus.discovery import Source
from whisperscope.corpus.local import MEMORY_PER_WORKER, worker_layout
from whisperscope.corpus.plan import is_up_to_date, make_plan
from whisperscope.corpus.report import clock, failures_tsv
from whisperscope.session.atomic import atomic_open, remove_stale_parts

SECOND = 1_000_000_000


def at(path: Path, seconds: int, text: str = "x") -> Path:
    path.write_text(text)
    os.utime(path, ns=(seconds * SECOND, seconds * SECOND))
    return path


def test_an_output_is_up_to_date_only_when_newer_than_its_recording(tmp_path):
    audio = at(tmp_path / "a.wav", 1000)
    output = tmp_path / "a.json"
    assert not is_up_to_date(audio, output)  # no output yet
    at(output, 999)
    assert not is_up_to_date(audio, output)  # the recording changed since
    at(output, 1000)
    assert not is_up_to_date(audio, output)  # same instant: not provably newer
    at(output, 1001)
    assert is_up_to_date(audio, output)
    assert not is_up_to_date(tmp_path / "gone.wav", output)


def test_the_plan_skips_finished_files_unless_overwriting(tmp_path):
    sources = [Source(at(tmp_path / f"{n}.wav", 1000), tmp_path) for n in "abc"]
    outputs = [(tmp_path / f"{n}.json",) for n in "abc"]
    at(outputs[1][0], 2000)
    plan = make_plan(sources, outputs, overwrite=False)
    assert [j.source.name for j in plan.pending] == ["a.wav", "c.wav"]
    assert [j.source.name for j in plan.skipped] == ["b.wav"]
    assert plan.pending_seconds == 0.0  # not audio: the duration is unknown, not an error
    assert len(make_plan(sources, outputs, overwrite=True).pending) == 3


def test_a_file_is_done_only_when_every_format_is(tmp_path):
    sources = [Source(at(tmp_path / f"{n}.wav", 1000), tmp_path) for n in "ab"]
    outputs = [(tmp_path / f"{n}.json", tmp_path / f"{n}.srt") for n in "ab"]
    at(outputs[0][0], 2000)  # a.srt is missing (a run stopped between the two)
    at(outputs[1][0], 2000)
    at(outputs[1][1], 2000)
    plan = make_plan(sources, outputs, overwrite=False)
    assert [j.source.name for j in plan.pending] == ["a.wav"]
    assert plan.pending[0].outputs == outputs[0] and plan.pending[0].output == outputs[0][0]
    assert [j.source.name for j in plan.skipped] == ["b.wav"]


def test_a_killed_runs_temporary_files_are_removed_and_nothing_else(tmp_path):
    output = tmp_path / "a.json"
    with pytest.raises(RuntimeError), atomic_open(output, "w") as f:
        f.write("half")
        (left,) = tmp_path.glob(".a.json.*.part")
        os.link(left, tmp_path / "copy")  # what a SIGKILL at this moment leaves behind
        raise RuntimeError
    os.rename(tmp_path / "copy", left)
    keep = [at(tmp_path / ".b.json.abcd1234.part", 1), at(tmp_path / "a.json.part", 1),
            at(tmp_path / ".a.json", 1)]
    assert remove_stale_parts([output, tmp_path / "missing" / "x.json"]) == 1
    assert not left.exists() and all(p.exists() for p in keep)


@pytest.mark.parametrize("n_files, cpus, memory, jobs, threads, gpu, expected", [
    (100, 16, None, 0, 0, False, (16, 1)),
    (3, 16, None, 0, 0, False, (3, 5)),  # no more workers than files; cores shared out
    (100, 16, 4 * MEMORY_PER_WORKER, 0, 0, False, (4, 4)),  # memory holds four
    (100, 16, 10, 0, 0, False, (1, 16)),
    (100, 2, None, 0, 0, True, (1, 2)),  # one process keeps a GPU busy
    (100, 8, None, 3, 0, False, (3, 2)),  # the user's --jobs
    (100, 8, None, 2, 1, False, (2, 1)),  # and --threads
    (1, 2, None, 0, 0, False, (1, 2)),
])
def test_worker_layout(n_files, cpus, memory, jobs, threads, gpu, expected):
    assert worker_layout(n_files, cpus, memory, jobs, threads, gpu) == expected


def test_failures_tsv_keeps_one_line_per_file():
    text = failures_tsv([(Path("/c/a.wav"), "bad\theader\nreally"), (Path("/c/b.wav"), "x")])
    assert text.splitlines() == ["path\treason", "/c/a.wav\tbad header really", "/c/b.wav\tx"]


def test_clock():
    assert [clock(s) for s in (0, 59.6, 3599, 3600 * 27 + 61)] == [
        "0:00:00", "0:01:00", "0:59:59", "27:01:01"]

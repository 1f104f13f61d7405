"""Nothing overwritten, no traceback: where `-o` may point, and stdout that goes away.

Refusals happen before the model loads (no progress bar, a few seconds); the stream cases
run the real tiny.en on the 3.7 s sample."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from whisperscope.cli.output_paths import STDOUT, check_output
from whisperscope.errors import ExportError


def test_output_onto_the_input_is_refused_by_name_link_and_hard_link(
        sample, tmp_path, run_cli, assert_one_clear_line):
    before = sample.read_bytes()
    link = tmp_path / "link.json"
    link.symlink_to(sample)
    hard = tmp_path / "hard.json"
    os.link(sample, hard)
    for out in (sample, link, hard):
        result = run_cli("align", sample, "--model", "tiny.en", "-o", out, "--format", "json")
        assert_one_clear_line(result, 2, "refusing to write over the input")
        assert "%" not in result.stderr  # refused before the analysis
    assert sample.read_bytes() == before


def test_device_nodes_and_folders_are_refused_before_the_analysis(
        sample, tmp_path, run_cli, assert_one_clear_line):
    if os.geteuid() == 0:  # as root a copy of /dev/null is a real device node
        device = tmp_path / "null"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        targets = [device, tmp_path]
    else:
        targets = [tmp_path]
    for out in targets:  # (-o DIR is whisper's output folder; --output names one file)
        result = run_cli("align", sample, "--model", "tiny.en", "--output", out, "--format",
                         "json")
        assert_one_clear_line(result, 2, str(out))
        assert "%" not in result.stderr  # no progress bar: the model never ran
    if os.geteuid() == 0:
        assert stat.S_ISCHR(os.stat(tmp_path / "null").st_mode)  # still a device


def test_check_output_kinds(tmp_path, sample):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert check_output(fifo, [sample]).stream
    assert check_output(None) is STDOUT and check_output("-") is STDOUT
    new = check_output(tmp_path / "new.json", [sample])
    assert not new.stream and new.path == tmp_path / "new.json"
    for bad in (tmp_path, sample, "/dev/zero", tmp_path / "missing" / "x.json"):
        with pytest.raises(ExportError):
            check_output(bad, [sample])
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "target.json")
    assert not check_output(dangling, [sample]).stream


@pytest.mark.model
def test_dev_stdout_into_a_pipe_is_a_stream(sample):
    shell = (f"{sys.executable} -m whisperscope align {sample} --model tiny.en -q "
             "-o /dev/stdout --format srt | cat")
    result = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "OMP_NUM_THREADS": "2"})
    assert result.returncode == 0, result.stderr
    assert "-->" in result.stdout and "children" in result.stdout.lower()


@pytest.mark.model
def test_a_fifo_is_written_as_a_stream(sample, tmp_path, run_cli):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    result = run_cli("align", sample, "--model", "tiny.en", "-q", "-o", fifo)
    data, _ = reader.communicate(timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(data)["segments"][0]["words"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # not replaced by a regular file


@pytest.mark.model
def test_stdout_full_and_closed(sample, run_cli):
    with open("/dev/full", "w") as full:
        result = run_cli("align", sample, "--model", "tiny.en", "-q", stdout=full)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "whisperscope: error: cannot write stdout: the disk is full"

    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    child = subprocess.Popen([sys.executable, "-m", "whisperscope", "align", str(sample),
                              "--model", "tiny.en", "-q"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
    child.stdout.close()  # the reader is gone before anything is written (`| head -0`)
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=300) == 141
    assert stderr == ""  # quiet, as a program killed by SIGPIPE


def test_leading_dash_file_name_gets_a_hint(tmp_path, run_cli, assert_one_clear_line):
    (tmp_path / "-take1.wav").write_bytes(b"RIFF")
    result = run_cli("align", "-take1.wav", cwd=tmp_path)
    assert_one_clear_line(result, 2, "-- -take1.wav", "./-take1.wav")


@pytest.mark.parametrize("dpi", ["0", "20000", "abc"])
def test_render_dpi_is_checked_before_anything_runs(sample, dpi, run_cli):
    result = run_cli("render", sample, "--model", "tiny.en", "--dpi", dpi, timeout=60)
    assert result.returncode == 2 and "--dpi" in result.stderr
    assert "Traceback" not in result.stderr and "%" not in result.stderr


# The interpreter's own start-up (site.py, before any WhisperScope code runs) cannot be
# guarded from Python; everything from `import whisperscope.cli` on is. An import hook
# raises KeyboardInterrupt exactly where a user's Ctrl+C would land during the imports.
_INTERRUPT_AT_IMPORT = textwrap.dedent("""
    import sys

    module = sys.argv[1]

    class Interrupt:
        def find_spec(self, name, path=None, target=None):
            if name == module:
                raise KeyboardInterrupt
            return None

    sys.argv = ["whisperscope", *sys.argv[2:]]
    sys.meta_path.insert(0, Interrupt())
    import runpy
    runpy.run_module("whisperscope", run_name="__main__")
""")


@pytest.mark.parametrize("module", ["whisperscope.cli", "argparse", "whisperscope.cli.align",
                                    "whisperscope.errors", "torch"])
def test_ctrl_c_during_imports_is_exit_130_without_traceback(sample, module):
    result = subprocess.run([sys.executable, "-c", _INTERRUPT_AT_IMPORT, module, "align",
                             str(sample), "--model", "tiny.en", "-q"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_while_loading_is_exit_130(sample):
    child = subprocess.Popen([sys.executable, "-m", "whisperscope", "align", str(sample),
                              "--model", "tiny.en", "-q"], stderr=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, env={**os.environ,
                                                             "OMP_NUM_THREADS": "2"})
    time.sleep(0.5)  # the interpreter is up: imports of torch and whisper are under way
    child.send_signal(signal.SIGINT)
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=60) == 130, stderr
    assert stderr.strip() == "whisperscope: interrupted"


@pytest.mark.model
def test_an_error_line_is_not_glued_to_the_progress_bar(sample):
    """Ctrl+C once the bar is drawn: the bar is closed (its line ended) before the message,
    and nothing redraws it afterwards."""
    long = sample.with_name("long.flac")
    import soundfile as sf

    audio, rate = sf.read(sample, dtype="float32")
    sf.write(long, np.concatenate([audio] * 4), rate)
    child = subprocess.Popen([sys.executable, "-m", "whisperscope", "align", str(long),
                              "--model", "tiny.en"], stderr=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, env={**os.environ,
                                                             "OMP_NUM_THREADS": "2"})
    seen = b""
    while b"%" not in seen:
        byte = child.stderr.read(1)
        assert byte, seen
        seen += byte
    time.sleep(1.0)
    child.send_signal(signal.SIGINT)
    stderr = (seen + child.stderr.read()).decode()
    assert child.wait(timeout=60) == 130
    assert stderr.endswith("\nwhisperscope: interrupted\n"), repr(stderr[-300:])

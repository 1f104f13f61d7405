"""Usage errors are one line and exit code 2 (not argparse's whole usage first), a time
range `render` cannot draw is refused before any analysis, and `whisperscope --help` shows
the window's own options."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from whisperscope.cli import main

CASES = [
    (["align"], "the following arguments are required: AUDIO", "whisperscope align"),
    (["align", "x.wav", "--bogus"], "unrecognized arguments: --bogus", "whisperscope align"),
    (["align", "x.wav", "--temperature", "warm"], "invalid float value", "whisperscope align"),
    (["align", "x.wav", "--format", "doc"], "invalid choice", "whisperscope align"),
    (["render", "x.wav", "--dpi", "9"], "out of range", "whisperscope render"),
    (["--frobnicate"], "unrecognized arguments", "whisperscope --help"),
]


@pytest.mark.parametrize(("argv", "says", "see"), CASES, ids=[" ".join(a) for a, *_ in CASES])
def test_a_usage_error_is_one_line(capsys, argv, says, see):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("whisperscope: error: "), captured.err
    assert says in lines[0] and f"(see {see}" in lines[0]


def test_render_refuses_a_reversed_range_before_anything_is_read(tmp_path, capsys):
    """The report: `render --start 10 --end 2` was refused only after 14 s of analysis.
    Here neither the recording nor the model exists: the range is checked first."""
    code = main(["render", str(tmp_path / "missing.wav"), "--model",
                 str(tmp_path / "missing.pt"), "--start", "10", "--end", "2"])
    err = capsys.readouterr().err
    assert code == 2 and err == "whisperscope: error: --end (2 s) must come after --start " \
        "(10 s)\n"
    assert main(["render", str(tmp_path / "missing.wav"), "--end", "nan"]) == 2
    assert "--end must be a number of seconds" in capsys.readouterr().err


def test_help_lists_the_windows_options(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "the window (no COMMAND):" in out
    for option in ("FILE", "--reference REF", "--model NAME", "--device"):
        assert option in out
    assert "align" in out and "render" in out


def test_a_window_option_first_opens_the_window(tmp_path):
    """`whisperscope --reference REF FILE` is the window's, not an unknown option; with no
    display that is said in one line."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "whisperscope", "--reference",
                             str(tmp_path / "ref.TextGrid"), str(tmp_path / "talk.wav")],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("whisperscope: no display") and \
        len(result.stderr.splitlines()) == 1

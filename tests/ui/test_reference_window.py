"""A reference alignment in the window: its tier, the error columns, the summary, the CSV,
and `whisperscope AUDIO --reference REF` (issue 10, item 4)."""

from __future__ import annotations

import csv

import pytest

from whisperscope.engine.events import Finished

from .conftest import QT_LOG_IGNORE, WORDS, FakeEngine, is_a
from .test_editing import tier_drag
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]
SHIFT = 0.03  # the reference says every word starts and ends 30 ms earlier


def write_reference(path, duration=6.0):
    """A TextGrid of the fake analysis' words, 30 ms early, "fox" heard as "box"."""
    import textgrid as tg

    from .conftest import synthetic_analysis

    analysis, _ = synthetic_analysis("/tmp/fake.wav", duration)
    grid = tg.TextGrid(minTime=0, maxTime=duration)
    tier = tg.IntervalTier("words", 0, duration)
    for w in analysis.words:
        text = "box" if w.text.strip() == "fox" else w.text.strip(" .").lower()
        tier.add(round(w.start - SHIFT, 4), round(w.end - SHIFT, 4), text)
    grid.append(tier)
    grid.write(str(path))
    return path


def test_a_loaded_reference_is_a_tier_with_error_columns_and_a_summary(
        qtbot, make_window, tmp_path):
    from whisperscope.ui.tier_view import REFERENCE
    from whisperscope.ui.transcript_model import END_ERROR, START_ERROR

    window = make_window()
    analysis = open_and_finish(qtbot, window)
    assert window.reference.load_reference(str(write_reference(tmp_path / "ref.TextGrid")))
    plots, words = window.plots, window.token_list.words
    assert plots.tiers.tiers.order == ["words", "reference", "tokens"]
    assert len(plots.tiers.tiers.tiers[REFERENCE][0]) == len(WORDS)
    view = window.token_list.word_view
    assert not view.isColumnHidden(START_ERROR) and not view.isColumnHidden(END_ERROR)
    assert words.data(words.index(0, START_ERROR)) == "+30"
    assert words.data(words.index(3, START_ERROR)) == ""  # "fox" is not "box"
    summary = window.token_list.summary.text()
    assert "8 matched" in summary and "start 30 ms" in summary
    assert "0% / 100% / 100%" in summary and "unmatched: 1 ours, 1 reference" in summary
    # moving a boundary re-measures it
    w0, w1 = analysis.words[0], analysis.words[1]
    tier_drag(window, w1.start, w0.end - 0.2)  # stops at the word before
    expected = (w0.end - (w1.start - SHIFT)) * 1000
    assert words.data(words.index(1, START_ERROR)) == f"{expected:+.0f}"
    # the comparison exports as CSV
    out = tmp_path / "comparison.csv"
    assert window.actions.export_comparison.isEnabled()
    assert window.reference.export_comparison(str(out))
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(WORDS) + 1  # fox and box unmatched, on rows of their own
    assert rows[0]["start_error_ms"] == "30.0"
    # another recording drops the reference (the drag is not asked about: not the point)
    window.document.mark_saved()
    open_and_finish(qtbot, window, "/tmp/other.wav")
    assert view.isColumnHidden(START_ERROR) and plots.tiers.tiers.order == ["words", "tokens"]


def test_a_bad_reference_is_a_message(qtbot, make_window, tmp_path):
    window = make_window()
    open_and_finish(qtbot, window)
    bad = tmp_path / "ref.wrd"
    bad.write_text("not timit\n")
    assert not window.reference.load_reference(str(bad))
    assert "not a readable TIMIT" in window.notifier.error_box.text()
    window.notifier.error_box.close()


def test_the_command_line_opens_the_window_with_both_tiers(qtbot, qsettings, tmp_path):
    from whisperscope.ui.app import create_window, parse_args, read_reference_arg

    ref = write_reference(tmp_path / "ref.TextGrid")
    args = parse_args(["/tmp/fake.wav", "--reference", str(ref)])
    window = create_window(args, qsettings, reference=read_reference_arg(args))
    window.controller.engine = FakeEngine()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished), timeout=10_000):
        window.show()
    assert window.document.reference.name == "ref.TextGrid"
    assert window.reference.comparison is not None
    assert "8 matched" in window.token_list.summary.text()
    assert window.plots.tiers.tiers.order == ["words", "reference", "tokens"]
    from whisperscope.ui.transcript_model import START_ERROR

    assert not window.token_list.word_view.isColumnHidden(START_ERROR)
    window.close()


def test_a_bad_reference_on_the_command_line_is_one_line_and_exit_code_2(tmp_path, capsys):
    from whisperscope.ui.app import run_app

    assert run_app(["/tmp/fake.wav", "--reference", str(tmp_path / "gone.TextGrid")]) == 2
    assert run_app(["--reference", str(write_reference(tmp_path / "r.TextGrid"))]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"whisperscope: error: no such reference file: {tmp_path}/gone.TextGrid"
    assert "needs a recording" in err[1] and len(err) == 2


def test_a_saved_session_brings_its_reference_back(qtbot, make_window, tmp_path):
    from whisperscope.session.store import load_session

    window = make_window()
    open_and_finish(qtbot, window)
    assert window.reference.load_reference(str(write_reference(tmp_path / "ref.TextGrid")))
    path = tmp_path / "compared.wscope"
    assert window.sessions.save_to(str(path))
    other = make_window()
    with qtbot.waitSignal(other.controller.event, check_params_cb=is_a(Finished), timeout=10_000):
        other.runs.open_session(load_session(path, check_audio=False))
    assert other.document.reference.name == "ref.TextGrid"
    assert "8 matched" in other.token_list.summary.text()


def test_the_error_columns_fit_errors_of_seconds(qtbot, make_window):
    """Errors of a few seconds ("+12345") are shown whole, not cut to "+1…"."""
    from PySide6.QtGui import QFontMetrics

    from whisperscope.ui.transcript_model import END_ERROR, START_ERROR

    window = make_window()
    open_and_finish(qtbot, window)
    panel = window.token_list
    panel.show_comparison({0: (12.345, -0.02), 1: (0.01, -7.5)}, "2 matched")
    view, words = panel.word_view, panel.words
    metrics = QFontMetrics(words.number_font)
    for col, text in ((START_ERROR, "+12345"), (END_ERROR, "-7500")):
        shown = words.data(words.index(0 if col == START_ERROR else 1, col))
        assert shown == text
        assert view.columnWidth(col) >= metrics.horizontalAdvance(text) + 8

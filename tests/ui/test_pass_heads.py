"""The alignment pass in the heads menu (issue 8, item 3): its rows for finished windows,
the decoding's mean while a window decodes, the window's own head in the hover."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from whisperscope.engine.events import TokenDecoded, WindowDone, WindowStarted
from whisperscope.ui.attention_rows import MEAN, PASS, AttentionRows

from .conftest import QT_LOG_IGNORE, WORDS, synthetic_analysis
from .test_window import open_and_finish
from .test_window_model import analysed  # noqa: F401  (a fixture)

PASS_HEADS = ((2, 4),)
SHIFT = 9  # frames: the planted pass rows peak this far after the heads' peaks


def with_pass(analysis):
    """The synthetic window with pass rows: its heads' rows moved SHIFT frames later."""
    window = analysis.windows[0]
    rows = np.roll(window.heads[0, window.text_rows].astype(np.float32), SHIFT, axis=1)
    rows /= rows.sum(axis=1, keepdims=True)
    window = dataclasses.replace(window, pass_rows=rows.astype(np.float16),
                                 pass_heads=PASS_HEADS)
    return dataclasses.replace(analysis, windows=[window])


def finished(analysis) -> WindowDone:
    return WindowDone(0, analysis.windows[0], tuple(analysis.segments), tuple(analysis.words),
                      tuple(analysis.tokens))


def test_a_finished_block_draws_its_pass_rows_and_names_its_head():
    analysis = with_pass(synthetic_analysis("x.wav")[0])
    rows = AttentionRows()
    block = rows.finish_window(finished(analysis))
    raw = block.values(PASS, False)
    np.testing.assert_array_equal(raw, analysis.windows[0].pass_rows.astype(np.float32))
    mean_peaks = block.values(MEAN, False).argmax(axis=1)
    assert (block.values(PASS, True).argmax(axis=1) == mean_peaks + SHIFT).all()
    assert block.shows(PASS) == "Alignment pass L2 H4"
    assert block.raw_value(3, int(mean_peaks[3]) + SHIFT, PASS) == pytest.approx(
        float(raw[3].max()))


def test_live_rows_and_windows_without_a_pass_show_the_mean():
    analysis, events = synthetic_analysis("x.wav")
    rows = AttentionRows()
    for event in events:
        if isinstance(event, WindowStarted):
            rows.start_window(event)
        elif isinstance(event, TokenDecoded):
            rows.add_token(event)
        if rows.n_rows == 3:
            break
    live = rows.live_block
    np.testing.assert_array_equal(live.values(PASS, True), live.values(MEAN, True))
    assert "no alignment pass yet" in live.shows(PASS)
    block = rows.finish_window(finished(analysis))  # a window timed without a pass
    np.testing.assert_array_equal(block.values(PASS, True), block.values(MEAN, True))
    assert "for this window" in block.shows(PASS)


@pytest.mark.gui
@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)
def test_choosing_the_pass_in_the_heads_menu_redraws_the_heatmap(qtbot, make_window,
                                                                  tmp_path):
    from whisperscope.engine.events import Finished
    from whisperscope.session.store import load_session, save_session

    first = make_window()
    open_and_finish(qtbot, first)
    path = save_session(with_pass(first.document.analysis), tmp_path / "fake.wscope")
    window = make_window()  # the pass comes back from a saved session
    with qtbot.waitSignal(window.controller.event, check_params_cb=lambda e: isinstance(
            e, Finished), timeout=10_000):
        window.runs.open_session(load_session(path, check_audio=False))
    analysis = window.document.analysis
    assert analysis.windows[0].pass_heads == PASS_HEADS
    heatmap, combo = window.plots.heatmap, window.plots.controls.heads
    heatmap.redraw()
    mean = next(iter(heatmap._images.values())).image.copy()
    assert mean.shape == (len(WORDS), analysis.windows[0].n_frames)
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[1] == PASS.label == "Alignment pass (per window: the times' source)"
    assert window.sessions.export_to(str(tmp_path / "mean.png"), "png")
    combo.setCurrentIndex(1)
    assert heatmap.choice == PASS
    shown = next(iter(heatmap._images.values())).image
    assert not np.allclose(shown, mean)
    assert (shown.argmax(axis=1) == mean.argmax(axis=1) + SHIFT).all()
    assert "alignment pass" in window.plots.heatmap_bar.label.lower()
    assert window.plots.controls.hint.text().startswith("Alignment pass")
    tok = analysis.tokens[4]
    text = heatmap.describe((tok.start + tok.end) / 2, 4.5)
    assert "l2 h4" in text  # the window's own head, not the menu's "per window"
    # File > Export PNG draws what the heatmap shows
    assert window.sessions.export_to(str(tmp_path / "pass.png"), "png")
    assert (tmp_path / "pass.png").read_bytes() != (tmp_path / "mean.png").read_bytes()
    combo.setCurrentIndex(0)
    np.testing.assert_array_equal(next(iter(heatmap._images.values())).image, mean)
    assert window.plots.controls.hint.text() == ""


@pytest.mark.model
@pytest.mark.gui
@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)
def test_the_real_model_s_pass_reaches_the_heads_menu(qtbot, analysed):  # noqa: F811
    window, _ = analysed
    attention = window.document.analysis.windows[0]
    assert attention.pass_rows is not None and attention.pass_heads
    heatmap, combo = window.plots.heatmap, window.plots.controls.heads
    mean = next(iter(heatmap._images.values())).image.copy()
    combo.setCurrentIndex(combo.findText(PASS.label))
    shown = next(iter(heatmap._images.values())).image
    assert shown.shape == mean.shape == (window.rows.n_rows, attention.n_frames)
    assert not np.allclose(shown, mean)
    layer, head = attention.pass_heads[0]
    start = window.document.analysis.tokens[1].start
    assert f"l{layer} h{head}" in heatmap.describe(start + 0.01, 1.5)

"""The window with the real tiny.en model on generated speech."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from whisperscope.engine.events import Failed, Finished, TokenDecoded

from .conftest import QT_LOG_IGNORE, is_a, only

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]
ANALYSIS_MS = 120_000


def model_window(make_window, real_engine):
    window = make_window(real_engine)
    window.analysis_bar.set_model("tiny.en")
    window.analysis_bar.set_device("cpu")
    return window


def no_thread_running(window) -> bool:
    return window.workers.running == 0


@pytest.fixture
def analysed(qtbot, make_window, real_engine, speech_file):
    """A window that has analysed the speech, with what it saw while decoding."""
    window = model_window(make_window, real_engine)
    seen = []
    window.controller.event.connect(only(
        TokenDecoded, lambda event: seen.append((event, window.rows.n_rows,
                                                 window.document.analysis is None,
                                                 window.plots.heatmap.row_images()))))
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(Finished), timeout=ANALYSIS_MS):
        window.open_file(str(speech_file))
    window.plots.heatmap.redraw()
    return window, seen


@pytest.mark.model
def test_heatmap_rows_arrive_while_decoding(analysed):
    window, seen = analysed
    text_rows = [rows for event, rows, running, _ in seen if running]
    assert len(seen) >= 8  # token_decoded signals before Finished
    assert all(running for _, _, running, _ in seen)
    assert text_rows[-1] >= 5 and text_rows == sorted(text_rows)
    drawn = [images for *_, images in seen]
    assert max(drawn) >= 3  # the live image had grown to several rows mid-run
    assert window.rows.n_rows == len(window.document.analysis.tokens) >= 5
    assert "children" in window.document.analysis.text.lower()


@pytest.mark.model
def test_clicking_a_token_seeks_to_its_start(qtbot, analysed):
    window, _ = analysed
    window.token_list.tabs.setCurrentWidget(window.token_list.token_view)
    view = window.token_list.token_view
    for row in (2, len(window.document.analysis.tokens) - 1):
        rect = view.visualRect(view.model().index(row, 0))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert window.playback.player.position() == pytest.approx(
            window.document.analysis.tokens[row].start, abs=1e-6)


@pytest.mark.model
def test_advancing_the_playhead_highlights_the_right_token(analysed, clock):
    window, _ = analysed
    window.playback.play()
    for tok in window.document.analysis.tokens[::2]:
        clock.advance((tok.start + tok.end) / 2 - window.playback.position())
        window.playback._tick()
        assert window.token_list.tokens.current == tok.index
        assert window.plots.heatmap.current_row == tok.index
        assert window.document.analysis.token_at(window.timeline.playhead) == tok
    window.playback.pause()


@pytest.mark.model
def test_cancel_stops_the_analysis(qtbot, make_window, real_engine, speech_file):
    window = model_window(make_window, real_engine)
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(TokenDecoded), timeout=ANALYSIS_MS):
        window.open_file(str(speech_file))
    qtbot.waitUntil(lambda: window.rows.n_rows >= 2, timeout=ANALYSIS_MS)
    window.analysis_bar.cancel.click()
    qtbot.waitUntil(lambda: no_thread_running(window), timeout=10_000)
    assert window.document.analysis is None
    assert window.analysis_bar.progress.format() == "Cancelled"


@pytest.mark.model
def test_closing_during_analysis_leaves_no_thread_running(qtbot, make_window, real_engine,
                                                          speech_file):
    window = model_window(make_window, real_engine)
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(TokenDecoded), timeout=ANALYSIS_MS):
        window.open_file(str(speech_file))
    assert window.workers.running == 1
    window.close()
    assert no_thread_running(window)


def test_a_file_that_is_not_audio_shows_an_error(qtbot, make_window, tmp_path):
    from whisperscope.ui.engine_service import Engine

    window = make_window(Engine())
    bogus = tmp_path / "slides.wav"
    bogus.write_bytes(b"%PDF-1.4 this is not a recording" * 50)
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(Failed), timeout=30_000) as blocker:
        window.open_file(str(bogus))
    assert blocker.args[0].kind == "audio"
    assert window.notifier.error_box is not None and window.notifier.error_box.isVisible()
    assert window.notifier.error_box.windowTitle() == "Cannot open this file"
    assert window.notifier.error_box.text()
    assert "slides.wav" in window.statusBar().currentMessage() or window.notifier.error_box.text()
    window.notifier.error_box.close()
    qtbot.waitUntil(lambda: no_thread_running(window), timeout=5000)


@pytest.mark.model
def test_any_layer_and_head_can_be_shown_for_a_finished_window(qtbot, analysed):
    window, _ = analysed
    combo = window.plots.controls.heads
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert "Layer 0 · Head 0" in labels and "Layer 3 · Head 5" in labels  # tiny.en: 4 x 6
    with qtbot.waitSignal(window.recomputer.window_recomputed, timeout=60_000) as blocker:
        combo.setCurrentIndex(labels.index("Layer 1 · Head 2"))
    window_index, full = blocker.args
    attention = window.document.analysis.windows[window_index]
    assert full.shape == (4, 6, len(attention.token_ids), attention.n_frames)
    # the alignment heads' rows of the recomputation match what was captured live
    layer, head = attention.head_ids[0]
    live = attention.heads[0].astype("float32")
    assert abs(full[layer, head].astype("float32") - live).max() < 0.02
    image = next(iter(window.plots.heatmap._images.values()))
    assert image.isVisible()
    assert image.image.shape == (window.rows.n_rows, attention.n_frames)
    assert window.plots.controls.hint.text() == ""


def test_a_progress_text_too_long_for_its_bar_is_cut_at_its_end(qtbot):
    from whisperscope.ui.analysis_bar import AnalysisBar

    bar = AnalysisBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.progress.resize(140, 24)
    text = "16 tokens · 11 words · 2.6 s · 2.5× real time"
    bar.set_done(text)
    shown = bar.progress.format()
    assert shown.startswith("16 tokens") and shown.endswith("…"), shown
    assert bar.progress.toolTip() == text
    bar.progress.resize(600, 24)
    assert bar.progress.format() == text

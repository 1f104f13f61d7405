"""The window on synthetic events (no model): live rows, clicks seek, the playhead
highlights, views share one time axis, settings persist, errors show."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from whisperscope.engine.events import Failed, Finished, TokenDecoded
from whisperscope.session.job import Notice

from .conftest import QT_LOG_IGNORE, WORDS, FakeEngine, is_a, only

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


def open_and_finish(qtbot, window, path="/tmp/fake.wav", timeout=10_000):
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished), timeout=timeout):
        window.open_file(path)
    window.plots.heatmap.redraw()
    return window.document.analysis


def click_scene(qtbot, widget, vb, x, y):
    """Click a pyqtgraph GraphicsLayoutWidget at view coordinates (x, y) of `vb`."""
    scene_point = vb.mapViewToScene(QPointF(x, y))
    pos = widget.mapFromScene(scene_point)
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_rows_and_tokens_fill_in_live_before_the_window_is_done(qtbot, make_window):
    window = make_window(FakeEngine(delay=0.05))
    live = []

    def on_token(_event):
        live.append((window.rows.n_rows, window.token_list.tokens.rowCount(),
                     window.document.analysis is None))

    window.controller.tokens_flushed.connect(on_token)  # tokens reach the views per frame
    open_and_finish(qtbot, window)
    # tokens come 50 ms apart and reach the views a frame later, a few per flush (how many
    # depends on the machine's load), not all at the window's end
    counts = [n for n, _, _ in live]
    assert len(set(counts)) >= 3 and counts == sorted(counts) and counts[0] < len(WORDS)
    assert all(pending for _, _, pending in live)  # all before Finished
    assert live[-2][1] == len(WORDS)  # pending token rows, before times are known
    assert window.rows.n_rows == len(WORDS)
    assert window.token_list.tokens.pending == []
    assert window.token_list.words.rowCount() == len(WORDS)


def test_clicking_a_token_seeks_to_its_start(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    view = window.token_list.word_view
    for row in (1, 5):
        rect = view.visualRect(view.model().index(row, 0))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert window.playback.position() == pytest.approx(analysis.words[row].start)
        assert window.timeline.playhead == pytest.approx(analysis.words[row].start)


def test_the_playhead_highlights_the_token_being_spoken(qtbot, make_window, clock):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    window.playback.play()
    for i in (0, 3, 7):
        tok = analysis.tokens[i]
        clock.advance((tok.start + tok.end) / 2 - window.playback.position())
        window.playback._tick()  # what the 30 Hz timer does
        assert window.token_list.tokens.current == i
        assert window.token_list.words.current == i
        assert window.plots.heatmap.current_row == i
    window.playback.pause()
    gap = (analysis.tokens[3].end + analysis.tokens[4].start) / 2
    window.playback.seek(gap)
    assert window.token_list.tokens.current == -1
    assert window.plots.heatmap.current_row is None


def test_space_plays_and_the_timer_moves_the_playhead(qtbot, make_window, clock):
    window = make_window()
    open_and_finish(qtbot, window)
    assert window.focusWidget() is window.plots.spectrogram_widget  # not the model box
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_Space)
    assert window.playback.is_playing and window.playback.timer.isActive()
    clock.advance(1.5)
    qtbot.waitUntil(lambda: window.timeline.playhead == pytest.approx(1.5), timeout=2000)
    assert window.transport.readout.text().startswith("0:01.50")
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert window.playback.position() == pytest.approx(2.5)
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert not window.playback.is_playing
    qtbot.waitUntil(lambda: not window.playback.timer.isActive(), timeout=1000)


def test_clicks_on_the_spectrogram_heatmap_and_time_axis_seek(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    plots = window.plots
    click_scene(qtbot, plots.spectrogram_widget, plots.spectrogram.vb, 2.0, 40)
    assert window.playback.position() == pytest.approx(2.0, abs=0.05)
    click_scene(qtbot, plots.heatmap_widget, plots.heatmap.vb, 4.0, 3.5)
    assert window.playback.position() == pytest.approx(4.0, abs=0.05)
    axis = plots.spectrogram.getAxis("bottom")
    x = plots.spectrogram.vb.mapViewToScene(QPointF(1.0, 0)).x()
    y = axis.sceneBoundingRect().center().y()
    pos = plots.spectrogram_widget.mapFromScene(QPointF(x, y))
    qtbot.mouseClick(plots.spectrogram_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.playback.position() == pytest.approx(1.0, abs=0.05)


def test_both_plots_share_the_time_axis(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    window.timeline.set_view_range(1.0, 3.0)
    for plot in (window.plots.spectrogram, window.plots.heatmap):
        assert plot.vb.viewRange()[0] == pytest.approx([1.0, 3.0])
    # a time maps to the same screen column in both plots
    xs = [plot.vb.mapViewToScene(QPointF(2.0, 0)).x()
          for plot in (window.plots.spectrogram, window.plots.heatmap)]
    assert xs[0] == pytest.approx(xs[1], abs=1.0)
    window.plots.heatmap.vb.setXRange(2.0, 4.0, padding=0)  # a drag in one plot...
    assert window.timeline.view_range == pytest.approx((2.0, 4.0))
    assert window.plots.spectrogram.vb.viewRange()[0] == pytest.approx([2.0, 4.0])


def test_heatmap_rows_follow_the_view_and_hover_names_the_cell(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    tok = analysis.tokens[4]
    window.timeline.set_view_range(tok.start - 0.05, tok.end + 0.05)
    y0, y1 = window.plots.heatmap.vb.viewRange()[1]
    assert y0 <= 4 < y1
    text = window.plots.heatmap.describe((tok.start + tok.end) / 2, 4.5)
    assert "jumps" in text and "weight" in text
    image = next(iter(window.plots.heatmap._images.values()))
    assert image.image.shape == (len(WORDS), analysis.windows[0].n_frames)


def test_choosing_another_layer_asks_for_a_recomputation(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    combo = window.plots.controls.heads
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[0] == "Alignment heads (mean)"
    assert "Alignment head L2 H1" in labels and "Layer 3 · Head 5" in labels
    requested = []
    window.recomputer.request = lambda w: requested.append(w.index) or True
    combo.setCurrentIndex(labels.index("Layer 0 · Head 0"))
    assert requested == [0]
    n_frames = window.document.analysis.windows[0].n_frames
    full = np.zeros((4, 6, len(WORDS) + 1, n_frames), np.float16)
    window.recomputer.window_recomputed.emit(0, full)
    assert next(iter(window.plots.heatmap._images.values())).isVisible()


def test_a_file_that_is_not_audio_shows_a_message(qtbot, make_window, tmp_path):
    window = make_window()
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio")
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Failed), timeout=5000):
        window.open_file(str(notes))
    assert window.notifier.error_box is not None and window.notifier.error_box.isVisible()
    assert "not an audio file" in window.notifier.error_box.text()
    window.notifier.error_box.close()


def test_opening_another_file_cancels_the_first(qtbot, make_window):
    window = make_window(FakeEngine(delay=0.05))
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(TokenDecoded), timeout=5000):
        window.open_file("/tmp/first.wav")
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(Finished), timeout=10_000) as blocker:
        window.open_file("/tmp/second.wav")
    assert blocker.args[0].analysis.audio.path.endswith("second.wav")
    assert window.rows.n_rows == len(WORDS)  # no rows left over from the first file
    assert window.token_list.words.rowCount() == len(WORDS)
    qtbot.waitUntil(lambda: window.workers.running == 0,
                    timeout=2000)


def test_cancel_stops_the_worker(qtbot, make_window):
    window = make_window(FakeEngine(delay=0.1))
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(TokenDecoded), timeout=5000):
        window.open_file("/tmp/fake.wav")
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(Failed), timeout=1000) as blocker:
        window.analysis_bar.cancel.click()
    assert blocker.args[0].kind == "cancelled"
    qtbot.waitUntil(lambda: window.workers.running == 0,
                    timeout=1000)
    assert window.analysis_bar.progress.format() == "Cancelled"
    assert not window.analysis_bar.cancel.isEnabled()


def test_settings_and_recent_files_are_remembered(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window, "/tmp/one.wav")
    window.transport.speed.setCurrentIndex(4)  # 1.5x
    window.close()
    again = make_window()
    assert again.preferences.settings.recent_files[0] == "/tmp/one.wav"
    assert again.actions.recent_menu.actions()[0].text().endswith("/tmp/one.wav")
    assert again.analysis_bar.model_name == "fake"
    assert again.playback.speed == 1.5
    assert again.store.geometry("geometry") is not None


def test_sound_unavailable_is_said_once(qtbot, make_window):
    window = make_window()
    messages = []
    window.playback.sound_unavailable.connect(messages.append)
    open_and_finish(qtbot, window, "/tmp/a.wav")
    open_and_finish(qtbot, window, "/tmp/b.wav")
    assert messages == ["No sound: test"]
    assert window.transport.sound.text() == "No sound"


def test_a_saved_session_reopens_without_a_model(qtbot, make_window, tmp_path):

    window = make_window()
    open_and_finish(qtbot, window)
    window.timeline.set_view_range(1.0, 4.0)
    path = tmp_path / "fake.wscope"
    assert window.sessions.save_to(str(path))
    srt = tmp_path / "fake.srt"
    assert window.sessions.export_to(str(srt), "srt")
    assert "quick" in srt.read_text()
    other = make_window()
    from whisperscope.session.store import load_session

    with qtbot.waitSignal(other.controller.event, check_params_cb=is_a(Finished), timeout=10_000):
        other.runs.open_session(load_session(path, check_audio=False))
    assert other.rows.n_rows == len(WORDS)
    assert other.timeline.view_range == pytest.approx((1.0, 4.0))


def test_ctrl_wheel_zooms_around_the_pointer_and_wheel_pans(qtbot, make_window):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    window = make_window()
    open_and_finish(qtbot, window)
    plots = window.plots
    view = plots.spectrogram_widget

    def wheel(t: float, notches: int, modifiers) -> None:
        pos = view.mapFromScene(plots.spectrogram.vb.mapViewToScene(QPointF(t, 40)))
        event = QWheelEvent(QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)), QPoint(),
                            QPoint(0, 120 * notches), Qt.MouseButton.NoButton, modifiers,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(view.viewport(), event)

    wheel(2.0, 2, Qt.KeyboardModifier.ControlModifier)
    start, end = window.timeline.view_range
    assert end - start == pytest.approx(6.0 / 1.25**2, rel=0.02)
    assert (2.0 - start) / (end - start) == pytest.approx(2.0 / 6.0, abs=0.02)
    wheel(2.0, -1, Qt.KeyboardModifier.NoModifier)
    assert window.timeline.view_range[0] > start  # plain wheel pans
    assert plots.heatmap.vb.viewRange()[0] == pytest.approx(list(window.timeline.view_range))


def test_double_click_plays_just_that_word(qtbot, make_window, clock):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    view = window.token_list.word_view
    rect = view.visualRect(view.model().index(3, 1))  # a time: the text edits the word
    # a real double-click is press, release, then a double-click press on the same row
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    word = analysis.words[3]
    assert window.playback.is_playing
    assert window.playback.position() == pytest.approx(word.start)
    clock.advance(word.end - word.start + 0.5)
    window.playback._tick()
    assert not window.playback.is_playing
    assert window.playback.position() == pytest.approx(word.end)


def test_dropping_a_file_opens_it(qtbot, make_window):
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile("/tmp/dropped.wav")])
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished), timeout=10_000):
        window.dropEvent(event)
    assert window.document.path == "/tmp/dropped.wav"


class OutOfMemoryOnGpu(FakeEngine):
    def available_devices(self):
        return {"cpu": True, "cuda": True, "mps": False}

    def analyze(self, audio, model, settings, cancel, mel=None):
        from whisperscope.engine.events import Failed

        if model.info.device == "cuda":
            yield Failed("CUDA out of memory", "out_of_memory")
            return
        yield from super().analyze(audio, model, settings, cancel)


def test_gpu_out_of_memory_falls_back_to_the_cpu_and_says_so(qtbot, make_window):
    window = make_window(OutOfMemoryOnGpu())
    window.analysis_bar.set_device("cuda")
    notices = []
    window.controller.event.connect(only(Notice, notices.append))
    analysis = open_and_finish(qtbot, window)
    assert analysis.tokens
    assert window.document.model.info.device == "cpu"
    assert notices and "CPU" in notices[0].message
    assert window.notifier.error_box is None


def test_absent_devices_are_greyed(qtbot, make_window):
    window = make_window()
    open_and_finish(qtbot, window)
    combo = window.analysis_bar.device
    enabled = {combo.itemData(i): combo.model().item(i).isEnabled()
               for i in range(combo.count())}
    assert enabled == {"auto": True, "cpu": True, "cuda": False, "mps": False}


def test_about_names_the_version_model_and_device(qtbot, make_window):
    from whisperscope import __version__
    from whisperscope.ui.about import about_text

    window = make_window()
    open_and_finish(qtbot, window)
    text = about_text(window.document.model)
    assert __version__ in text and "fake" in text and "cpu" in text


def test_words_are_drawn_over_the_spectrogram(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    track = window.plots.spectrogram.words
    assert track.texts == [w.text.strip() for w in analysis.words]
    window.playback.seek((analysis.words[2].start + analysis.words[2].end) / 2)
    assert track.current == 2
    window.plots.spectrogram_widget.grab()  # paints without error


class NoModel(FakeEngine):
    def load_model(self, name, device):
        from whisperscope.errors import ModelError

        raise ModelError(f"No Whisper model named '{name}' is installed.")


def test_a_missing_model_is_a_message_not_a_crash(qtbot, make_window):
    window = make_window(NoModel())
    window.analysis_bar.set_model("large-v9")
    with qtbot.waitSignal(window.controller.event,
            check_params_cb=is_a(Failed), timeout=5000) as blocker:
        window.open_file("/tmp/fake.wav")
    assert blocker.args[0].kind == "model"
    assert window.notifier.error_box.windowTitle() == "Model not available"
    assert "large-v9" in window.notifier.error_box.text()
    assert window.document.audio is not None  # the recording is still there to play
    assert window.analysis_bar.analyse.isEnabled()
    window.notifier.error_box.close()


def test_words_fill_in_live_too(qtbot, make_window):
    window = make_window(FakeEngine(delay=0.05))
    live = []
    window.controller.tokens_flushed.connect(
        lambda _n: live.append(window.token_list.words.rowCount()))
    open_and_finish(qtbot, window)
    assert len(set(live)) >= 3 and live == sorted(live) and live[0] < len(WORDS)  # as tokens
    assert window.token_list.words.pending == []


def test_export_writes_subtitles_and_the_figure(qtbot, make_window, tmp_path):
    pytest.importorskip("matplotlib")

    window = make_window()
    open_and_finish(qtbot, window)
    assert window.actions.export.isEnabled() and window.actions.save_session.isEnabled()
    vtt, png = tmp_path / "out.vtt", tmp_path / "out.png"
    assert window.sessions.export_to(str(vtt), "vtt")
    assert vtt.read_text().startswith("WEBVTT")
    assert window.sessions.export_to(str(png), "png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_engine_process_starts_once_the_window_has_painted(qtbot, qsettings):
    """Started while the window was built, the engine's child (importing torch) took a core
    from it; it starts after the first paint instead, and is closed with the window. The
    heap made until then is frozen out of the cyclic collector's full passes."""
    import gc

    from whisperscope.ui.app import create_window, parse_args

    gc.unfreeze()
    window = create_window(parse_args([]), qsettings)
    qtbot.addWidget(window)
    engine = window.controller.engine
    assert engine._process is None and gc.get_freeze_count() == 0
    window.show()
    try:
        qtbot.waitUntil(lambda: engine._process is not None, timeout=5000)
        assert gc.get_freeze_count() > 10_000  # the imports' and the window's objects
    finally:
        gc.unfreeze()  # the rest of this test run collects as before
    child = engine._process.process
    assert child.is_alive()
    window.close()
    qtbot.waitUntil(lambda: not child.is_alive(), timeout=10_000)

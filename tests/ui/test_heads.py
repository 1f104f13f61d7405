"""Which head hears what (issue 10, item 5): scores on planted matrices, the grid, show a
head, time the words with picked heads, copy them as alignment_heads."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from .conftest import QT_LOG_IGNORE, synthetic_analysis
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]
BOUNDS = 20 + 28 * np.arange(11)  # token r of the planted head attends [B_r, B_r+1)
PLANTED = (1, 2)


def planted_full(n_rows: int = 10, n_frames: int = 300) -> np.ndarray:
    """All layers/heads of the fake window: noise, except head L1 H2, which attends to
    contiguous planted spans token by token."""
    rng = np.random.default_rng(1)
    full = rng.uniform(0.0, 1.0, (4, 6, n_rows, n_frames)).astype(np.float32)
    full /= full.sum(axis=-1, keepdims=True)
    head = np.full((n_rows, n_frames), 1e-4, np.float32)
    for r in range(n_rows):
        head[r, BOUNDS[r]: BOUNDS[r + 1]] = 1.0
    full[PLANTED] = head / head.sum(axis=-1, keepdims=True)
    return full


def test_the_grid_scores_heads_as_the_engine_chooses_them():
    """One head score: the grid's (timing/heads.py) prefers what the engine's pass picks."""
    from whisperscope.engine.timing.heads import head_alignment_scores

    eye = np.eye(20, dtype=np.float32)
    sink = np.zeros((20, 20), np.float32)
    sink[:, 0] = 1.0  # every token looks at the first frame: peaked, but no alignment
    flat = np.full((20, 20), 1 / 20, np.float32)
    scores = head_alignment_scores(np.stack([sink, flat, eye])[None], None)[0]
    assert np.argmax(scores) == 2 and scores[2] == pytest.approx(1.0)
    assert scores[0] < 0.3 and scores[1] < 0.1


def test_retiming_with_the_planted_head_finds_its_spans():
    from whisperscope.engine.timing.retime import retime_with_heads

    analysis, _ = synthetic_analysis("/tmp/fake.wav")
    times = retime_with_heads(analysis, {0: planted_full()}, [PLANTED])
    assert sorted(times) == list(range(len(analysis.words)))
    for i, (start, end) in times.items():
        if i:  # DTW gives the frames before the first token to it (whisper's rule)
            assert start == pytest.approx(BOUNDS[i] * 0.02, abs=0.05)
        assert end == pytest.approx(BOUNDS[i + 1] * 0.02, abs=0.05)
    assert retime_with_heads(analysis, {0: planted_full()}, []) == {}


def test_the_heads_grid_shows_picks_and_times_with_heads(qtbot, make_window):
    window = make_window()
    analysis = open_and_finish(qtbot, window)
    asked = []
    window.recomputer.request = lambda w: asked.append(w.index) or True
    explorer = window.heads
    toggle = explorer.dock.toggleViewAction()
    assert toggle in window.actions.view_menu.actions()  # View > Heads Grid (Ctrl+G)
    toggle.trigger()
    assert explorer.dock.isVisible()
    explorer.refresh()
    assert asked == [0] and "Computing every head" in explorer.panel.status.text()
    window.recomputer.window_recomputed.emit(0, planted_full())
    with qtbot.waitSignal(explorer.grid_updated, timeout=10_000):  # scored off the GUI thread
        explorer.refresh()
    grid = explorer.panel.grid
    assert grid.shape[:2] == (4, 6)
    assert np.unravel_index(np.argmax(grid.scores), grid.scores.shape) == PLANTED
    assert "L1 H2" in explorer.panel.status.text()
    assert grid.alignment_heads == {(2, 1), (3, 0)}

    def click(layer, head, modifiers=Qt.KeyboardModifier.NoModifier):
        _, _, h, w = grid.shape
        from whisperscope.ui.head_grid import GAP, LABEL_ROWS

        point = QPointF(head * (w + GAP) + w / 2, layer * (h + LABEL_ROWS + GAP) + h / 2)
        pos = grid.mapFromScene(grid.plot.vb.mapViewToScene(point))
        qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, modifiers, pos)

    click(*PLANTED)
    assert window.plots.heatmap.choice.kind == "layer"
    assert (window.plots.heatmap.choice.layer, window.plots.heatmap.choice.head) == PLANTED
    click(*PLANTED, Qt.KeyboardModifier.ShiftModifier)
    assert grid.picked == {PLANTED} and explorer.panel.retime.isEnabled()
    explorer.panel.retime.click()
    words = window.document.shown.words
    assert words[4].start == pytest.approx(BOUNDS[4] * 0.02, abs=0.05)
    assert words[4].start != analysis.words[4].start
    assert window.token_list.words.marked  # re-timed words are edits, and undo
    window.undo.undo.trigger()
    assert window.document.shown.words[4].start == analysis.words[4].start
    explorer.panel.copy.click()
    assert json.loads(QApplication.clipboard().text()) == [list(PLANTED)]


@pytest.mark.model
def test_the_grid_with_the_real_model(qtbot, make_window, real_engine, speech_file):
    """tiny.en on generated speech: every head of the window is recomputed and scored, the
    model's alignment heads score above the median head, and timing the words with them
    keeps every word in order, near the analysis' own times."""
    window = make_window(real_engine)
    window.analysis_bar.set_model("tiny.en")
    window.analysis_bar.set_device("cpu")
    window.heads.dock.show()
    with qtbot.waitSignal(window.recomputer.window_recomputed, timeout=180_000):
        window.open_file(str(speech_file))
    with qtbot.waitSignal(window.heads.grid_updated, timeout=10_000):
        window.heads.refresh()
    grid = window.heads.panel.grid
    assert grid.shape[:2] == (4, 6)
    heads = window.document.analysis.model.alignment_heads
    assert np.mean([grid.scores[h] for h in heads]) > np.median(grid.scores)
    for layer, head in heads:
        grid.toggle_pick(layer, head)
    window.heads.retime()
    words = window.document.shown.words
    assert all(a.start <= a.end <= b.start + 1e-6 for a, b in zip(words, words[1:], strict=False))
    # the same heads by whisper's plain recipe land near the analysis' refined times
    moved = [abs(a.start - b.start)
             for a, b in zip(words, window.document.analysis.words, strict=True)]
    assert np.mean(moved) < 0.25
    assert window.heads.heads_json() == json.dumps([list(h) for h in sorted(heads)])


def test_the_heads_panel_is_built_when_the_dock_first_shows(qtbot, make_window):
    window = make_window()
    explorer = window.heads
    assert explorer._panel is None and explorer.dock.widget() is None  # not at launch
    explorer.dock.show()
    qtbot.waitUntil(lambda: explorer.dock.widget() is not None)
    assert explorer.dock.widget() is explorer.panel and explorer.panel.isVisible()


def test_the_heads_panel_is_built_ahead_once_the_window_is_idle(qtbot, make_window):
    from whisperscope.ui.heads_explorer import BUILD_WHEN_IDLE_MS

    window = make_window()
    explorer = window.heads
    window.playback.timer.start()  # busy (playing): not now
    qtbot.wait(BUILD_WHEN_IDLE_MS + 200)
    assert explorer._panel is None
    window.playback.timer.stop()
    qtbot.waitUntil(lambda: explorer._panel is not None, timeout=2 * BUILD_WHEN_IDLE_MS + 500)
    assert explorer.dock.widget() is explorer.panel and not explorer.dock.isVisible()


@pytest.mark.model
def test_the_grid_fills_after_a_correction_and_in_a_reopened_session(
        qtbot, make_window, speech_file, tmp_path):
    """The app's own engine (its process): after a word is corrected the grid computes
    every head of the re-aligned window (the recomputer used to fall back to an engine in
    this process with the child's model: "'RemoteModel' object has no attribute 'model'"),
    and a reopened session, which loaded no model, starts one on demand."""
    from whisperscope.engine.events import Finished
    from whisperscope.ui.engine_service import ProcessEngine

    from .conftest import is_a

    def grid_fills(window) -> None:
        failed = []
        window.recomputer.recompute_failed.connect(lambda *args: failed.append(args))
        with qtbot.waitSignal(window.heads.grid_updated, timeout=180_000):
            window.heads.dock.show()
        assert not failed
        assert window.heads.panel.grid.shape[:2] == (4, 6)
        assert "most alignment-like" in window.heads.panel.status.text()

    window = make_window(ProcessEngine(threads=1))
    window.analysis_bar.set_model("tiny.en")
    window.analysis_bar.set_device("cpu")
    analysis = open_and_finish(qtbot, window, str(speech_file), timeout=240_000)
    row = next(i for i, w in enumerate(analysis.words) if "window" in w.text.lower())
    words = window.token_list.words
    with qtbot.waitSignal(window.aligner.realigned, timeout=120_000):
        words.setData(words.index(row, 0), "door.")
    assert window.document.analysis.words[row].text == " door."
    grid_fills(window)
    path = tmp_path / "corrected.wscope"
    assert window.sessions.save_to(str(path))
    window.close()

    other = make_window(ProcessEngine(threads=1))
    with qtbot.waitSignal(other.controller.event, check_params_cb=is_a(Finished),
                          timeout=60_000):
        assert other.sessions.open_from(str(path))
    assert other.document.model is None  # nothing loaded: the grid asks for it
    grid_fills(other)

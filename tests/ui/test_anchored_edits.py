"""Hand edits are anchors (issue 25), driven in the window on real tiny.en output: two
boundaries dragged, a word of the same window corrected: both drags survive and no word
outside the corrected span moves; Align Transcript keeps the pins and is one undo step.
The recording is two timit-dev utterances joined by 30 s of silence (test_align_transcript's
`joined`), read in place."""

from __future__ import annotations

import pytest

from whisperscope.engine.events import Finished
from whisperscope.session.edits import END, START

from .conftest import QT_LOG_IGNORE, is_a
from .test_align_transcript import joined  # noqa: F401  (the fixture)
from .test_window import open_and_finish

pytestmark = [pytest.mark.gui, pytest.mark.model, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


def times(analysis) -> list[tuple[float, float]]:
    return [(w.start, w.end) for w in analysis.words]


def dragged_window(qtbot, make_window, real_engine, joined):  # noqa: F811
    import torch

    torch.set_num_threads(1)
    folder, _truth = joined
    window = make_window(real_engine)
    analysis = open_and_finish(qtbot, window, str(folder / "joined.wav"), timeout=180_000)
    words = [w.text.strip(" ,.").lower() for w in analysis.words]
    terms, platform = words.index("terms"), words.index("platform")
    # two drags, as the boundary lines report them when let go
    window.editing.drop(terms, END, analysis.words[terms].end + 0.04)
    window.editing.drop(platform, START, analysis.words[platform].start - 0.03)
    assert window.document.undo_steps == 2
    return window, analysis, terms, platform


def test_a_correction_keeps_both_drags_and_moves_nothing_outside_its_span(
        qtbot, make_window, real_engine, joined):  # noqa: F811
    window, analysis, terms, platform = dragged_window(qtbot, make_window, real_engine,
                                                       joined)
    before = window.document.shown
    shown_before = times(before)
    row = [w.text.strip(" ,").lower() for w in before.words].index("amounts")
    assert terms < row - 1 and row + 1 < platform  # the drags lie outside its span
    words = window.token_list.words
    with qtbot.waitSignal(window.aligner.realigned, timeout=120_000):
        words.setData(words.index(row, 0), "amount")
    after = window.document.shown
    assert after.words[row].text == " amount"
    assert len(after.words) == len(before.words)
    shown_after = times(after)
    # both drags survive, to the bit
    assert shown_after[terms][1] == shown_before[terms][1]
    assert shown_after[platform][0] == shown_before[platform][0]
    pins = window.document.annotation.pins
    assert (terms, END) in pins and (platform, START) in pins
    # no word outside the span (the word and its neighbours) moves; the neighbours keep
    # their outer sides
    for i, (old, new) in enumerate(zip(shown_before, shown_after, strict=True)):
        if i not in (row - 1, row, row + 1):
            assert new == old, (i, before.words[i].text)
    assert shown_after[row - 1][0] == shown_before[row - 1][0]
    assert shown_after[row + 1][1] == shown_before[row + 1][1]
    assert shown_before[row - 1][0] <= shown_after[row][0] <= shown_after[row][1] <= \
        shown_before[row + 1][1]
    # one undo step gives the word and every time back
    window.undo.undo.trigger()
    assert times(window.document.shown) == shown_before
    assert window.document.shown.words[row].text == before.words[row].text


def test_align_transcript_keeps_the_pins_and_undoes_in_one_step(
        qtbot, make_window, real_engine, joined):  # noqa: F811
    window, analysis, terms, platform = dragged_window(qtbot, make_window, real_engine,
                                                       joined)
    folder, _truth = joined
    before = window.document.shown
    pinned = {(terms, END): before.words[terms].end,
              (platform, START): before.words[platform].start}
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished),
                          timeout=180_000):
        assert window.aligner.align_file(str(folder / "joined.txt"))
    aligned = window.document.shown
    assert window.document.undo_text == "align the transcript"
    texts = [w.text.strip(" ,.").lower() for w in aligned.words]
    new_terms, new_platform = texts.index("terms"), texts.index("platform")
    assert aligned.words[new_terms].end == pinned[(terms, END)]
    assert aligned.words[new_platform].start == pinned[(platform, START)]
    assert {(new_terms, END), (new_platform, START)} <= window.document.annotation.pins
    for i, word in enumerate(aligned.words):  # every word between the anchors around it
        if i > new_terms:
            assert word.start >= pinned[(terms, END)] - 1e-9
        if i < new_platform:
            assert word.end <= pinned[(platform, START)] + 1e-9
    window.undo.undo.trigger()  # one step back: the analysis and both drags
    assert window.document.analysis is analysis
    assert times(window.document.shown) == times(before)
    assert window.document.undo_text.startswith("move the start of word")

"""The annotation document: commands with undo and redo, one step each, and the facts it
announces (psygnal), on synthetic analyses with planted times. Qt-free."""

from __future__ import annotations

import pytest

from whisperscope.engine.events import AnalysisStarted, Failed, Finished, WindowStarted
from whisperscope.session import commands
from whisperscope.session.anchors import anchor_words
from whisperscope.session.annotation import (
    Annotation,
    UserTier,
    pins_from_json,
    pins_to_json,
    tiers_from_json,
    tiers_to_json,
)
from whisperscope.session.document import AnnotationDocument
from whisperscope.session.edits import END, START

from .conftest import NORMAL, build_analysis


class Heard:
    """Every announcement of a document, by name, in order."""

    def __init__(self, document: AnnotationDocument) -> None:
        self.names: list[str] = []
        self.values: dict[str, list] = {}
        for name in ("analysis_changed", "times_changed", "pins_changed", "tiers_changed",
                     "history_changed", "run_started", "window_started", "run_finished",
                     "run_failed", "running_changed", "reference_changed"):
            getattr(document.events, name).connect(
                lambda *args, n=name: self._heard(n, args))

    def _heard(self, name, args) -> None:
        self.names.append(name)
        self.values.setdefault(name, []).append(args[0] if args else None)

    def clear(self) -> None:
        self.names.clear()
        self.values.clear()


def finished_document(kind: str = "analyse"):
    analysis = build_analysis(NORMAL, 40.0)
    document = AnnotationDocument()
    document.open_recording("/nonexistent/speech.wav")
    document.start_run(kind)
    document.apply_event(Finished(analysis))
    return document, analysis


def test_a_first_analysis_is_shown_and_is_no_undo_step():
    document = AnnotationDocument()
    heard = Heard(document)
    document.open_recording("/x.wav")
    analysis = build_analysis(NORMAL, 40.0)
    document.start_run("analyse")
    document.apply_event(AnalysisStarted(40.0, 2, analysis.model))
    document.apply_event(WindowStarted(0, 0.0, 1500, 0.0))
    document.apply_event(Finished(analysis))
    assert document.analysis is analysis and not document.can_undo
    assert heard.names.index("run_started") < heard.names.index("window_started") < \
        heard.names.index("run_finished")
    assert heard.values["running_changed"] == [True, False]
    assert heard.values["analysis_changed"][-1].words == analysis.words
    assert document.modified and not document.has_user_work  # analysed, never saved


def test_dragging_a_word_boundary_is_one_undo_step_and_pins_it():
    document, analysis = finished_document()
    heard = Heard(document)
    world, this = analysis.words[1], analysis.words[2]
    a = document.annotation
    for t in (world.end + 0.02, world.end + 0.05, world.end + 0.08):  # a drag: previews
        document.preview(commands.move_boundary(document.drag_origin, commands.WORD, 1,
                                                END, t))
    assert not document.can_undo and "times_changed" in heard.names
    assert document.apply(commands.move_boundary(document.drag_origin, commands.WORD, 1,
                                                 END, world.end + 0.08), "move")
    assert document.undo_text == "move" and document.can_undo
    assert document.shown.words[1].end == pytest.approx(world.end + 0.08)
    assert document.shown.words[2].start == this.start  # a gap: the free end stops short
    assert (1, END) in document.annotation.pins and (2, START) not in document.annotation.pins
    assert document.has_user_work
    document.undo()
    assert document.annotation is a and document.shown.words[1].end == world.end
    assert document.can_redo and document.redo_text == "move"
    document.redo()
    assert document.shown.words[1].end == pytest.approx(world.end + 0.08)


def test_a_shared_boundary_pins_both_words():
    document, analysis = finished_document()
    hello, world = analysis.words[0], analysis.words[1]
    assert hello.end == world.start  # one boundary
    document.apply(commands.move_boundary(document.annotation, commands.WORD, 0, END,
                                          hello.end + 0.1), "move")
    assert {(0, END), (1, START)} <= document.annotation.pins
    assert document.shown.words[1].start == pytest.approx(hello.end + 0.1)


def test_a_command_that_changes_nothing_is_no_undo_step():
    document, analysis = finished_document()
    word = analysis.words[2]
    assert not document.apply(commands.move_boundary(document.annotation, commands.WORD, 2,
                                                     START, word.start), "no move")
    assert not document.can_undo


def test_saving_and_undoing_back_to_the_saved_state_is_not_modified():
    document, analysis = finished_document()
    document.mark_saved("/tmp/x.wscope")
    assert not document.modified
    document.apply(commands.toggle_pin(document.annotation, 3), "pin")
    assert document.modified and document.has_user_work
    document.undo()
    assert not document.modified


def test_analyse_again_is_one_undo_step_and_a_failed_run_keeps_what_was_shown():
    document, first = finished_document()
    document.apply(commands.toggle_pin(document.annotation, 0), "pin")
    heard = Heard(document)
    document.start_run("analyse")
    document.apply_event(Failed("no", "internal"))
    assert document.analysis is first and heard.values["run_failed"][0].message == "no"
    second = build_analysis(NORMAL, 40.0, seed=1)  # the same words at the same times
    document.start_run("transcript", anchor_words(document.annotation))
    document.apply_event(Finished(second))
    assert document.analysis is second and document.undo_text == "align the transcript"
    # the new alignment's words on the anchors are the pins now
    assert {(0, START), (0, END)} <= document.annotation.pins
    document.undo()
    assert document.analysis is first


def test_cancelling_announces_the_failure_once():
    document, _ = finished_document()
    heard = Heard(document)
    document.start_run("analyse")
    document.cancel_run()
    document.cancel_run()
    assert [e.kind for e in heard.values["run_failed"]] == ["cancelled"]
    assert not document.running


def test_opening_another_recording_starts_the_history_anew():
    document, _ = finished_document()
    document.apply(commands.toggle_pin(document.annotation, 0), "pin")
    heard = Heard(document)
    document.open_recording("/other.wav")
    assert document.analysis is None and not document.can_undo
    assert heard.values["analysis_changed"] == [None]
    assert not document.modified


def test_toggle_pin_confirms_then_frees_a_word():
    document, _ = finished_document()
    pinned = commands.toggle_pin(document.annotation, 4)
    assert {(4, START), (4, END)} <= pinned.pins and 4 in pinned.edited_words
    assert commands.toggle_pin(pinned, 4).pins == frozenset()
    with pytest.raises(commands.CommandError):
        commands.toggle_pin(pinned, 99)


def test_tiers_split_merge_label_and_rename_like_praat():
    a = commands.add_tier(Annotation(), "notes")
    a = commands.add_tier_boundary(a, 0, 2.0, 10.0)
    a = commands.add_tier_boundary(a, 0, 5.0, 10.0)
    a = commands.set_interval_text(a, 0, 1, "cough")
    assert a.tiers[0].intervals(10.0) == [(0.0, 2.0, ""), (2.0, 5.0, "cough"),
                                          (5.0, 10.0, "")]
    a = commands.move_tier_boundary(a, 0, 0, 9.0)  # stops short of the next boundary
    assert a.tiers[0].boundaries[0] == pytest.approx(4.999)
    a = commands.remove_tier_boundary(a, 0, 1)
    assert a.tiers[0].texts == ("", "cough")
    a = commands.rename_tier(a, 0, "events")
    assert a.tiers[0].name == "events"
    with pytest.raises(commands.CommandError):
        commands.add_tier(a, "events")
    with pytest.raises(commands.CommandError):
        commands.add_tier_boundary(a, 0, 11.0, 10.0)
    assert commands.remove_tier(a, 0).tiers == ()


def test_pins_and_tiers_round_trip_through_json():
    pins = frozenset({(0, START), (3, END)})
    assert pins_from_json(pins_to_json(pins), 4) == pins
    with pytest.raises(ValueError):
        pins_from_json([[9, "start"]], 4)
    tiers = (UserTier("notes", (1.5, 2.0), ("a", "", "b")),)
    assert tiers_from_json(tiers_to_json(tiers)) == tiers
    with pytest.raises(ValueError):
        tiers_from_json([{"name": "x", "boundaries": [2.0, 1.0], "texts": ["", "", ""]}])


def test_splitting_a_word_cuts_at_its_token_boundary_and_pins_the_cut():
    document, analysis = finished_document()
    word = next(i for i, w in enumerate(analysis.words) if len(w.tokens) == 2)
    old = analysis.words[word]
    t = analysis.tokens[old.tokens[1]].start + 0.01
    document.apply(commands.split_word(document.annotation, word, t), "split")
    shown = document.shown
    assert len(shown.words) == len(analysis.words) + 1
    a, b = shown.words[word], shown.words[word + 1]
    assert (a.start, a.end, b.start, b.end) == pytest.approx((old.start, t, t, old.end))
    assert a.tokens == old.tokens[:1] and b.tokens == old.tokens[1:]
    assert (a.text + b.text).replace(" ", "") == old.text.replace(" ", "")
    assert {(word, END), (word + 1, START)} <= document.annotation.pins
    assert shown.words[word + 2] == analysis.words[word + 1]  # later words keep everything
    segment = next(s for s in shown.segments if word in s.words)
    assert word + 1 in segment.words
    assert [i for s in shown.segments for i in s.words] == list(range(len(shown.words)))
    document.undo()
    assert document.shown.words == analysis.words


def test_merging_two_words_keeps_the_outer_edges_and_pins():
    document, analysis = finished_document()
    document.apply(commands.toggle_pin(document.annotation, 6), "pin")  # " second"
    document.apply(commands.merge_words(document.annotation, 5), "merge")  # The + second
    shown = document.shown
    assert len(shown.words) == len(analysis.words) - 1
    merged = shown.words[5]
    assert merged.text == " The second"
    assert (merged.start, merged.end) == (analysis.words[5].start, analysis.words[6].end)
    assert merged.tokens == analysis.words[5].tokens + analysis.words[6].tokens
    assert (5, END) in document.annotation.pins and (5, START) not in document.annotation.pins
    assert shown.words[6] == analysis.words[7]
    assert [i for s in shown.segments for i in s.words] == list(range(len(shown.words)))
    with pytest.raises(commands.CommandError):  # "WhisperScope." | "The": two segments
        commands.merge_words(document.annotation, 4)


def test_a_word_of_one_token_is_not_split_but_says_how():
    document, analysis = finished_document()
    word = next(i for i, w in enumerate(analysis.words) if len(w.tokens) == 1)
    w = analysis.words[word]
    with pytest.raises(commands.CommandError, match="F2"):
        commands.split_word(document.annotation, word, (w.start + w.end) / 2)

"""Moving word boundaries by hand: ordering, shared boundaries, tokens, segments, JSON."""

from __future__ import annotations

import pytest

from whisperscope.session.edits import (
    END,
    MIN_DURATION,
    START,
    apply_edits,
    edits_from_json,
    edits_to_json,
    move_boundary,
    word_spans,
)

# two words that share a boundary at 1.0, then a pause, then a third word
SPANS = [(0.5, 1.0), (1.0, 1.6), (2.0, 2.4)]


def test_a_shared_boundary_moves_both_words():
    assert move_boundary(SPANS, 0, END, 1.2) == {0: (0.5, 1.2), 1: (1.2, 1.6)}
    assert move_boundary(SPANS, 1, START, 0.8) == {0: (0.5, 0.8), 1: (0.8, 1.6)}


def test_times_stay_ordered():
    # dragged past the neighbour's far edge: stops MIN_DURATION before it
    assert move_boundary(SPANS, 0, END, 5.0) == {0: (0.5, 1.6 - MIN_DURATION),
                                                 1: (1.6 - MIN_DURATION, 1.6)}
    # dragged past its own word's start: the word keeps MIN_DURATION
    assert move_boundary(SPANS, 0, END, 0.0) == {0: (0.5, 0.5 + MIN_DURATION),
                                                 1: (0.5 + MIN_DURATION, 1.6)}
    # a free boundary stops at the neighbour across the pause, and at 0
    assert move_boundary(SPANS, 1, END, 3.0) == {1: (1.0, 2.0)}
    assert move_boundary(SPANS, 2, START, 1.0) == {2: (1.6, 2.4)}
    assert move_boundary(SPANS, 0, START, -3.0) == {0: (0.0, 1.0)}
    assert move_boundary(SPANS, 2, END, 9.0, duration=3.0) == {2: (2.0, 3.0)}


def test_no_move_is_no_edit_and_bad_requests_are_errors():
    assert move_boundary(SPANS, 1, END, 1.6) == {}
    assert move_boundary(SPANS, 1, END, float("nan")) == {}
    with pytest.raises(ValueError):
        move_boundary(SPANS, 3, END, 1.0)
    with pytest.raises(ValueError):
        move_boundary(SPANS, 0, "middle", 1.0)


def test_overlapping_words_are_one_boundary():
    overlapping = [(0.5, 1.1), (1.0, 1.6)]
    assert move_boundary(overlapping, 0, END, 1.3) == {0: (0.5, 1.3), 1: (1.3, 1.6)}


def test_apply_edits_retimes_words_tokens_and_segments(analysis):
    word = analysis.words[1]  # " world," ends its segment's second token span
    before = [(t.start, t.end) for t in analysis.tokens]
    edited = apply_edits(analysis, {1: (1.0, 1.3)})
    assert (edited.words[1].start, edited.words[1].end) == (1.0, 1.3)
    assert edited.words[1].text == word.text
    tokens = [edited.tokens[k] for k in word.tokens]
    assert tokens[0].start == pytest.approx(1.0) and tokens[-1].end == pytest.approx(1.3)
    assert all(1.0 <= t.start <= t.end <= 1.3 for t in tokens)
    assert [(t.start, t.end) for t in analysis.tokens] == before  # the original is kept
    untouched = [i for i in range(len(analysis.tokens)) if i not in word.tokens]
    assert all(edited.tokens[i] == analysis.tokens[i] for i in untouched)
    # the first word of the first segment moved: the segment starts with it
    first = apply_edits(analysis, {0: (0.3, 0.901)})
    assert first.segments[0].start == 0.3 and first.segments[0].end == analysis.segments[0].end
    assert apply_edits(analysis, {}) is analysis


def test_word_spans_and_json_round_trip(analysis):
    edits = {2: (1.7, 1.8), 0: (0.4, 0.9)}
    spans = word_spans(analysis.words, edits)
    assert spans[0] == (0.4, 0.9) and spans[1] == (analysis.words[1].start,
                                                   analysis.words[1].end)
    data = edits_to_json(edits)
    assert data == [[0, 0.4, 0.9], [2, 1.7, 1.8]]
    assert edits_from_json(data, len(analysis.words)) == edits


@pytest.mark.parametrize("bad", [
    {"0": [1, 2]}, [[0, 1.0]], [[99, 1.0, 2.0]], [[True, 1.0, 2.0]], [[0, 2.0, 1.0]],
    [[0, "1", 2.0]], [[0, 1.0, float("inf")]], [[-1, 1.0, 2.0]],
])
def test_bad_saved_edits_are_refused(bad):
    with pytest.raises(ValueError):
        edits_from_json(bad, 5)


# --- in saved sessions ----------------------------------------------------------------------
def _rewrite_manifest(path, change) -> None:
    import json
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_sessions_keep_edits_and_older_sessions_have_none(analysis, tmp_path):
    from whisperscope.session.store import SessionError, load_session, save_session

    path = save_session(analysis, tmp_path / "s.wscope", edits={1: (1.0, 1.3)})
    session = load_session(path, check_audio=False)
    assert session.edits == {1: (1.0, 1.3)}
    assert session.analysis.words[1].end == analysis.words[1].end  # aligned times kept
    _rewrite_manifest(path, lambda m: m.pop("edits"))  # as written before edits existed
    assert load_session(path, check_audio=False).edits == {}
    _rewrite_manifest(path, lambda m: m.update(edits={"words": [[99, 1.0, 2.0]]}))
    with pytest.raises(SessionError, match="word edit"):
        load_session(path, check_audio=False)

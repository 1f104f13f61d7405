"""Moving word and token boundaries by hand: ordering, shared boundaries, tokens inside
their word, segments, JSON."""

from __future__ import annotations

import pytest

from whisperscope.session.edits import (
    END,
    MIN_DURATION,
    START,
    apply_edits,
    carry_token_edits,
    edits_from_json,
    edits_to_json,
    move_boundary,
    move_token_boundary,
    word_of_token,
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


# --- token boundaries -------------------------------------------------------------------
# word 1 " world," (0.901 .. 1.4567891) is tokens 2 " wo" and 3 "rld," meeting at ~1.1789;
# word 0 " Hello" ends where it starts, word 2 " this" starts after a pause (1.62)


def test_a_token_boundary_inside_a_word_moves_both_tokens(analysis):
    word = analysis.words[1]
    assert word_of_token(analysis.words, 3) == 1 and word.tokens == (2, 3)
    words, tokens = move_token_boundary(analysis, {}, {}, 2, END, 1.3)
    assert words == {}
    assert tokens == {2: (pytest.approx(word.start), pytest.approx(1.3)),
                      3: (pytest.approx(1.3), pytest.approx(word.end))}
    # the same boundary grabbed as the next token's start
    assert move_token_boundary(analysis, {}, {}, 3, START, 1.3)[1] == tokens
    edited = apply_edits(analysis, {}, tokens)
    assert edited.tokens[2].end == edited.tokens[3].start == pytest.approx(1.3)
    assert edited.words == analysis.words  # the word keeps its times
    assert edited.segments == analysis.segments


def test_token_boundaries_stay_inside_their_word(analysis):
    word = analysis.words[1]
    _, late = move_token_boundary(analysis, {}, {}, 2, END, 9.0)
    assert late[2][1] == pytest.approx(word.end - MIN_DURATION)
    assert late[3] == (pytest.approx(word.end - MIN_DURATION), pytest.approx(word.end))
    _, early = move_token_boundary(analysis, {}, {}, 3, START, 0.0)
    assert early[2] == (pytest.approx(word.start), pytest.approx(word.start + MIN_DURATION))
    assert move_token_boundary(analysis, {}, {}, 2, END, float("nan")) == ({}, {})
    with pytest.raises(ValueError):
        move_token_boundary(analysis, {}, {}, len(analysis.tokens), END, 1.0)


def test_a_words_edge_in_the_tokens_tier_is_the_words_boundary(analysis):
    """The first token's start and the last token's end move the word itself (and the
    neighbour it shares the boundary with), exactly as the words tier would."""
    words, tokens = move_token_boundary(analysis, {}, {}, 2, START, 0.8)  # shared with Hello
    assert tokens == {}
    assert words == move_boundary(word_spans(analysis.words, {}), 1, START, 0.8)
    assert set(words) == {0, 1}
    words, _ = move_token_boundary(analysis, {}, {}, 3, END, 1.5)  # free: " this" is at 1.62
    assert words == {1: (analysis.words[1].start, 1.5)}


def test_edited_tokens_stretch_with_their_word(analysis):
    """Token edits live in the word's aligned frame: a moved word carries them along, and
    a token dragged inside a moved word lands where it was let go."""
    word = analysis.words[1]
    moved = {1: (1.0, 1.6)}
    _, tokens = move_token_boundary(analysis, moved, {}, 2, END, 1.2)
    assert word.start <= tokens[2][1] <= word.end  # stored in the aligned frame
    edited = apply_edits(analysis, moved, tokens)
    assert edited.tokens[2].end == pytest.approx(1.2)
    assert edited.tokens[2].start == pytest.approx(1.0)
    assert edited.tokens[3].end == pytest.approx(1.6)
    # the word moves again: the edited boundary keeps its place inside the word
    further = apply_edits(analysis, {1: (1.1, 1.7)}, tokens)
    assert further.tokens[2].end == pytest.approx(1.3)  # 0.2 s into the 0.6 s word, as before


def _without_first_word(analysis):
    """The analysis with its first word's two tokens gone and the rest re-indexed, as a
    re-aligned window can leave it (same windows and rows for the other tokens)."""
    import dataclasses

    drop = set(analysis.words[0].tokens)
    kept = [k for k in analysis.tokens if k.index not in drop]
    new_index = {k.index: i for i, k in enumerate(kept)}
    tokens = [dataclasses.replace(k, index=new_index[k.index]) for k in kept]
    words = [dataclasses.replace(w, tokens=tuple(new_index[k] for k in w.tokens))
             for w in analysis.words[1:]]
    return dataclasses.replace(analysis, words=words, tokens=tokens)


def test_token_edits_follow_their_tokens_to_another_alignment(analysis):
    after = analysis.words[8]  # " After", window 1: tokens 14 and 15
    inside = (after.start, after.start + 0.05)
    edits = {14: inside, 15: (after.start + 0.05, after.end), 2: (0.901, 5.0)}
    new = _without_first_word(analysis)
    carried = carry_token_edits(analysis, new, edits)
    # index 14 is token 12 now; token 2's edit no longer fits its word, and is dropped
    assert carried == {12: inside, 13: (after.start + 0.05, after.end)}
    assert carry_token_edits(new, analysis, carried) == {14: inside,
                                                         15: edits[15]}


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


def test_sessions_keep_token_edits(analysis, tmp_path):
    from whisperscope.session.store import SessionError, load_session, save_session

    tokens = {2: (0.901, 1.3), 3: (1.3, 1.4567891)}
    path = save_session(analysis, tmp_path / "t.wscope", edits={5: (3.3, 3.5)},
                        token_edits=tokens)
    session = load_session(path, check_audio=False)
    assert session.token_edits == tokens and session.edits == {5: (3.3, 3.5)}
    _rewrite_manifest(path, lambda m: m.update(edits={"words": []}))  # before token edits
    assert load_session(path, check_audio=False).token_edits == {}
    _rewrite_manifest(path, lambda m: m.update(edits={"tokens": [[999, 1.0, 2.0]]}))
    with pytest.raises(SessionError, match="token edit for token 999"):
        load_session(path, check_audio=False)

"""The alignment pass's pieces on synthetic data with a planted answer: spelling words as
units, choosing the head, DTW with pause states, word spans; then one real pass."""

import numpy as np
import pytest
from whisper.tokenizer import get_tokenizer

from whisperscope.engine.timing.boundaries import unit_starts, word_frames
from whisperscope.engine.timing.forced_pass import _word_chunks
from whisperscope.engine.timing.heads import best_aligned_head
from whisperscope.engine.timing.spelling import SPACE, spell


@pytest.fixture(scope="module")
def tokenizer():
    return get_tokenizer(False, language="en", task="transcribe")


def test_characters_belong_to_their_word_and_spaces_and_punctuation_to_none(tokenizer):
    units = spell(tokenizer, [" He", " may,", " go."], "chars")
    assert "".join(units.texts) == " He may, go."
    owners = dict(zip(range(len(units)), units.word_of_unit, strict=True))
    assert [owners[i] for i in range(len(units))] == [
        SPACE, 0, 0, SPACE, 1, 1, 1, SPACE, SPACE, 2, 2, SPACE]
    assert all(len(tokenizer.decode([t])) == 1 for t in units.ids)  # one token a character
    assert units.char_units[1] == (3, 4, 5, 6, 7)  # " may," starts at unit 3
    assert units.units_of_word(2) == [9, 10]


def test_pieces_keep_whisper_tokens_and_map_each_character_to_its_piece(tokenizer):
    units = spell(tokenizer, [" Hello", " world."], "pieces")
    assert tokenizer.decode(list(units.ids)) == " Hello world."
    assert len(units.char_units[0]) == len(" Hello")
    assert units.word_of_unit[-1] == SPACE  # the full stop


def test_non_latin_characters_may_take_several_tokens_each(tokenizer):
    units = spell(tokenizer, [" 日本"], "chars")
    assert len(units) > 3  # space + two characters, some in more than one byte token
    assert len(units.char_units[0]) == 3
    assert tokenizer.decode(list(units.ids)) == " 日本"


def test_unknown_units_are_refused(tokenizer):
    with pytest.raises(ValueError):
        spell(tokenizer, [" a"], "phones")


def test_the_head_that_follows_the_text_is_chosen_not_a_sink_or_a_parked_head():
    rng = np.random.default_rng(0)
    n_rows, n_frames = 10, 60
    weights = rng.dirichlet(np.ones(n_frames), size=(3, 4, n_rows)).astype(np.float32)
    diagonal = np.full((n_rows, n_frames), 0.01 / n_frames, np.float32)
    diagonal[np.arange(n_rows), np.arange(n_rows) * 6] = 0.6
    weights[1, 2] = diagonal / diagonal.sum(-1, keepdims=True)
    sink = np.full((n_rows, n_frames), 0.001, np.float32)
    sink[:, 0] = 1.0  # every row on frame 0: sharp, but follows nothing
    weights[2, 3] = sink / sink.sum(-1, keepdims=True)
    parked = np.full((n_rows, n_frames), 0.001, np.float32)
    parked[np.arange(n_rows), np.arange(n_rows) % 2 + 20] = 2.0  # sharp, two frames only
    weights[0, 1] = parked / parked.sum(-1, keepdims=True)
    voiced = np.zeros(n_frames, bool)
    voiced[:56] = True
    assert best_aligned_head(weights, voiced) == (1, 2)
    assert best_aligned_head(weights, None) == (1, 2)


def _matrix_for(starts, n_frames, value=3.0):
    rows = len(starts)
    m = np.zeros((rows, n_frames))
    edges = list(starts) + [n_frames]
    for r in range(rows):
        m[r, edges[r]:edges[r + 1]] = value
    return m


def test_a_pause_goes_to_the_space_and_never_to_the_next_word():
    # units: "a" " " "b" EOT; speech 0-10 ("a"), silence 10-60, speech 60-70 ("b")
    n_frames = 80
    voiced = np.zeros(n_frames, bool)
    voiced[0:10] = voiced[60:70] = True
    m = np.zeros((4, n_frames))
    m[0, 0:10] = 3.0
    m[2, 60:70] = 3.0
    m[2, 8:12] = 1.0  # "b" also looks a little at the end of "a" (a common fault)
    pause_rows = np.array([False, True, False, True])
    starts = unit_starts(m, voiced, pause_rows)
    assert starts[2] >= 60 - 1  # "b" starts with its own sound
    spans = word_frames(starts, [0, SPACE, 1], 2, voiced)
    assert spans[0] == (0, 10)
    assert spans[1][0] >= 59 and spans[1][1] == 70
    # without pause states the silence is free for every row: "b" may start in the pause
    loose = unit_starts(m, voiced)
    assert loose[2] < 60


def test_speech_after_the_text_goes_to_its_end_not_to_its_last_word():
    # units: "a" " " "b" EOT. "a" 0-10, "b" 12-20, a pause 20-30 (the end of text looks
    # there), then 30-100 speech the text does not hold (the decoder left it for the next
    # window). Every row looks a little at the window's last frames, as attention does.
    n_frames = 100
    voiced = np.ones(n_frames, bool)
    voiced[20:30] = False
    m = np.full((4, n_frames), -0.3)
    m[0, 0:10] = 3.0
    m[1, :] = 0.0  # the space looks nowhere in particular
    m[2, 12:20] = 2.0
    m[3, 20:30] = 5.0
    m[:, 95:] = 0.5
    pause_rows = np.array([False, True, False, True])
    starts = unit_starts(m, voiced, pause_rows, open_end=True)
    assert 11 <= starts[2] <= 12 and 20 <= starts[3] <= 21  # "b" where it is said
    spans = word_frames(starts, [0, SPACE, 1], 2, voiced)
    assert spans[1][1] <= 21
    # closed, the path must pay for those frames on some row: the space takes them free
    # and "b" is pushed to the window's last frames (the words lost at 0:25-0:30 of a
    # 36 s recording, whose next window then started at 0:30)
    closed = unit_starts(m, voiced, pause_rows)
    assert closed[2] >= 90


def test_the_text_end_band_keeps_the_last_word_before_the_untranscribed_speech():
    # units: "a" " " "b" EOT; "a" at 0-10, "b" at 12-20; the text stops at a timestamp
    # pair at frame 22. After it, speech the text does not hold, where the space before "b"
    # (its row predicts "b") sees a "b"-like sound at 70-80 more strongly than "b" itself.
    n_frames = 100
    voiced = np.ones(n_frames, bool)
    m = np.full((4, n_frames), -0.3)
    m[0, 0:10] = 3.0
    m[1, 70:80] = 8.0
    m[2, 12:20] = 2.0
    pause_rows = np.array([False, True, False, True])
    loose = unit_starts(m, voiced, pause_rows, open_end=True)
    assert loose[2] >= 70  # "b" follows the space's peak past the text's end
    band = np.array([[0, 22 + 5], [0, 22 + 5], [0, 22 + 5], [0, n_frames]])
    starts = unit_starts(m, voiced, pause_rows, open_end=True, band=band)
    assert 11 <= starts[2] <= 12 and starts[3] <= 21


def test_text_end_band_bounds_only_the_last_segment_by_its_end(tokenizer):
    from whisperscope.engine.timing.window import TimedToken, WordGroup, text_end_band

    units = spell(tokenizer, ["hi", " yo", " ok"])
    tokens = [TimedToken(1, 0, " hi", 0, 0, 1, 0), TimedToken(4, 0, " yo", 0, 0, 1, 1),
              TimedToken(5, 0, " ok", 0, 0, 1, 1)]
    groups = [WordGroup(" hi", (0,), 0), WordGroup(" yo", (1,), 1), WordGroup(" ok", (2,), 1)]
    raw = [(0, 3, 0, 40), (3, 7, 60, 90)]  # rows [first, end), timestamps (frames)
    band = text_end_band(units, groups, tokens, raw, 1500, margin=50)
    owner = list(units.word_of_unit)
    first_yo = owner.index(1)
    assert all(tuple(band[i]) == (0, 1500) for i in range(first_yo))  # "hi " is free
    assert all(tuple(band[i]) == (0, 140) for i in range(first_yo, len(owner)))
    assert tuple(band[-1]) == (0, 1500)  # the end of text is free
    # a token after the last timestamp pair is in no segment's rows: nothing is bounded
    after = [tokens[0], TimedToken(8, 0, " yo", 0, 0, 1, 1), TimedToken(9, 0, " ok", 0, 0, 1, 1)]
    assert (text_end_band(units, groups, after, raw, 1500, margin=50)[:, 1] == 1500).all()


def test_word_frames_end_each_word_where_the_next_starts_and_trim_silence():
    starts = np.array([0, 2, 5, 9, 12, 20])  # units: a a SP b b, then the end of text
    voiced = np.ones(30, bool)
    voiced[:1] = voiced[16:] = False
    spans = word_frames(starts, [0, 0, SPACE, 1, 1], 2, voiced)
    assert spans == [(1, 9), (9, 16)]


def test_a_word_of_punctuation_only_has_no_frames():
    spans = word_frames(np.array([0, 3, 6]), [0, SPACE], 2, None)
    assert spans == [(0, 6), (-1, -1)]


def test_long_windows_are_split_between_words_within_the_budget(tokenizer):
    units = spell(tokenizer, [f" word{i}" for i in range(40)], "chars")
    chunks = _word_chunks(units, 50)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(units)
    assert all(hi - lo <= 50 for lo, hi in chunks)
    for (_, hi), (lo, _) in zip(chunks, chunks[1:], strict=False):
        assert hi == lo
        assert units.word_of_unit[lo] != units.word_of_unit[lo - 1] or units.word_of_unit[lo] < 0
    assert _word_chunks(units, 10_000) == [(0, len(units))]


def test_a_word_ends_where_a_pause_inside_its_span_begins():
    # "a" then a 30-frame pause, then a breath before "b": a's span runs to b's start
    voiced = np.zeros(60, bool)
    voiced[0:10] = voiced[40:42] = voiced[45:60] = True
    starts = np.array([0, 3, 44, 45, 60])  # a a SP b EOT
    spans = word_frames(starts, [0, 0, SPACE, 1], 2, voiced)
    assert spans[0] == (0, 10)

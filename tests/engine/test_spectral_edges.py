"""Word starts placed on the 10 ms log-mel (engine/timing/spectral_edges.py), on planted
spectra whose answer is known."""

import numpy as np
import pytest

from whisperscope.engine.timing.spectral_edges import (
    CHANGE_CHUNK_FRAMES,
    snapped_starts,
    spectral_change,
)

FRAME = 0.02  # an encoder frame, seconds


def two_sounds(at: int, n: int = 100) -> np.ndarray:
    """A log-mel holding one spectrum up to frame `at` and another from it on."""
    mel = np.zeros((80, n), np.float32)
    mel[:40, :at] = 1.0
    mel[40:, at:] = 1.0
    return mel


def test_the_change_peaks_where_one_sound_gives_way_to_another():
    change = spectral_change(two_sounds(50))
    assert change.shape == (99,)
    assert int(np.argmax(change)) == 49  # between frames 49 and 50, at 495 ms
    assert change[49] == 2 * change[48] == 2 * change[50]
    assert not change[:47].any() and not change[52:].any()


def test_the_change_a_chunk_at_a_time_is_the_whole_recordings():
    rng = np.random.default_rng(11)
    mel = rng.normal(size=(80, 2 * CHANGE_CHUNK_FRAMES + 7)).astype(np.float32)
    across = np.abs(mel[:, 2:] - mel[:, :-2]).sum(axis=0)
    whole = np.zeros(mel.shape[1] - 1, np.float32)
    whole[:-1] += across
    whole[1:] += across
    np.testing.assert_allclose(spectral_change(mel), whole, rtol=1e-5)


def test_a_windows_change_from_its_frames_and_one_either_side_is_the_recordings():
    """Re-aligning one window (realign.py) reads the change the analysis read."""
    rng = np.random.default_rng(12)
    mel = rng.normal(size=(80, 900)).astype(np.float32)
    seek, size = 300, 400
    window = spectral_change(mel[:, seek - 1: seek + size + 1])[1: size]
    np.testing.assert_array_equal(window, spectral_change(mel)[seek: seek + size - 1])


def test_a_start_moves_to_the_change_within_reach():
    """The pass put a word at frame 25 (500 ms); the sound changes at 475 ms: the start
    moves there. 25 ms before to 15 ms after is the reach."""
    change = spectral_change(two_sounds(48))  # boundary 47, at 475 ms
    assert snapped_starts({0: (25, 30)}, [20, 25, 30], change, FRAME) == {0: pytest.approx(0.475)}
    later = spectral_change(two_sounds(52))  # at 515 ms: within 15 ms after
    assert snapped_starts({0: (25, 30)}, [20, 25, 30], later, FRAME) == {0: pytest.approx(0.515)}
    far = spectral_change(two_sounds(46))  # at 455 ms: out of reach, the start stays
    assert snapped_starts({0: (25, 30)}, [20, 25, 30], far, FRAME) == {}


def test_a_start_keeps_clear_of_the_tokens_beside_it():
    """A token ending 20 ms earlier (frame 24) bounds the move to 10 ms: no token loses
    its order or its length."""
    change = spectral_change(two_sounds(48))  # at 475 ms
    assert snapped_starts({0: (25, 30)}, [24, 25, 30], change, FRAME) == {0: pytest.approx(0.49)}
    later = spectral_change(two_sounds(52))
    assert snapped_starts({0: (25, 30)}, [20, 25, 26], later, FRAME) == {0: pytest.approx(0.51)}


def test_where_nothing_changes_a_start_stays_on_its_frame():
    """Digital silence has no change at all: the start is not pulled to the reach's edge."""
    assert snapped_starts({3: (25, 30)}, [25, 30], np.zeros(99, np.float32), FRAME) == {}


def test_of_equal_changes_the_one_nearest_the_pass_wins():
    change = np.zeros(99, np.float32)
    change[[47, 50]] = 1.0  # 475 ms and 505 ms, the pass at 500 ms
    assert snapped_starts({0: (25, 30)}, [25, 30], change, FRAME) == {0: pytest.approx(0.505)}


def test_a_move_leaves_no_word_shorter_than_40_ms():
    """A 40 ms word does not give up its start to the change inside it, and the word
    ending where a start is does not give up its end: short function words stay whole."""
    later = spectral_change(two_sounds(52))  # at 515 ms
    assert snapped_starts({0: (25, 27)}, [25, 27], later, FRAME) == {0: pytest.approx(0.5)}
    assert snapped_starts({0: (25, 29)}, [25, 29], later, FRAME) == {0: pytest.approx(0.515)}
    earlier = spectral_change(two_sounds(48))  # at 475 ms
    spans = {0: (23, 25), 1: (25, 30)}  # the word before: 460-500 ms
    assert snapped_starts(spans, [23, 25, 30], earlier, FRAME)[1] == pytest.approx(0.5)
    spans = {0: (20, 25), 1: (25, 30)}  # 400-500 ms: room to give
    assert snapped_starts(spans, [20, 25, 30], earlier, FRAME)[1] == pytest.approx(0.475)

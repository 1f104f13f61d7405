"""Alignment numerics on synthetic matrices with a planted answer."""

import numpy as np
import pytest

from whisperscope.engine.timing.decoder_rows import (
    TokenSpan,
    dtw_spans,
    give_punctuation_to_next,
    refine_spans,
)
from whisperscope.engine.timing.dtw import (
    alignment_matrix,
    dtw,
    median_filter,
    normalise_heads,
    row_start_frames,
)
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.engine.timing.voicing import (
    encoder_frames,
    mel_level_db,
    next_sound,
    voiced_frames,
)


def planted_path(n_rows: int, n_frames: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """A random monotonic staircase from (0, 0) to (n_rows-1, n_frames-1)."""
    cuts = np.sort(rng.choice(np.arange(1, n_frames), n_rows - 1, replace=False))
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [n_frames]])
    spans = enumerate(zip(starts, ends, strict=True))
    rows = np.concatenate([np.full(e - s, r) for r, (s, e) in spans])
    return starts, rows


@pytest.mark.parametrize("seed", range(5))
def test_dtw_recovers_a_planted_path(seed):
    rng = np.random.default_rng(seed)
    n_rows, n_frames = 12, 200
    starts, row_of_frame = planted_path(n_rows, n_frames, rng)
    cost = rng.uniform(0.5, 1.0, size=(n_rows, n_frames))
    cost[row_of_frame, np.arange(n_frames)] = 0.0  # the planted path is free
    rows, frames = dtw(cost)
    assert rows[0] == 0 and frames[0] == 0
    assert rows[-1] == n_rows - 1 and frames[-1] == n_frames - 1
    assert np.all(np.diff(rows) >= 0) and np.all(np.diff(frames) >= 0)
    np.testing.assert_array_equal(row_start_frames(rows, frames, n_rows), starts)


def test_dtw_matches_a_brute_force_cost_on_a_small_matrix():
    rng = np.random.default_rng(7)
    cost = rng.uniform(size=(3, 4))
    rows, frames = dtw(cost)
    best = np.inf
    # every monotonic path of steps (1,1), (1,0), (0,1) from (0,0) to (2,3)

    def walk(i, j, total):
        nonlocal best
        total += cost[i, j]
        if (i, j) == (2, 3):
            best = min(best, total)
            return
        for di, dj in ((1, 1), (1, 0), (0, 1)):
            if i + di <= 2 and j + dj <= 3:
                walk(i + di, j + dj, total)

    walk(0, 0, 0.0)
    assert cost[rows, frames].sum() == pytest.approx(best)


def _cell_by_cell_path(cost):
    """The DTW as a plain loop over cells (what the numba version ran), with its backtrace."""
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf)
    step = np.full((n + 1, m + 1), -1)
    total[0, 0] = 0.0
    for j in range(1, m + 1):
        for i in range(1, n + 1):
            c0, c1, c2 = total[i - 1, j - 1], total[i - 1, j], total[i, j - 1]
            if c0 <= c1 and c0 <= c2:
                c, t = c0, 0
            elif c1 <= c2:
                c, t = c1, 1
            else:
                c, t = c2, 2
            total[i, j] = cost[i - 1, j - 1] + c
            step[i, j] = t
    i, j, path = n, m, []
    while i > 0 and j > 0:
        path.append((i - 1, j - 1))
        i, j = {0: (i - 1, j - 1), 1: (i - 1, j), 2: (i, j - 1)}[step[i, j]]
    return [list(p) for p in zip(*path[::-1], strict=True)]


@pytest.mark.parametrize("shape", [(1, 1), (1, 6), (6, 1), (9, 40), (40, 9), (30, 120)])
@pytest.mark.parametrize("kind", ["random", "ties", "coarse", "blocked"])
def test_dtw_takes_the_same_path_as_a_cell_by_cell_loop(shape, kind):
    """The diagonal-at-a-time DTW takes the cell-by-cell loop's path exactly, ties and
    impassable cells included (silent frames give long runs of equal costs)."""
    rng = np.random.default_rng(sum(shape))
    cost = -rng.random(shape)
    n, m = shape
    if kind == "ties":
        cost[:, m // 3: m // 2 + 1] = 0.0
    elif kind == "coarse":
        cost = np.round(cost, 1)
    elif kind == "blocked" and n > 2 and m > 2:
        cost[1:-1, ::3] = np.inf
    rows, frames = dtw(cost)
    assert [rows.tolist(), frames.tolist()] == _cell_by_cell_path(cost)


def test_dtw_of_an_empty_matrix_is_empty():
    rows, frames = dtw(np.zeros((0, 5)))
    assert rows.size == 0 and frames.size == 0


def test_normalise_heads_gives_zero_mean_unit_std_over_tokens():
    rng = np.random.default_rng(1)
    weights = rng.uniform(size=(3, 10, 50))
    z = normalise_heads(weights)
    np.testing.assert_allclose(z.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=1), 1, atol=1e-4)


def test_median_filter_removes_a_spike_and_keeps_a_step():
    x = np.zeros(20, np.float32)
    x[10:] = 1.0
    x[4] = 9.0
    y = median_filter(x, 5)
    assert y[4] == 0.0
    np.testing.assert_array_equal(y[12:], 1.0)
    with pytest.raises(ValueError):
        median_filter(x, 4)


def synthetic_attention(spoken, n_frames, sharpness=8.0, rng=None):
    """Attention of tokens that each attend to their own spoken frames, one extra final row
    attending to the end. spoken: [(start, end)] frames per token."""
    rng = rng or np.random.default_rng(0)
    n_rows = len(spoken) + 1
    logits = rng.normal(0, 0.3, size=(4, n_rows, n_frames))
    for r, (s, e) in enumerate(spoken):
        logits[:, r, s:e] += sharpness
    logits[:, -1, spoken[-1][1]:] += sharpness / 2
    weights = np.exp(logits)
    return weights / weights.sum(axis=-1, keepdims=True)


def test_plain_dtw_absorbs_a_pause_and_refinement_ends_the_word_at_its_speech():
    # three tokens; a 7 s (350 frame) pause after the second
    spoken = [(20, 40), (40, 60), (410, 430)]
    n_frames = 500
    weights = synthetic_attention(spoken, n_frames)
    energy = np.full(n_frames, -80.0)
    for s, e in spoken:
        energy[s:e] = -20.0
    matrix = alignment_matrix(weights)
    plain = dtw_spans(matrix)
    voiced = energy > -50
    refined = refine_spans(dtw_spans(matrix, voiced), matrix, voiced, AlignmentOptions())
    # plain DTW spans tile the time axis, so the pause goes to one of the two words
    assert plain[1].end_frame == plain[2].start_frame
    assert plain[2].start_frame - plain[1].start_frame > 300 or plain[2].start_frame < 300
    for (s, e), span in zip(spoken, refined, strict=False):
        assert abs(span.start_frame - s) <= 2, (span, s)
        assert abs(span.end_frame - e) <= 2, (span, e)


def test_levels_tell_speech_from_silence_and_from_steady_noise():
    mel = np.full((80, 400), -0.5, np.float32)  # whisper's floor after clamping
    mel[:, 100:200] = 1.0
    level = mel_level_db(mel)
    assert level.shape == (400,)
    voiced = voiced_frames(level, 45.0)
    np.testing.assert_array_equal(np.flatnonzero(voiced), np.arange(100, 200))
    # the same with noise 20 dB below the speech: the pause is still a pause
    noisy = np.where(np.arange(400) % 200 < 100, 0.5, 1.0).astype(np.float32) * np.ones((80, 1))
    voiced = voiced_frames(mel_level_db(noisy), 45.0)
    assert voiced[100:200].all() and not voiced[:100].any()
    assert next_sound(voiced, 0) == 100 and next_sound(voiced, 200) == 300
    assert next_sound(voiced, 400) == 400


def test_levels_a_chunk_at_a_time_are_the_whole_recordings_to_the_bit():
    """An hour's levels are made in chunks (the float64 temporaries of the whole were
    ~700 MB): each frame's level is the one computed over all frames at once."""
    from whisperscope.engine.timing.voicing import LEVEL_CHUNK_FRAMES

    rng = np.random.default_rng(3)
    mel = rng.uniform(-0.5, 1.5, (80, 2 * LEVEL_CHUNK_FRAMES + 77)).astype(np.float32)
    log_power = mel.astype(np.float64) * 4.0 - 4.0
    whole = (10.0 * np.log10(np.mean(10.0 ** log_power, axis=0) + 1e-10)).astype(np.float32)
    np.testing.assert_array_equal(mel_level_db(mel), whole)


def test_a_gap_of_steady_noise_far_under_the_speech_is_a_pause_whatever_its_level():
    """A gap filled with noise 30 dB under the speech sits far above the recording's own
    floor (its quiet lead-in), where the floor rule calls it sound; held steady for 3 s it
    is a pause. A sustained sound as loud as the speech, or speech-like variation at the
    noise's level, is not."""
    rng = np.random.default_rng(5)
    speech = lambda n: rng.uniform(-40.0, -10.0, n)  # noqa: E731 - varies by 30 dB
    level = np.concatenate([
        np.full(100, -75.0),                     # 0-100: the recording's own floor
        speech(200),                             # 100-300: speech
        -40.0 + rng.uniform(-1.0, 1.0, 300),     # 300-600: steady noise, 30 dB under
        speech(200),                             # 600-800: speech
        -12.0 + rng.uniform(-1.0, 1.0, 100),     # 800-900: a held vowel, loud
        -40.0 + rng.uniform(-8.0, 8.0, 100),     # 900-1000: quiet but not steady
    ]).astype(np.float32)
    level[100] = level[600] = -10.0  # the loudest frame
    voiced = voiced_frames(level, 45.0)
    assert not voiced[300:600].any()
    assert not voiced[:100].any()
    assert voiced[800:900].all()
    assert voiced[900:1000].mean() > 0.3
    loud = level > -30.0
    assert voiced[100:300][loud[100:300]].all() and voiced[600:800][loud[600:800]].all()


def test_the_frame_where_steady_noise_meets_the_floor_is_not_sound():
    """dr3-madc0/sx17 + si1997 with a -50 dBFS gap: where the noise stops against TIMIT's
    quiet lead-in, the one frame whose window holds both passed the threshold alone, and
    tiny.en squeezed "Like" into it. Sound that lasts, after the floor, is still sound."""
    level = np.concatenate([np.full(100, -75.0), np.full(100, -15.0),  # floor, speech
                            np.full(300, -44.0), [-55.0],  # steady noise, the edge frame
                            np.full(20, -64.0), np.full(100, -12.0),  # lead-in, speech
                            [-55.0], np.full(20, -70.0), [-50.0, -50.0, -50.0]])
    voiced = voiced_frames(level.astype(np.float32), 45.0)
    assert not voiced[500] and not voiced[200:521].any()
    assert voiced[521:621].all() and voiced[621]  # beside speech, not noise: kept
    assert voiced[-3:].all()


def test_in_noise_a_sound_keeps_its_quiet_onset_and_decay():
    """Pink noise 25 dB under the speech narrows the floor-to-peak range, and the threshold
    (a quarter of it over the floor) cut the quiet ends of words: timit-dev's last words
    ended 20 ms early by the mask. Frames between the floor's margin and the threshold
    are sound where they join sound, never on their own."""
    rng = np.random.default_rng(7)
    noise = lambda n: -40.0 + rng.uniform(-1.0, 1.0, n)  # noqa: E731 - not 0.5 s long
    word = np.concatenate([np.full(5, -34.0), np.full(60, -12.0), np.full(5, -34.0)])
    level = np.concatenate([noise(40), word, noise(20), [-34.0], noise(20), word, noise(40)])
    level[45] = -10.0  # the loudest frame: the threshold is -40 + 30 / 4, about -33
    voiced = voiced_frames(level.astype(np.float32), 45.0)
    np.testing.assert_array_equal(np.flatnonzero(voiced),
                                  np.r_[40:110, 151:221])  # each word whole, onset to decay
    assert not voiced[130]  # as quiet, alone in the noise: not sound


def test_in_a_clean_recording_the_threshold_alone_decides():
    """Far over a clean floor the lower threshold is above the first: nothing grows."""
    level = np.concatenate([np.full(100, -75.0), np.full(5, -52.0), np.full(50, -10.0),
                            np.full(5, -60.0), np.full(100, -75.0)]).astype(np.float32)
    np.testing.assert_array_equal(np.flatnonzero(voiced_frames(level, 45.0)), np.r_[100:155])


def test_steady_noise_shorter_than_half_a_second_is_left_to_the_floor_rule():
    level = np.concatenate([np.full(100, -75.0), np.full(40, -40.0), np.full(100, -10.0)])
    assert voiced_frames(level.astype(np.float32), 45.0)[100:140].all()


def test_a_silent_recording_has_no_voiced_frame():
    assert not voiced_frames(np.full(300, -100.0, np.float32), 45.0).any()


def test_encoder_frames_keep_sound_from_either_half():
    mask = np.array([0, 1, 0, 0, 1, 1, 1], bool)
    np.testing.assert_array_equal(encoder_frames(mask), [True, False, True, True])


def test_punctuation_takes_no_time_and_hands_its_attention_to_the_next_word():
    spans = [TokenSpan(0, 10), TokenSpan(10, 30), TokenSpan(30, 50)]
    matrix = np.zeros((4, 60), np.float32)
    matrix[1, 20:25] = 5.0  # the full stop's row looks where the next sentence begins
    out, merged = give_punctuation_to_next(spans, matrix, [False, True, False])
    assert out[1] == TokenSpan(10, 10)  # no duration, right where the word before it ended
    assert out[2] == TokenSpan(10, 50)  # the next word may start as early as the stop did
    np.testing.assert_array_equal(merged[2, 20:25], 5.0)
    np.testing.assert_array_equal(matrix[2], 0.0)  # the input is left alone

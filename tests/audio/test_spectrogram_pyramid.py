"""The spectrogram pyramid: fixed levels, and about one column per pixel at any zoom."""

import numpy as np
import pytest

from whisperscope.audio.spectrogram_pyramid import SpectrogramPyramid, fixed_levels


def test_levels_span_80_db_under_the_loudest_frame():
    mel = np.linspace(-1.0, 1.5, 8000, dtype=np.float32).reshape(8, 1000)
    low, high = fixed_levels(mel)
    assert high == pytest.approx(1.5, abs=0.01)
    assert low == pytest.approx(high - 2.0, abs=0.01)


def test_an_hour_never_draws_more_than_a_few_columns_per_pixel():
    hour = np.zeros((16, 360_000), np.float32)
    hour[:, ::100] = 1.0
    pyramid = SpectrogramPyramid(hour, levels=(0.0, 1.0))
    for start, end in ((0, 3600), (1000, 1030), (10, 11)):
        image, t0, t1 = pyramid.view(start, end, 1200)
        assert image.shape[0] == 16
        assert image.shape[1] <= 4 * 1200 + 4
        assert t0 <= start + 1e-9 and t1 >= min(end, 3600) - 0.05
    image, _, _ = pyramid.view(10, 11, 1200)
    assert image.shape[1] >= 100  # zoomed in: full resolution (100 frames per second)


def test_columns_keep_their_times():
    mel = np.zeros((4, 1000), np.float32)
    mel[:, 500] = 1.0  # frame 500 = 5.00 s
    pyramid = SpectrogramPyramid(mel, levels=(0.0, 1.0))
    image, t0, t1 = pyramid.view(4.0, 6.0, 800)
    column = int(np.argmax(image[0]))
    seconds_per_column = (t1 - t0) / image.shape[1]
    assert t0 + column * seconds_per_column == pytest.approx(5.0, abs=0.011)


def test_quantising_a_chunk_at_a_time_equals_the_whole_array_at_once():
    from whisperscope.audio.spectrogram_pyramid import CHUNK_COLUMNS

    rng = np.random.default_rng(1)
    mel = rng.uniform(-2.0, 1.5, (8, 2 * CHUNK_COLUMNS + 123)).astype(np.float32)
    low, high = -1.0, 1.0
    pyramid = SpectrogramPyramid(mel, levels=(low, high))
    whole = np.clip((mel - low) * (255.0 / (high - low)), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(pyramid.images[0], whole)
    level1 = np.pad(whole, ((0, 0), (0, (-mel.shape[1]) % 4)), mode="edge")
    level1 = level1.reshape(8, -1, 4).mean(axis=2).astype(np.uint8)
    np.testing.assert_array_equal(pyramid.images[1], level1)

"""The waveform's min/max pyramid: planted peaks survive every level, views slice about one
column a pixel, an hour builds in one pass. Qt-free."""

from __future__ import annotations

import numpy as np
import pytest

from whisperscope.audio.waveform_pyramid import MIN_COLUMNS, WaveformPyramid


def test_a_planted_click_is_in_every_level_where_it_is():
    samples = np.zeros(16000 * 60, np.float32)
    samples[16000 * 37 + 123] = 0.9  # one sample, 37.0077 s
    samples[16000 * 12 + 5] = -0.7
    pyramid = WaveformPyramid(samples)
    assert len(pyramid.lows) >= 3 and pyramid.peak == pytest.approx(0.9)
    for lows, highs, per in zip(pyramid.lows, pyramid.highs, pyramid.factors, strict=True):
        assert highs.max() == pytest.approx(0.9) and lows.min() == pytest.approx(-0.7)
        assert int(np.argmax(highs)) == (16000 * 37 + 123) // per
        assert int(np.argmin(lows)) == (16000 * 12 + 5) // per


@pytest.mark.parametrize(("start", "end", "width"), [(0, 60, 1000), (36.9, 37.1, 800),
                                                     (37.0, 37.01, 400), (10, 50, 100)])
def test_a_view_has_about_a_column_a_pixel_and_holds_the_peak(start, end, width):
    samples = np.zeros(16000 * 60, np.float32)
    samples[16000 * 37 + 123] = 0.9
    lows, highs, t0, t1 = WaveformPyramid(samples).view(start, end, width)
    assert t0 <= start and t1 >= end
    columns_in_span = len(lows) * (end - start) / (t1 - t0)
    # never far more than a pixel's worth (the coarsest level has MIN_COLUMNS), never
    # fewer than a quarter column a pixel
    assert width / 4 - 2 <= columns_in_span <= max(width * 4 + 2, MIN_COLUMNS)
    if start <= 37.0077 <= end:
        assert highs.max() == pytest.approx(0.9)
        dt = (t1 - t0) / len(highs)
        assert t0 + np.argmax(highs) * dt <= 37.0077 < t0 + (np.argmax(highs) + 1) * dt


def test_zoomed_closer_than_the_finest_level_it_gives_the_samples():
    samples = np.sin(np.arange(16000) / 5.0).astype(np.float32)
    lows, highs, t0, t1 = WaveformPyramid(samples).view(0.5, 0.51, 1000)
    assert lows is highs or np.array_equal(lows, highs)
    assert (t1 - t0) * 16000 == pytest.approx(len(lows))


def test_an_empty_recording_has_an_empty_view():
    lows, highs, t0, t1 = WaveformPyramid(np.zeros(0, np.float32)).view(0, 1, 100)
    assert len(lows) == 0 and t0 == t1

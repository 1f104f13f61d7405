"""The waveform as min/max envelopes at several time resolutions. Qt-free.

An hour at 16 kHz is 57.6 million samples; no view draws them all. Like the spectrogram
pyramid (spectrogram_pyramid.py), each level keeps, per column, the lowest and highest
sample of `FACTOR` columns of the level below, so a view slices the coarsest level that
still gives about one column per screen pixel and draws a vertical line from min to max in
each: the outline of every peak is kept at any zoom. Built once per recording in a few
vectorised passes (an hour: under a second, 7 MB of float32 envelopes at level 0's 64-sample
columns, a third of that more for the coarser levels).
"""

from __future__ import annotations

import numpy as np

from whisperscope.units import SAMPLE_RATE

BASE = 64  # samples per column of the finest envelope level (4 ms at 16 kHz)
FACTOR = 4  # columns merged between successive levels
MIN_COLUMNS = 2048  # levels are added until one has no more than this many columns


def _envelope(lows: np.ndarray, highs: np.ndarray, factor: int
              ) -> tuple[np.ndarray, np.ndarray]:
    n = -(-len(lows) // factor)
    pad = n * factor - len(lows)
    if pad:
        lows = np.concatenate([lows, np.repeat(lows[-1:], pad)])
        highs = np.concatenate([highs, np.repeat(highs[-1:], pad)])
    return lows.reshape(n, factor).min(axis=1), highs.reshape(n, factor).max(axis=1)


class WaveformPyramid:
    """Min/max envelopes of the samples, level 0 at `BASE` samples a column, each level
    `FACTOR` times coarser; the raw samples are drawn when a view is closer than level 0."""

    def __init__(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
        samples = np.asarray(samples, np.float32).reshape(-1)
        self.samples = samples
        self.sample_rate = sample_rate
        self.lows: list[np.ndarray] = []
        self.highs: list[np.ndarray] = []
        self.factors: list[int] = []  # samples per column of each level
        if samples.size:
            lows, highs = _envelope(samples, samples, BASE)
            self.lows.append(lows)
            self.highs.append(highs)
            self.factors.append(BASE)
            while len(self.lows[-1]) > MIN_COLUMNS:
                lows, highs = _envelope(self.lows[-1], self.highs[-1], FACTOR)
                self.lows.append(lows)
                self.highs.append(highs)
                self.factors.append(self.factors[-1] * FACTOR)
        self.peak = float(max(np.abs(self.lows[-1]).max(), np.abs(self.highs[-1]).max())) \
            if self.lows else 0.0

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def view(self, start: float, end: float, max_columns: int
             ) -> tuple[np.ndarray, np.ndarray, float, float]:
        """(lows, highs, t0, t1) for seconds [start, end] from the coarsest level with
        about `max_columns` columns in that span (the raw samples, lows == highs, when
        even level 0 is coarser than that); column i covers [t0 + i*dt, t0 + (i+1)*dt)
        where dt = (t1 - t0) / len(lows)."""
        if not self.samples.size:
            empty = np.zeros(0, np.float32)
            return empty, empty, start, start
        span = max(end - start, 1.0 / self.sample_rate)
        max_columns = max(16, int(max_columns))
        if span * self.sample_rate / BASE < max_columns:  # closer than level 0: samples
            lows = highs = self.samples
            per_column = 1
        else:
            level = 0
            while (level + 1 < len(self.lows) and
                   span * self.sample_rate / self.factors[level + 1] >= max_columns):
                level += 1
            lows, highs, per_column = self.lows[level], self.highs[level], self.factors[level]
        seconds = per_column / self.sample_rate
        c0 = max(0, int(np.floor(start / seconds)) - 1)
        c1 = min(len(lows), int(np.ceil(end / seconds)) + 1)
        if c1 <= c0:
            empty = np.zeros(0, np.float32)
            return empty, empty, start, start
        return lows[c0:c1], highs[c0:c1], c0 * seconds, c1 * seconds

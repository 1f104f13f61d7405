"""The log-mel spectrogram as 8-bit images at several time resolutions. Qt-free.

An hour is 360 000 mel frames; no view draws them all. The levels are fixed once per
recording (a dB range under the loudest frame) and applied when quantising, so the view only
slices the coarsest level that still gives about one column per screen pixel.

The engine's process builds it (it has the mel) and sends the window only the images: an
hour's are ~38 MB, its float mel 115 MB.
"""

from __future__ import annotations

import numpy as np

from whisperscope.units import MEL_FRAME_SECONDS

FACTOR = 4  # time downsampling between successive levels
MIN_COLUMNS = 2048  # levels are added until one has no more than this many columns
DYNAMIC_RANGE = 2.0  # whisper's log-mel units (log10 / 4 ... ) after its 8-decade clamp


def fixed_levels(mel: np.ndarray) -> tuple[float, float]:
    """(low, high) for the colour map: the loudest value and `DYNAMIC_RANGE` below it.

    whisper's log-mel is log10 power clamped at 8 decades under its maximum, then scaled by
    1/4: the whole range is 2.0 units (80 dB). A robust maximum (99.9th percentile) keeps a
    single click from darkening the rest."""
    if mel.size == 0:
        return 0.0, 1.0
    sample = mel[:, :: max(1, mel.shape[1] // 20000)]
    high = float(np.percentile(sample, 99.9))
    low = max(float(sample.min()), high - DYNAMIC_RANGE)
    return low, high if high > low else low + 1.0


CHUNK_COLUMNS = 1 << 15  # quantised this many frames at a time: no full-size float copies


def _quantise(mel: np.ndarray, low: float, high: float) -> np.ndarray:
    """uint8 of `mel` between `low` and `high`, a chunk at a time: an hour's float32 mel is
    115 MB, and whole-array arithmetic would add two temporaries that size."""
    out = np.empty(mel.shape, np.uint8)
    scale = 255.0 / (high - low)
    for c0 in range(0, mel.shape[1], CHUNK_COLUMNS):
        chunk = np.asarray(mel[:, c0: c0 + CHUNK_COLUMNS], dtype=np.float32) - low
        chunk *= scale
        np.clip(chunk, 0, 255, out=chunk)
        out[:, c0: c0 + chunk.shape[1]] = chunk
    return out


class SpectrogramPyramid:
    """uint8 images (n_mels, n_columns) of the same spectrogram, each level `FACTOR` times
    coarser in time than the previous (mean over columns)."""

    def __init__(self, mel: np.ndarray, frame_seconds: float = MEL_FRAME_SECONDS,
                 levels: tuple[float, float] | None = None) -> None:
        self.n_mels, self.n_frames = mel.shape
        self.frame_seconds = frame_seconds
        self.levels = levels or fixed_levels(mel)
        self.images: list[np.ndarray] = [_quantise(mel, *self.levels)]
        self.factors: list[int] = [1]
        while self.images[-1].shape[1] > MIN_COLUMNS:
            prev = self.images[-1]
            n = -(-prev.shape[1] // FACTOR)  # the last column averages what is left
            padded = np.pad(prev, ((0, 0), (0, n * FACTOR - prev.shape[1])), mode="edge")
            coarse = padded.reshape(self.n_mels, n, FACTOR).mean(axis=2, dtype=np.float32)
            self.images.append(coarse.astype(np.uint8))
            self.factors.append(self.factors[-1] * FACTOR)

    @classmethod
    def from_images(cls, images: list[np.ndarray], factors: list[int],
                    levels: tuple[float, float], n_frames: int,
                    frame_seconds: float = MEL_FRAME_SECONDS) -> SpectrogramPyramid:
        """The pyramid whose levels were built elsewhere (the engine's process)."""
        pyramid = cls.__new__(cls)
        pyramid.n_mels, pyramid.n_frames = images[0].shape[0], n_frames
        pyramid.frame_seconds, pyramid.levels = frame_seconds, levels
        pyramid.images, pyramid.factors = list(images), list(factors)
        return pyramid

    @property
    def duration(self) -> float:
        return self.n_frames * self.frame_seconds

    def view(self, start: float, end: float, max_columns: int
             ) -> tuple[np.ndarray, float, float]:
        """The image for seconds [start, end] from the coarsest level that still has about
        `max_columns` (the view's width in pixels) columns in that span:
        (image (n_mels, n), t0, t1) where the image spans exactly [t0, t1]."""
        span = max(end - start, self.frame_seconds)
        max_columns = max(16, int(max_columns))
        level = 0
        while (level + 1 < len(self.images)
               and span / (self.frame_seconds * self.factors[level + 1]) >= max_columns):
            level += 1
        image, seconds = self.images[level], self.frame_seconds * self.factors[level]
        c0 = max(0, int(np.floor(start / seconds)) - 1)
        c1 = min(image.shape[1], int(np.ceil(end / seconds)) + 1)
        if c1 <= c0:
            return image[:, :0], start, start
        return image[:, c0:c1], c0 * seconds, c1 * seconds

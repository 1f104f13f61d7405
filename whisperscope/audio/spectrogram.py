"""Whisper's log-mel spectrogram, computed in chunks so long recordings stay cheap.

The result equals `whisper.audio.log_mel_spectrogram(samples, n_mels, padding)` (same STFT,
same mel filters, same global "max - 8" floor and scaling), but the STFT is never held for
more than `chunk_seconds` of audio at a time. One-shot, an hour of audio makes a complex STFT
of 201 x 360,000 bins (~580 MB) plus its magnitudes; chunked, the peak extra memory is a few
MB and only the result is kept: n_mels x 100 frames/s x 4 bytes, 115 MB per hour at 80 mels.
It takes about 2 s per hour of audio on one CPU core.

torch and whisper are imported inside the function: this module is cheap to import.
"""

from __future__ import annotations

import numpy as np

from whisperscope.units import MEL_FRAMES_PER_SECOND, WINDOW_SAMPLES
from whisperscope.units import MEL_HOP_SAMPLES as HOP_LENGTH

N_FFT = 400

_HALF = N_FFT // 2  # the reflect padding torch.stft(center=True) adds on each side


def log_mel_spectrogram(
    samples_16k: np.ndarray,
    n_mels: int = 80,
    *,
    padding: int = 0,
    chunk_seconds: float = 30.0,
) -> np.ndarray:
    """Whisper's log-mel spectrogram of 16 kHz mono audio.

    samples_16k: shape = (n_samples,), float, 16 kHz mono.
    n_mels: 80 (most models) or 128 (large-v3).
    padding: zero samples appended first, as in Whisper's own `padding` argument.
    Returns float32, shape = (n_mels, (n_samples + padding) // 160): 100 frames per second,
    frame i centred on sample 160 * i.
    """
    import torch
    from whisper.audio import mel_filters

    if n_mels not in (80, 128):
        raise ValueError(f"n_mels must be 80 or 128, not {n_mels}")
    x = np.asarray(samples_16k, dtype=np.float32).reshape(-1)
    total = x.size + max(int(padding), 0)
    n_frames = total // HOP_LENGTH
    out = np.empty((n_mels, n_frames), dtype=np.float32)
    if n_frames == 0:
        return out
    if total <= _HALF:
        # torch's reflect padding needs more than 200 samples; Whisper itself fails here.
        # Zero-pad the (at most one frame of) audio instead.
        x = np.concatenate([x, np.zeros(_HALF + 1 - x.size, dtype=np.float32)])
        total = x.size

    window = torch.hann_window(N_FFT)
    filters = mel_filters(torch.device("cpu"), n_mels)
    chunk_frames = max(int(chunk_seconds * MEL_FRAMES_PER_SECOND), 1)
    with torch.no_grad():
        for f0 in range(0, n_frames, chunk_frames):
            f1 = min(f0 + chunk_frames, n_frames)
            seg = _padded_slice(x, total, f0 * HOP_LENGTH, (f1 - 1) * HOP_LENGTH + N_FFT)
            stft = torch.stft(
                torch.from_numpy(seg),
                N_FFT,
                HOP_LENGTH,
                window=window,
                center=False,
                return_complex=True,
            )
            magnitudes = stft.abs() ** 2
            mel = filters @ magnitudes
            out[:, f0:f1] = torch.clamp(mel, min=1e-10).log10().numpy()

    np.maximum(out, out.max() - np.float32(8.0), out=out)
    out += np.float32(4.0)
    out /= np.float32(4.0)
    return out


def _padded_slice(x: np.ndarray, total: int, a: int, b: int) -> np.ndarray:
    """Samples [a, b) of the signal torch.stft(center=True) sees, built without copying x.

    That signal is `x` followed by zeros up to `total` samples (Whisper's padding), then
    reflect-padded by 200 samples on each side.
    """
    n = x.size

    def virtual(idx: np.ndarray) -> np.ndarray:  # x then zeros, at arbitrary indices
        v = np.zeros(idx.size, dtype=np.float32)
        inside = idx < n
        v[inside] = x[idx[inside]]
        return v

    parts = []
    if a < _HALF:  # left reflection: p[j] = v[200 - j]
        parts.append(virtual(_HALF - np.arange(a, min(b, _HALF))))
    lo, hi = max(a, _HALF) - _HALF, min(b, total + _HALF) - _HALF
    if hi > lo:
        middle = np.zeros(hi - lo, dtype=np.float32)
        if lo < n:
            middle[: min(hi, n) - lo] = x[lo : min(hi, n)]
        parts.append(middle)
    if b > total + _HALF:  # right reflection: p[j] = v[2 * total + 198 - j]
        parts.append(virtual(2 * total + _HALF - 2 - np.arange(max(a, total + _HALF), b)))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


WHISPER_PADDING = WINDOW_SAMPLES  # whisper pads its input with 30 s of silence


def whisper_input_mel(
    samples_16k: np.ndarray, n_mels: int, reuse: np.ndarray | None = None
) -> np.ndarray:
    """The log-mel a Whisper model reads: `n_mels` bands with 30 s of padding, shape =
    (n_mels, n_samples // 160 + 3000). `reuse` is returned as it is when it is exactly that
    (the window computes it once for display; the analysis need not compute it again).
    With no samples at all, `reuse` is taken as long as its band count fits: a headless run
    computes the mel first and then lets the samples go (`LoadedAudio.without_samples`)."""
    n_frames = (len(samples_16k) + WHISPER_PADDING) // HOP_LENGTH
    if reuse is not None and reuse.shape[0] == n_mels and (
            reuse.shape[1] == n_frames or len(samples_16k) == 0):
        return reuse
    return log_mel_spectrogram(samples_16k, n_mels, padding=WHISPER_PADDING)

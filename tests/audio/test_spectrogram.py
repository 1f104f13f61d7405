"""The chunked log-mel equals Whisper's one-shot log-mel, frame for frame."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from whisperscope.audio.spectrogram import log_mel_spectrogram
from whisperscope.units import MEL_FRAMES_PER_SECOND


def speechlike(seconds: float, seed: int = 0) -> np.ndarray:
    """Noise bursts and tones with silent stretches, so the "max - 8" floor matters."""
    rng = np.random.default_rng(seed)
    n = int(seconds * 16000)
    t = np.arange(n) / 16000
    x = 0.1 * rng.standard_normal(n) * (np.sin(2 * np.pi * 0.7 * t) > 0)
    x += 0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 0.3 * t) > 0.5)
    return x.astype(np.float32)


def whisper_log_mel(x: np.ndarray, n_mels: int = 80, padding: int = 0) -> np.ndarray:
    import whisper.audio

    return whisper.audio.log_mel_spectrogram(x.copy(), n_mels, padding=padding).numpy()


@pytest.mark.parametrize(
    "seconds,chunk_seconds,padding,n_mels",
    [
        (7.3, 1.0, 0, 80),  # many chunks, a ragged last one
        (7.3, 2.5, 0, 128),
        (3.01, 0.37, 16000 * 30, 80),  # Whisper's 30 s padding, chunks inside it too
        (65.0, 30.0, 0, 80),  # the default chunk size, three chunks
        (0.02, 30.0, 0, 80),  # shorter than one STFT window
    ],
)
def test_chunked_equals_one_shot(seconds, chunk_seconds, padding, n_mels):
    x = speechlike(seconds)
    expected = whisper_log_mel(x, n_mels, padding)
    got = log_mel_spectrogram(x, n_mels, padding=padding, chunk_seconds=chunk_seconds)
    assert got.dtype == np.float32
    assert got.shape == expected.shape == (n_mels, (len(x) + padding) // 160)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_frames_per_second():
    assert MEL_FRAMES_PER_SECOND == 100
    assert log_mel_spectrogram(np.zeros(16000 * 4, np.float32)).shape == (80, 400)


def test_a_tone_lands_in_its_mel_band():
    t = np.arange(16000 * 2) / 16000
    low = log_mel_spectrogram((0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32))
    high = log_mel_spectrogram((0.5 * np.sin(2 * np.pi * 4000 * t)).astype(np.float32))
    assert low[:, 100].argmax() < 20 < high[:, 100].argmax()


def test_empty_and_bad_input():
    assert log_mel_spectrogram(np.zeros(0, np.float32)).shape == (80, 0)
    assert log_mel_spectrogram(np.zeros(100, np.float32)).shape == (80, 0)
    with pytest.raises(ValueError, match="n_mels must be 80 or 128"):
        log_mel_spectrogram(np.zeros(16000, np.float32), n_mels=64)


def test_audio_modules_import_without_torch_or_qt():
    code = (
        "import sys\n"
        "import whisperscope.audio.loader, whisperscope.audio.spectrogram\n"
        "import whisperscope.audio.player, whisperscope.audio.silent_player\n"
        "import whisperscope.synth\n"
        "heavy = [m for m in ('torch', 'whisper', 'PySide6', 'pyqtgraph') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

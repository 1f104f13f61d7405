"""What the alignment pass hears: a window of the recording with silence after its end.

whisper pads a window shorter than 30 s (a short recording, the last window of a long one,
a clip's end) with zeros of its normalised log-mel, and the decoding follows whisper to the
token. But a zero there is no silence: it is log10(power) = -4, some 40 dB above the
recording's silence floor, a flat hiss of noise after the speech. The passes that time the
words hear the window as it is instead: its frames, then the recording's own silence
(the log-mel's floor, which whisper's clamp puts 8 decades under its loudest frame).

Measured on ../shared/data/timit-dev (64 utterances of ~3 s, each one short window), base,
given the transcript: mean start / end error 30.0 / 29.1 ms with whisper's padding, 26.0 /
26.3 ms with silence (the first 30 utterances; bench/RESULTS.md has the whole set).
"""

from __future__ import annotations

import torch

from whisperscope.units import WINDOW_MEL_FRAMES


def silence_padded(mel_window: torch.Tensor, silence: float) -> torch.Tensor:
    """`mel_window` (n_mels, <= 3000 frames) as a 30 s window, padded with `silence`
    (`silence_level` of the recording's log-mel) where whisper pads with zeros."""
    missing = WINDOW_MEL_FRAMES - mel_window.shape[-1]
    if missing <= 0:
        return mel_window[:, :WINDOW_MEL_FRAMES]
    return torch.nn.functional.pad(mel_window, (0, missing), value=silence)


def silence_level(mel: torch.Tensor) -> float:
    """The log-mel value of silence in a recording's whisper log-mel (with whisper's 30 s of
    padded zeros, which make its floor): its lowest value."""
    return float(mel.min())

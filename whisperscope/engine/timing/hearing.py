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

It takes an encoder pass of its own, which on a one-window recording is about half of what
whisper.transcribe spends in all, and it pays only where most of the window is padding:
SILENCE_PADDING_UNDER_FRAMES says where.
"""

from __future__ import annotations

import torch

from whisperscope.units import WINDOW_MEL_FRAMES

# A window with at least this many mel frames of sound (10 s) is timed on whisper's own
# zero padding, sparing the second encoder pass. Base, timit-dev's same-speaker pairs
# joined by 7 s and by 13 s of silence (11-17 s and 17-23 s windows, one pair in 4, 56
# files each, recognised and given): zero padding against silence moved the mean start
# errors by -0.4 to +0.2 ms (-0.15 on average) and the ends by +0.1 to +0.4 ms, no file
# off either way; on the single utterances (1.7-5.2 s) silence is worth 1-3 ms
# (bench/RESULTS.md, ablation). 10 s lies between the two.
SILENCE_PADDING_UNDER_FRAMES = 1000


def hears_silence(segment_size: int, enabled: bool = True) -> bool:
    """Whether the timing passes of a window of `segment_size` mel frames hear the
    recording's silence after its end (`silence_padded`) rather than whisper's zeros."""
    return enabled and segment_size < SILENCE_PADDING_UNDER_FRAMES


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

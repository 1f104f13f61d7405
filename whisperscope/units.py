"""Whisper's time units, in one place (no Qt, no torch).

Three clocks run through the code, and every name says which one it counts:

- samples: 16 kHz audio, what the model hears (`SAMPLE_RATE`);
- mel frames: one log-mel column per 160-sample hop, 10 ms (`MEL_FRAME_SECONDS`). The
  analysis seeks in these, as whisper's `transcribe` does; a 30 s window is 3000 of them;
- encoder frames: the encoder halves the mel frames (a stride-2 convolution), 20 ms
  (`ENCODER_FRAME_SECONDS`). One cross-attention column, one DTW column and one timestamp
  token step (`<|0.02|>`) each span one encoder frame; a window holds 1500.

Times on the recording's timeline are float seconds everywhere else.
"""

from __future__ import annotations

SAMPLE_RATE = 16_000  # Hz
MEL_HOP_SAMPLES = 160
MEL_FRAMES_PER_SECOND = SAMPLE_RATE // MEL_HOP_SAMPLES  # 100
MEL_FRAME_SECONDS = MEL_HOP_SAMPLES / SAMPLE_RATE  # 0.01
MEL_FRAMES_PER_ENCODER_FRAME = 2
ENCODER_FRAMES_PER_SECOND = MEL_FRAMES_PER_SECOND // MEL_FRAMES_PER_ENCODER_FRAME  # 50
ENCODER_FRAME_SECONDS = MEL_FRAME_SECONDS * MEL_FRAMES_PER_ENCODER_FRAME  # 0.02
WINDOW_SECONDS = 30
WINDOW_SAMPLES = WINDOW_SECONDS * SAMPLE_RATE  # 480_000
WINDOW_MEL_FRAMES = WINDOW_SECONDS * MEL_FRAMES_PER_SECOND  # 3000
WINDOW_ENCODER_FRAMES = WINDOW_SECONDS * ENCODER_FRAMES_PER_SECOND  # 1500


def seconds_to_mel_frames(seconds: float) -> int:
    """The nearest mel frame (whisper's `round(t * FRAMES_PER_SECOND)`)."""
    return round(seconds * MEL_FRAMES_PER_SECOND)


def mel_frames_to_seconds(mel_frames: int | float) -> float:
    return mel_frames / MEL_FRAMES_PER_SECOND


def seconds_to_encoder_frames(seconds: float) -> int:
    return round(seconds * ENCODER_FRAMES_PER_SECOND)


def encoder_frames_to_seconds(encoder_frames: int | float) -> float:
    return encoder_frames * ENCODER_FRAME_SECONDS


def mel_to_encoder_frames(mel_frames: int) -> int:
    """Encoder frames covering `mel_frames` of audio (whole ones: a trailing odd mel frame
    has no encoder frame of its own)."""
    return mel_frames // MEL_FRAMES_PER_ENCODER_FRAME


def encoder_to_mel_frames(encoder_frames: int) -> int:
    return encoder_frames * MEL_FRAMES_PER_ENCODER_FRAME


def samples_to_seconds(samples: int | float) -> float:
    return samples / SAMPLE_RATE


def seconds_to_samples(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


def seconds_to_milliseconds(seconds: float) -> int:
    """Whole milliseconds, rounded as openai-whisper's writers round them (`round(t * 1000)`),
    so every format agrees on every time (round(t, 3) differs by 1 ms at some halves)."""
    return round(float(seconds) * 1000.0)


def milliseconds_to_seconds(milliseconds: int | float) -> float:
    """Seconds of a time in milliseconds (ELAN's, whisper's TSV)."""
    return milliseconds / 1000.0

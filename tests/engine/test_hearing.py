"""What the timing passes hear after a window's end (engine/timing/hearing.py)."""

import torch

from whisperscope.engine.timing.hearing import (
    SILENCE_PADDING_UNDER_FRAMES,
    hears_silence,
    silence_level,
    silence_padded,
)
from whisperscope.units import WINDOW_MEL_FRAMES


def test_a_short_window_is_padded_with_the_recordings_silence():
    mel = torch.full((80, 300), 0.5)
    mel[:, 100:] = -0.75  # the quietest frames
    padded = silence_padded(mel, silence_level(mel))
    assert padded.shape == (80, WINDOW_MEL_FRAMES)
    assert torch.equal(padded[:, :300], mel)
    assert (padded[:, 300:] == -0.75).all()


def test_only_a_window_mostly_of_padding_hears_silence():
    assert hears_silence(300)  # a 3 s utterance: 27 s of padding
    assert hears_silence(SILENCE_PADDING_UNDER_FRAMES - 1)
    assert not hears_silence(SILENCE_PADDING_UNDER_FRAMES)  # 10 s of sound or more
    assert not hears_silence(WINDOW_MEL_FRAMES)  # a full window has no padding
    assert not hears_silence(300, enabled=False)  # AlignmentOptions(silence_padding=False)

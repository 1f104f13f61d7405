"""Words from audio too short to hold them are kept but flagged as suspect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from whisperscope.engine.plausibility import implausible_words


def test_implausible_words_rules():
    assert implausible_words(0.1, 3, "'a.wav'") is not None
    assert "0.10 s" in implausible_words(0.1, 3, "'a.wav'")
    assert implausible_words(0.1, 0) is None  # nothing written, nothing to flag
    assert implausible_words(4.0, 12) is None  # 3 words/s: speech
    assert "faster than speech" in implausible_words(2.0, 30)


@pytest.mark.model
def test_a_tenth_of_a_second_is_flagged_in_the_analysis(tiny_en, speech):
    from whisperscope.audio.loader import LoadedAudio
    from whisperscope.engine.analyzer import analyze
    from whisperscope.engine.events import Finished

    start = int(np.argmax(np.abs(speech) > 0.1))  # 0.1 s from inside the first word
    clip = speech[start:start + 1600].copy()
    audio = LoadedAudio(Path("blip.wav"), clip, clip[:, None], 16000, 1, 0.1, "")
    analysis = [e for e in analyze(audio, tiny_en) if isinstance(e, Finished)][0].analysis
    if analysis.words:
        assert any("probably invented" in w for w in analysis.warnings), analysis.warnings
    else:
        assert analysis.warnings == []

"""A transcript in a script written without spaces is timed character by character, as
whisper splits words in those languages, and a "word" the alignment spreads over seconds is
flagged unaligned, not reported as aligned."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from whisperscope.engine.timing.transcript import (
    TranscriptError,
    check_length,
    transcript_words,
)

CHINESE = "孩子们在花园里玩耍。请在天黑之前打开窗户。"


def test_scripts_without_spaces_are_split_into_characters():
    words = transcript_words(CHINESE)
    assert words[:3] == [" 孩", "子", "们"] and words[8] == "耍。"  # punctuation attached
    assert len(words) == 19 and "".join(words) == " " + CHINESE
    mixed = transcript_words("Hello, world! 東京タワーへ行きます。 iPhoneを買った")
    assert mixed[:3] == [" Hello,", " world!", " 東"]
    assert " iPhone" in mixed and "を" in mixed  # a Latin run inside stays whole
    thai = transcript_words("สวัสดีครับ")
    assert thai[0] == " ส" and "วั" in thai  # a combining vowel stays with its consonant
    assert transcript_words("The children are playing.") == [
        " The", " children", " are", " playing."]


def test_characters_count_as_half_a_word_for_the_length_check():
    check_length(transcript_words(CHINESE * 3), 8.0)  # 57 characters in 8 s: fine
    with pytest.raises(TranscriptError, match="words for 2.0 s"):
        check_length(transcript_words(CHINESE * 3), 2.0)


@pytest.fixture(scope="module")
def first_sentence(speech):
    """'The children are playing in the garden.' (0.5-3.7 s) and a little silence."""
    return speech[:16000 * 4]


def _analyse(tiny_en, samples, transcript):
    from whisperscope.audio.loader import LoadedAudio
    from whisperscope.engine.run import run_to_completion

    samples = np.ascontiguousarray(samples, np.float32)
    audio = LoadedAudio(path=Path("first.wav"), samples=samples,
                        original=samples[:, None], original_rate=16000, channels=1,
                        duration=len(samples) / 16000,
                        sha256=hashlib.sha256(samples.tobytes()).hexdigest())
    return run_to_completion(audio, tiny_en, transcript=transcript)


@pytest.mark.model
def test_chinese_text_on_english_speech_is_not_reported_aligned(tiny_en, first_sentence):
    """The report: Chinese text on English speech became one word over the whole sentence,
    marked aligned, with no warning."""
    analysis = _analyse(tiny_en, first_sentence, "孩子们在花园里玩耍。")
    assert [w.text for w in analysis.words][:3] == [" 孩", "子", "们"]
    assert len(analysis.words) == 9
    assert all(w.unaligned for w in analysis.words)


@pytest.mark.model
def test_a_word_spread_over_seconds_is_flagged_unaligned(tiny_en, first_sentence):
    analysis = _analyse(tiny_en, first_sentence, "Thechildrenareplayinginthegarden.")
    (word,) = analysis.words
    assert word.end - word.start > 2.5 and word.unaligned

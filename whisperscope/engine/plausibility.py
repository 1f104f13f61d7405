"""Flags for a transcript Whisper may have invented (it writes words into very short or
empty audio as readily as openai-whisper does): the text is kept, the user is warned."""

from __future__ import annotations

MIN_SPEECH_SECONDS = 0.5  # shorter than a short word and its breath: words here are suspect
MAX_WORDS_PER_SECOND = 7.0  # fast speech is 4-5 words/s over a whole file


def implausible_words(duration: float, n_words: int, name: str = "the recording") -> str | None:
    """A warning when `n_words` words are more than `duration` seconds of audio can hold."""
    if n_words == 0:
        return None
    if duration < MIN_SPEECH_SECONDS:
        return (f"{name} is only {duration:.2f} s long: the {n_words} word(s) Whisper wrote "
                "are probably invented")
    if n_words > MAX_WORDS_PER_SECOND * duration:
        return (f"{n_words} words in {duration:.1f} s of {name} is faster than speech: the "
                "transcript may be invented or repeated")
    return None

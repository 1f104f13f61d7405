"""The one punctuation table: what attaches to a word, and what makes no sound.

whisper's `transcribe` defaults for `prepend_punctuations` / `append_punctuations`, with ";"
added to the appended ones: whisper leaves a semicolon as a "word" of its own, while a comma
or a full stop joins the word before it; here all three join it.
"""

PREPEND_PUNCTUATIONS = "\"'“¿([{-"
WHISPER_APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"  # whisper.transcribe's default
APPEND_PUNCTUATIONS = WHISPER_APPEND_PUNCTUATIONS + ";"


def is_punctuation(text: str) -> bool:
    """True when `text` holds nothing but punctuation and spaces (it makes no sound)."""
    return not text.strip(PREPEND_PUNCTUATIONS + APPEND_PUNCTUATIONS + " ")

"""Spreading a known transcript over windows, and reading it: planted answers, no model."""

import pytest

from whisperscope.engine.timing.transcript import (
    TranscriptError,
    check_length,
    read_transcript,
    transcript_text,
    transcript_words,
    window_share,
)

TEXT = "The quick brown fox jumps over the lazy dog. She sells sea shells by the shore."


def test_words_are_kept_as_written_with_whisper_spacing():
    assert transcript_words("  Hello,  world!\nIt's  me. ") == [
        " Hello,", " world!", " It's", " me."]


@pytest.mark.parametrize("text", ["", "   \n", "... -- !!"])
def test_an_empty_or_punctuation_only_transcript_is_refused(text):
    with pytest.raises(TranscriptError):
        transcript_words(text)


def test_timit_sample_numbers_are_not_words():
    assert transcript_text("0 29595 He may get a tax refund.\n") == "He may get a tax refund.\n"
    assert transcript_text("10 apples") == "10 apples"


def test_a_window_takes_the_words_up_to_its_last_decoded_match():
    remaining = transcript_words(TEXT)
    decoded = [" the", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog."]
    share = window_share(decoded, remaining, last_window=False)
    assert share.n_words == 9 and share.n_matched == 9
    rest = remaining[share.n_words:]
    assert rest[0] == " She"
    assert window_share(["she", "sells"], rest, last_window=True).n_words == len(rest)


def test_misheard_words_at_the_end_of_a_window_still_go_with_it():
    remaining = transcript_words(TEXT)
    decoded = [" the", " quick", " brown", " fox", " jumped", " ova"]  # last two misheard
    assert window_share(decoded, remaining, False).n_words == 6


def test_a_window_that_decoded_nothing_takes_nothing_unless_it_is_the_last():
    remaining = transcript_words(TEXT)
    assert window_share([], remaining, False).n_words == 0
    assert window_share([], remaining, True).n_words == len(remaining)


def test_nothing_in_common_takes_as_many_words_as_were_heard():
    remaining = transcript_words(TEXT)
    share = window_share([" completely", " different", " words"], remaining, False)
    assert (share.n_words, share.n_matched) == (3, 0)


def test_every_word_lands_in_exactly_one_window():
    remaining = transcript_words(TEXT * 3)
    heard = [w.lower() for w in remaining]
    placed = []
    for start in range(0, len(heard), 7):  # windows of 7 decoded words
        last = start + 7 >= len(heard)
        share = window_share(heard[start:start + 7], remaining, last)
        placed += remaining[: share.n_words]
        remaining = remaining[share.n_words:]
    assert placed == transcript_words(TEXT * 3)


def test_a_transcript_far_longer_than_the_speech_is_refused():
    check_length(["w"] * 30, 4.0)
    with pytest.raises(TranscriptError, match="words for 4.0 s"):
        check_length(["w"] * 40, 4.0)


def test_reading_errors_are_one_clear_message(tmp_path):
    with pytest.raises(TranscriptError, match="does not exist"):
        read_transcript(tmp_path / "missing.txt")
    with pytest.raises(TranscriptError, match="folder"):
        read_transcript(tmp_path)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(TranscriptError, match="not UTF-8"):
        read_transcript(bad)
    good = tmp_path / "bom.txt"
    good.write_bytes("\ufeffHello there".encode())
    assert read_transcript(good) == "Hello there"

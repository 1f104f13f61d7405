"""A window whose text stops at a timestamp before its end (whisper leaves the rest of the
audio to the next window): its words are aligned to the audio before that timestamp, not
stretched over the untranscribed speech after it (the > 30 s recording whose words went
missing between 0:25 and 0:30)."""

from __future__ import annotations

import numpy as np
import pytest
from whisper.tokenizer import get_tokenizer

from whisperscope.engine import timing
from whisperscope.engine.alignment import AlignmentOptions
from whisperscope.engine.timing import text_end_frame, time_window
from whisperscope.engine.window_decoding import DecodedWindow

TOKENIZER = get_tokenizer(False)
TS = TOKENIZER.timestamp_begin
N_FRAMES = 200  # encoder frames: 4 s of audio, all of it speech
WORDS = [TOKENIZER.encode(w)[0] for w in (" one", " two", " three")]


def _window(text_end: int = 75) -> DecodedWindow:
    """<|0.00|> one two three <|1.50|><|1.50|> <|endoftext|>; the attention of " three"
    runs on over the speech after 1.5 s that the text does not cover, as a real model's
    last text row does."""
    ids = [TS, *WORDS, TS + text_end, TS + text_end, TOKENIZER.eot]
    frames = np.arange(N_FRAMES)
    attention = np.full((1, len(ids), N_FRAMES), 1e-3, np.float32)
    for row, centre in zip((1, 2), (12, 37), strict=True):
        attention[0, row] += np.exp(-0.5 * ((frames - centre) / 5.0) ** 2)
    attention[0, 3, 55:] += 1.0  # " three", and on into what nobody transcribed
    attention[0, 4:] += 0.05  # the timestamp rows: weak everywhere
    attention /= attention.sum(-1, keepdims=True)
    return DecodedWindow(tuple(TOKENIZER.sot_sequence), tuple(ids), (0.9,) * len(ids),
                         attention, -0.2, 0.01, 0.0, "one two three")


def _words(decoded):
    voiced = np.ones(N_FRAMES, bool)
    result = time_window(decoded, TOKENIZER, 0.0, 2 * N_FRAMES, voiced,
                         AlignmentOptions(alignment_pass=False))
    return result.words


def test_the_last_word_ends_by_the_texts_last_timestamp():
    words = _words(_window())
    assert [w.text for w in words] == [" one", " two", " three"]
    assert words[-1].end <= 1.52
    assert words[-1].start < 1.5
    assert words[0].start < words[1].start < words[2].start


def test_aligned_against_the_whole_window_it_would_run_to_the_end(monkeypatch):
    """What the limit prevents (and what made the test above fail before it)."""
    monkeypatch.setattr(timing, "text_end_frame", lambda ids, tokenizer, n: n)
    assert _words(_window())[-1].end > 3.0


@pytest.mark.parametrize(("ids", "end"), [
    ([TS, *WORDS, TS + 75, TS + 75], 76),  # a timestamp pair: the text ends at its time
    ([TS, *WORDS, TS + 75, TS + 75, TOKENIZER.eot], 76),
    ([TS, *WORDS, TS + 75, TOKENIZER.eot], N_FRAMES),  # a lone one: nothing is re-decoded
    ([TS, WORDS[0], TS + 40, TS + 40, WORDS[1]], N_FRAMES),  # unfinished: not timed to 0.8
    ([*WORDS], N_FRAMES),  # no timestamps at all
    ([TS, *WORDS, TS + N_FRAMES, TS + N_FRAMES], N_FRAMES),  # at the window's end
])
def test_text_end_frame(ids, end):
    assert text_end_frame(ids, TOKENIZER, N_FRAMES) == end

"""Engine events: the facts they derive themselves, on a planted answer."""

from __future__ import annotations

import numpy as np

from whisperscope.engine.events import TokenDecoded


def _token(attention: np.ndarray, window_start: float = 30.0) -> TokenDecoded:
    return TokenDecoded(1, 0, 11, " hi", 0.9, False, window_start, attention)


def test_position_is_where_the_heads_look_most_on_average():
    attention = np.full((3, 1500), 1e-4, np.float32)
    attention[0, 250] = 0.9  # one head looks elsewhere strongly...
    attention[1:, 400] = 0.6  # ...two agree on frame 400: mean 0.4 beats 0.3
    assert abs(_token(attention).position - (30.0 + 400 * 0.02)) < 1e-9


def test_position_without_attention_is_the_window_start():
    assert _token(np.zeros((2, 0), np.float32), 12.5).position == 12.5


def test_text_tokens_are_text_and_start_words_unless_told():
    token = _token(np.ones((1, 10), np.float32))
    assert not token.is_special and token.starts_word

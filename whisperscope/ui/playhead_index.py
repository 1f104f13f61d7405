"""Which token and word are under the playhead, as tokens arrive window by window. Qt-free."""

from __future__ import annotations

import numpy as np

from whisperscope.session.model import TokenTiming, Word


class _Spans:
    def __init__(self) -> None:
        self.starts = np.zeros(0)
        self.ends = np.zeros(0)

    def extend(self, items) -> None:
        items = list(items)
        if items:
            self.starts = np.concatenate([self.starts, [i.start for i in items]])
            self.ends = np.concatenate([self.ends, [i.end for i in items]])

    def at(self, t: float) -> int:
        i = int(np.searchsorted(self.starts, t, side="right")) - 1
        if 0 <= i < len(self.starts) and self.starts[i] <= t < self.ends[i]:
            return i
        return -1


class PlayheadIndex:
    """Index of the token / word being spoken at a time (-1 in a gap), like
    `Analysis.token_at` but usable while the analysis is still running."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.tokens: list[TokenTiming] = []
        self.words: list[Word] = []
        self._token_spans = _Spans()
        self._word_spans = _Spans()

    def extend(self, tokens, words) -> None:
        tokens, words = list(tokens), list(words)
        self.tokens.extend(tokens)
        self.words.extend(words)
        self._token_spans.extend(tokens)
        self._word_spans.extend(words)

    def token_at(self, t: float) -> int:
        return self._token_spans.at(t)

    def word_at(self, t: float) -> int:
        return self._word_spans.at(t)

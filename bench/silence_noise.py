"""Silence skipping in noise: WhisperScope's words against `whisper.transcribe`'s on the same
weights, timit-dev speech with a long pause, white and pink noise at 20, 10, 0 and -5 dB SNR.

    python bench/silence_noise.py [--model tiny.en] [--utterances 8]

Per condition: the words each wrote, the word error of WhisperScope's words against
whisper's, the windows each decoded, and `lost`: whisper's words that fall where WhisperScope
decoded no window at all (what silence skipping cost). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from whisperscope.audio.loader import LoadedAudio
from whisperscope.engine.analyzer import analyze
from whisperscope.engine.events import Failed, Finished
from whisperscope.engine.models import load_model
from whisperscope.session.model import AnalysisSettings
from whisperscope.synth import add_noise
from whisperscope.text_match import word_error_rate

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "timit-dev"
CONDITIONS = [("clean", None)] + [(color, snr) for color in ("white", "pink")
                                  for snr in (20, 10, 0, -5)]
PAUSE_SECONDS, LONG_PAUSE_SECONDS = 0.8, 8.0


def timit_passage(n_utterances: int) -> np.ndarray:
    """`n_utterances` timit-dev utterances (two per speaker, speakers in turn), 0.8 s of
    digital silence between them and 8 s in the middle, 16 kHz float32."""
    speakers = sorted(p for p in DATA.iterdir() if p.is_dir())
    files = [w for s in speakers for w in sorted(s.glob("*.wav"))[:2]][:n_utterances]
    parts = []
    for i, wav in enumerate(files):
        samples, rate = sf.read(wav, dtype="float32")
        assert rate == 16000, wav
        pause = LONG_PAUSE_SECONDS if i == len(files) // 2 - 1 else PAUSE_SECONDS
        parts += [samples, np.zeros(int(pause * 16000), np.float32)]
    return np.concatenate(parts[:-1])


def whisperscope_run(samples: np.ndarray, model) -> tuple[list[str], list[tuple[float, float]]]:
    """WhisperScope's words and the (start, end) seconds of each window it decoded."""
    audio = LoadedAudio(Path("passage.wav"), samples, samples[:, None], 16000, 1,
                        len(samples) / 16000, "")
    for event in analyze(audio, model, AnalysisSettings(language="en")):
        if isinstance(event, Failed):
            raise RuntimeError(event.message)
        if isinstance(event, Finished):
            a = event.analysis
            return [w.text for w in a.words], [(w.start, w.end) for w in a.windows]
    raise RuntimeError("no result")


def whisper_run(samples: np.ndarray, model) -> tuple[list[str], list[float], int]:
    """whisper.transcribe's words, each word's midpoint, and how many windows it decoded."""
    result = model.model.transcribe(torch.from_numpy(samples), language="en", fp16=False,
                                    word_timestamps=True)
    words = [w for s in result["segments"] for w in s.get("words", [])]
    windows = len({s["seek"] for s in result["segments"]})
    return [w["word"] for w in words], [(w["start"] + w["end"]) / 2 for w in words], windows


def lost_words(midpoints: list[float], windows: list[tuple[float, float]]) -> int:
    """Words (by midpoint) outside every decoded window."""
    return sum(not any(a <= t < b for a, b in windows) for t in midpoints)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--utterances", type=int, default=8)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"no timit-dev at {DATA}", file=sys.stderr)
        return 2
    torch.set_num_threads(2)
    model = load_model(args.model, "cpu")
    clean = timit_passage(args.utterances)
    print(f"{args.model}, {len(clean) / 16000:.1f} s: {args.utterances} timit-dev utterances, "
          f"{PAUSE_SECONDS} s pauses and one of {LONG_PAUSE_SECONDS} s\n")
    print("| noise | SNR dB | whisper words | WhisperScope words | word error vs whisper "
          "| windows (whisper / WhisperScope) | whisper words WhisperScope never decoded | s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for color, snr in CONDITIONS:
        samples = clean if snr is None else add_noise(clean, snr, color, seed=1)
        started = time.monotonic()
        ours, windows = whisperscope_run(samples, model)
        theirs, midpoints, their_windows = whisper_run(samples, model)
        print(f"| {color} | {'-' if snr is None else snr} | {len(theirs)} | {len(ours)} | "
              f"{100 * word_error_rate(theirs, ours):.1f} % | {their_windows} / {len(windows)} "
              f"| {lost_words(midpoints, windows)} | {time.monotonic() - started:.0f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How right are the word timestamps? WhisperScope against openai-whisper's
`word_timestamps=True`, same model, same audio, one run.

The audio is generated: every word is synthesised separately with espeak-ng, trimmed to its
audible samples and joined with short gaps, and phrases are separated by pauses from 0.4 s
to 13 s, so each word's true start and end are known to the sample. Recognised words are
matched to the truth by their text (in order); errors are over matched words.

    .venv/bin/python bench/alignment.py [--model tiny.en] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from whisperscope.audio.loader import load_audio
from whisperscope.engine.analyzer import analyze
from whisperscope.engine.events import Failed, Finished
from whisperscope.engine.models import load_model
from whisperscope.session.model import AnalysisSettings
from whisperscope.synth import synthesize_phrases, synthesize_sentences
from whisperscope.text_match import match_by_text

SCRIPTS = {
    "pauses-7-13": (
        ["The quick brown fox", "jumps over the lazy dog.", "She sells sea shells",
         "by the sea shore.", "Good morning everyone,", "thank you for coming."],
        [0.8, 7.0, 0.8, 13.0, 0.8],
    ),
    "short-pauses": (
        ["Please call Stella.", "Ask her to bring these things", "with her from the store.",
         "Six spoons of fresh snow peas,", "five thick slabs of blue cheese,",
         "and maybe a snack for her brother Bob."],
        [0.4, 0.6, 1.0, 0.5, 0.7],
    ),
    "long-pauses": (
        ["We also need a small plastic snake", "and a big toy frog for the kids.",
         "She can scoop these things", "into three red bags,",
         "and we will go meet her", "Wednesday at the train station."],
        [3.0, 5.0, 2.0, 9.0, 4.0],
    ),
}


# (name, script, signal-to-noise ratio in dB of added white noise or None for clean)
RECORDINGS = [(name, script, None) for name, script in SCRIPTS.items()] + [
    ("short-pauses-noisy", SCRIPTS["short-pauses"], 30.0),
    ("pauses-7-13-noisy", SCRIPTS["pauses-7-13"], 20.0),
]


def with_noise(speech, snr_db: float):
    """The same speech with steady white noise, `snr_db` below the speech's RMS."""
    voiced = speech.samples[np.abs(speech.samples) > 1e-4]
    rms = np.sqrt(np.mean(voiced**2))
    noise = np.random.default_rng(0).normal(0, rms * 10 ** (-snr_db / 20), speech.samples.size)
    return replace(speech, samples=(speech.samples + noise).astype(np.float32))


@dataclass(frozen=True)
class TimedWord:
    text: str
    start: float
    end: float


def whisperscope_words(audio, model) -> list[TimedWord]:
    for event in analyze(audio, model, AnalysisSettings(language="en")):
        if isinstance(event, Failed):
            raise RuntimeError(event.message)
        if isinstance(event, Finished):
            return [TimedWord(w.text, w.start, w.end) for w in event.analysis.words]
    raise RuntimeError("no result")


def openai_whisper_words(audio, model) -> list[TimedWord]:
    result = model.model.transcribe(torch.from_numpy(audio.samples), language="en",
                                    fp16=False, word_timestamps=True)
    return [TimedWord(w["word"], w["start"], w["end"])
            for s in result["segments"] for w in s.get("words", [])]


def stats(errors: np.ndarray) -> tuple:
    if errors.size == 0:
        return (float("nan"),) * 5
    a = np.abs(errors)
    return (a.mean(), np.median(a), *(100 * np.mean(a <= t) for t in (0.05, 0.1, 0.2)))


def phrase_errors(truth, found: list[TimedWord]) -> tuple[list[float], list[float]]:
    """Onset and end errors of each phrase: its first and last recognised word. A word
    belongs to the phrase whose span, widened to the middle of the pauses around it,
    holds the word's middle."""
    starts, ends = [], []
    for i, phrase in enumerate(truth):
        lo = (truth[i - 1].end + phrase.start) / 2 if i else float("-inf")
        hi = (phrase.end + truth[i + 1].start) / 2 if i + 1 < len(truth) else float("inf")
        inside = [w for w in found if lo <= (w.start + w.end) / 2 < hi]
        if inside:
            starts.append(inside[0].start - phrase.start)
            ends.append(max(w.end for w in inside) - phrase.end)
    return starts, ends


def print_continuous_table(model, systems) -> None:
    """Continuous speech (phrases spoken whole): only phrase edges are known exactly."""
    errors = {name: ([], []) for name in systems}
    with tempfile.TemporaryDirectory() as tmp:
        for script, (phrases, pauses) in SCRIPTS.items():
            speech = synthesize_sentences(phrases, pauses)
            path = Path(tmp) / f"{script}-continuous.wav"
            speech.write(path)
            audio = load_audio(path)
            for name, run in systems.items():
                starts, ends = phrase_errors(speech.words, run(audio, model))
                errors[name][0].extend(starts)
                errors[name][1].extend(ends)
    n = sum(len(phrases) for phrases, _ in SCRIPTS.values())
    print(f"\ncontinuous speech ({len(SCRIPTS)} recordings, {n} phrases spoken whole): "
          "error of each phrase's first word start and last word end")
    print("| system | phrases found | edge | mean abs s | median abs s | <=50 ms | <=100 ms "
          "| <=200 ms | mean signed s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in systems:
        for edge, values in zip(("start", "end"), errors[name], strict=True):
            e = np.array(values)
            mean, median, p50, p100, p200 = stats(e)
            print(f"| {name} | {len(e)}/{n} | {edge} | {mean:.3f} | {median:.3f} | {p50:.0f}% "
                  f"| {p100:.0f}% | {p200:.0f}% | {e.mean():+.3f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model, "cpu")
    systems = {"WhisperScope": whisperscope_words, "openai-whisper": openai_whisper_words}
    errors = {name: {"start": [], "end": []} for name in systems}
    counts = {name: [0, 0] for name in systems}
    with tempfile.TemporaryDirectory() as tmp:
        for script, (phrases, pauses), snr_db in RECORDINGS:
            speech = synthesize_phrases(phrases, pauses)
            if snr_db is not None:
                speech = with_noise(speech, snr_db)
            path = Path(tmp) / f"{script}.wav"
            speech.write(path)
            audio = load_audio(path)
            for name, run in systems.items():
                pairs = match_by_text(speech.words, run(audio, model))
                counts[name][0] += len(pairs)
                counts[name][1] += len(speech.words)
                errors[name]["start"] += [f.start - t.start for t, f in pairs]
                errors[name]["end"] += [f.end - t.end for t, f in pairs]
    print(f"model {args.model}, {len(RECORDINGS)} generated recordings (two with white noise "
          "at 30 and 20 dB SNR), pauses 0.4-13 s, errors over words matched by text")
    print("| system | words matched | edge | mean abs s | median abs s | <=50 ms | <=100 ms "
          "| <=200 ms | mean signed s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in systems:
        for edge in ("start", "end"):
            e = np.array(errors[name][edge])
            mean, median, p50, p100, p200 = stats(e)
            print(f"| {name} | {counts[name][0]}/{counts[name][1]} | {edge} | {mean:.3f} | "
                  f"{median:.3f} | {p50:.0f}% | {p100:.0f}% | {p200:.0f}% | "
                  f"{(e.mean() if e.size else float('nan')):+.3f} |")
    print_continuous_table(model, systems)
    ours = np.abs(errors["WhisperScope"]["start"]).mean()
    theirs = np.abs(errors["openai-whisper"]["start"]).mean()
    print(f"\nmean abs start error ratio WhisperScope / openai-whisper: {ours / theirs:.2f} "
          "(target <= 0.6)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What does seeing inside Whisper cost? Wall time of WhisperScope's analysis (decoding with
cross-attention capture, alignment, events) against plain `whisper.transcribe` without word
timestamps, and with them, on the same model, audio and threads, in one run.

    .venv/bin/python bench/overhead.py [--model tiny.en] [--threads 2] [--repeat 3] [AUDIO...]

With no AUDIO it uses the bundled sample and a ~2 minute generated passage.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from whisperscope.audio.loader import load_audio
from whisperscope.engine.analyzer import analyze
from whisperscope.engine.events import Failed, Finished
from whisperscope.engine.models import load_model
from whisperscope.resources import __file__ as resources_init
from whisperscope.session.model import AnalysisSettings

PASSAGE = [
    "Whisper is a general purpose speech recognition model.",
    "It is trained on a large dataset of diverse audio.",
    "It is also a multitask model that can perform language identification.",
    "The model predicts timestamps between segments of speech.",
    "Cross attention shows which part of the audio each token looks at.",
    "A long pause should not confuse the alignment of the next sentence.",
    "Researchers and subtitlers need to know where each word begins.",
    "The quick brown fox jumps over the lazy dog near the river bank.",
]


def generated_passage(directory: Path) -> Path:
    from whisperscope.synth import synthesize_phrases

    phrases = PASSAGE * 2
    speech = synthesize_phrases(phrases, pauses=[0.6, 1.5, 3.0, 0.8] * 4)
    path = directory / "passage.wav"
    speech.write(path)
    return path


def time_interleaved(fns: list, repeat: int) -> list[float]:
    """Median wall time of each function, run in turn `repeat` times, so that load from
    anything else on the machine falls on all of them alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, bucket in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return [statistics.median(bucket) for bucket in times]


def whisperscope_run(audio, model):
    # the language is given to both, as to whisper.transcribe below: no detection pass
    for event in analyze(audio, model, AnalysisSettings(language="en")):
        if isinstance(event, Failed):
            raise RuntimeError(event.message)
        if isinstance(event, Finished):
            return event.analysis


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="*", type=Path)
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded = load_model(args.model, args.device)
    fp16 = loaded.info.dtype == "float16"
    with tempfile.TemporaryDirectory() as tmp:
        files = args.audio or [Path(resources_init).parent / "sample.flac",
                               generated_passage(Path(tmp))]
        print(f"model {args.model} on {loaded.info.device}, {args.threads} threads, "
              f"median of {args.repeat} runs, torch {torch.__version__}")
        header = (f"| {'audio':<14} | {'dur s':>6} | {'whisper s':>9} | {'whisper+words s':>15} "
                  f"| {'WhisperScope s':>14} | {'ratio':>5} | {'ratio vs +words':>15} |")
        print(header)
        print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
        worst = 0.0
        for path in files:
            audio = load_audio(path)
            samples = torch.from_numpy(audio.samples)

            def plain(samples=samples):
                loaded.model.transcribe(samples, language="en", fp16=fp16)

            def with_words(samples=samples):
                loaded.model.transcribe(samples, language="en", fp16=fp16,
                                        word_timestamps=True)

            whisperscope_run(audio, loaded)  # warm up (first-call costs)
            plain()
            t_plain, t_words, t_scope = time_interleaved(
                [plain, with_words, lambda audio=audio: whisperscope_run(audio, loaded)],
                args.repeat)
            ratio = t_scope / t_plain
            worst = max(worst, ratio)
            print(f"| {path.name[:14]:<14} | {audio.duration:6.1f} | {t_plain:9.2f} | "
                  f"{t_words:15.2f} | {t_scope:14.2f} | {ratio:5.2f} | "
                  f"{t_scope / t_words:15.2f} |")
        print(f"\nworst ratio WhisperScope / plain transcribe: {worst:.2f} "
              "(target <= 1.3, issue 24)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

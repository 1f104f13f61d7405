"""Does a WhisperScope analysis read the same words as `whisper.transcribe`?

On the same weights, audio, threads and precision (float32 on the CPU, as whisper uses
there), greedy at temperature 0 with no fallback: the word error between our text and
whisper's, per model, over the bundled sample and `../shared/data/timit-dev` (64
utterances), against whisper without word timestamps (transcribe()'s default) and, with
--with-words, also with them (the loop our analysis follows: it seeks to the last word).

    .venv/bin/python bench/whisper_parity.py [--models tiny.en base] [--limit N] [--with-words]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from importlib.resources import files
from pathlib import Path

import numpy as np
import torch

from whisperscope.audio.loader import load_audio
from whisperscope.engine.models import load_model
from whisperscope.engine.run import run_to_completion
from whisperscope.session.model import AnalysisSettings

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "timit-dev"
GREEDY = AnalysisSettings(temperatures=(0.0,))


def words(text: str) -> list[str]:
    return [w for w in (re.sub(r"[^a-z0-9']", "", t) for t in text.lower().split()) if w]


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def ours(audio, model, settings=GREEDY) -> str:
    return run_to_completion(audio, model, settings).text


def whisper_text(audio, model, word_timestamps: bool, **options) -> str:
    import whisper

    result = whisper.transcribe(model.model, audio.samples, temperature=0.0, fp16=False,
                                word_timestamps=word_timestamps, language=options.pop(
                                    "language", None), **options)
    return result["text"].strip()


def recordings(limit: int | None) -> list[Path]:
    paths = [Path(str(files("whisperscope.resources") / "sample.flac"))]
    if DATA.is_dir():
        paths += sorted(DATA.glob("*/*.wav"))[:limit]
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    parser.add_argument("--limit", type=int, help="timit-dev utterances (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--with-words", action="store_true",
                        help="also compare with whisper's word_timestamps=True")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    paths = recordings(args.limit)
    for name in args.models:
        model = load_model(name, "cpu")
        language = None if model.model.is_multilingual else "en"
        variants = (False, True) if args.with_words else (False,)
        errors = dict.fromkeys(variants, 0)
        n_words, differing, started = 0, [], time.monotonic()
        for path in paths:
            audio = load_audio(path)
            mine = words(ours(audio, model, AnalysisSettings(temperatures=(0.0,),
                                                             language=language)))
            for with_words in variants:
                theirs = words(whisper_text(audio, model, with_words, language=language))
                distance = edit_distance(theirs, mine)
                errors[with_words] += distance
                if with_words is False:
                    n_words += len(theirs)
                    if distance:
                        differing.append((path.name, " ".join(theirs), " ".join(mine)))
            print(f"  {name} {path.parent.name}/{path.name}: {errors[False]} word errors in "
                  f"{n_words} so far", file=sys.stderr, flush=True)
        print(f"{name}: {len(paths)} recordings, {n_words} words (whisper's), "
              f"{time.monotonic() - started:.0f} s", flush=True)
        for with_words in variants:
            label = "with word timestamps" if with_words else "default"
            print(f"  word error vs whisper.transcribe ({label}): "
                  f"{errors[with_words]} / {n_words} = {100 * errors[with_words] / n_words:.2f} %")
        for name_, theirs, mine in differing:
            print(f"  {name_}\n    whisper: {theirs}\n    ours:    {mine}", flush=True)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())

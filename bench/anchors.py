"""Anchors (issue 25): forced alignment of each utterance's own sentence with and without a
few of its words anchored at their hand-labelled times.

On a TIMIT-format folder (default ../shared/data/timit-dev), every `--every`-th word of each
utterance (the 2nd, 6th, 10th, ... with the default 4) is anchored at its true start and end
(as `whisperscope align --anchors` would read them). Reported, for the unanchored words
only: the mean absolute start and end error against the truth with no anchors and with
anchors (anchors must not make the other words worse), and for the anchored words how far
they landed from their anchors (0 by construction: the check that they are kept), and how
many words were placed outside their neighbouring anchors (0).

    .venv/bin/python bench/anchors.py [--timit DIR] [--model tiny.en] [--every 4]
        [--variants clean,long60,pauses] [--limit N]

`long60`: utterances joined into a minute (anchors in the windows either side bound each
window's words); `pauses`: joined by 2 s of silence (each window in islands of speech).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import timit  # noqa: E402
from real_speech import as_audio  # noqa: E402

from whisperscope.engine.models import load_model  # noqa: E402
from whisperscope.engine.run import run_to_completion  # noqa: E402
from whisperscope.engine.timing.anchors import AnchorWord  # noqa: E402
from whisperscope.session.model import AnalysisSettings  # noqa: E402


def anchored_words(u: timit.Utterance, every: int) -> dict[int, timit.RefWord]:
    """The truth words anchored: the 2nd, then every `every`-th."""
    return {i: w for i, w in enumerate(u.words) if i % every == 1}


def align(u: timit.Utterance, model, anchors=()):
    return run_to_completion(as_audio(u), model, AnalysisSettings(language="en"),
                             transcript=u.text, anchors=anchors, keep_attention=False).words


def score(u: timit.Utterance, words, anchored: dict[int, timit.RefWord]) -> dict:
    """Errors of the unanchored truth words matched by text; the anchored ones' distance
    from their anchor; words outside their neighbouring anchors."""
    pairs = timit.match_words(list(u.words), list(words))
    index = {id(w): i for i, w in enumerate(u.words)}
    free_start, free_end, kept = [], [], []
    for truth, found in pairs:
        i = index[id(truth)]
        if i in anchored:
            kept.append(max(abs(found.start - truth.start), abs(found.end - truth.end)))
        else:
            free_start.append(abs(found.start - truth.start))
            free_end.append(abs(found.end - truth.end))
    found_of = {index[id(t)]: f for t, f in pairs}
    outside = 0
    keys = sorted(anchored)
    for i, f in found_of.items():
        if i in anchored:
            continue
        before = [anchored[k].end for k in keys if k < i]
        after = [anchored[k].start for k in keys if k > i]
        if (before and f.start < before[-1] - 1e-9) or (after and f.end > after[0] + 1e-9):
            outside += 1
    return {"start": free_start, "end": free_end, "kept": kept, "outside": outside}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timit", type=Path, default=timit.DEFAULT_TIMIT)
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--variants", default="clean")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    corpus = timit.read_corpus(args.timit)
    sets = {"clean": corpus}
    if "long60" in args.variants:
        sets["long60"] = timit.joined_runs(corpus)
    if "pauses" in args.variants:  # islands: 20 s of speech with 2 s pauses in each window
        sets["pauses"] = timit.joined_runs(corpus, 20.0, pause=2.0)
    model = load_model(args.model, "cpu")
    print(f"anchors every {args.every}th word, {args.model}, {args.timit}")
    print("| set | files | unanchored words | start err, no anchors | with anchors | "
          "end err, no anchors | with anchors | anchored words off their anchor | "
          "words outside their anchors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.variants.split(","):
        utterances = sets[name][: args.limit or None]
        plain = {"start": [], "end": []}
        held = {"start": [], "end": [], "kept": [], "outside": 0}
        began = time.monotonic()
        for u in utterances:
            anchored = anchored_words(u, args.every)
            anchors = tuple(AnchorWord(w.text, w.start, w.end) for w in anchored.values())
            without = score(u, align(u, model), anchored)
            with_ = score(u, align(u, model, anchors), anchored)
            for key in ("start", "end"):
                plain[key] += without[key]
                held[key] += with_[key]
            held["kept"] += with_["kept"]
            held["outside"] += with_["outside"]

        def ms(values):
            return f"{1000 * float(np.mean(values)):.1f} ms" if values else "-"

        print(f"| {name} | {len(utterances)} | {len(held['start'])} | {ms(plain['start'])} | "
              f"{ms(held['start'])} | {ms(plain['end'])} | {ms(held['end'])} | "
              f"max {1000 * max(held['kept'], default=0):.3f} ms | {held['outside']} |",
              flush=True)
        print(f"<!-- {name}: {time.monotonic() - began:.0f} s -->", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

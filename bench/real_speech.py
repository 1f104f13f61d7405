"""Word timestamps on real read speech: WhisperScope against openai-whisper's
`word_timestamps=True`, same loaded model, same audio, one run.

The speech is a TIMIT-format folder (hand-labelled word boundaries; default
../shared/data/timit-dev, 64 utterances) and variants derived from it the same way for every
system: two utterances of one speaker joined by 7 s and by 13 s of digital silence, pink
noise at 25 dB SNR, and consecutive utterances joined by 0.4 s pauses into recordings of at
least 60 s (long60: speech running across 30 s windows). Words are matched to the truth by
text; see bench/timit.py.

The pause stress set (`stressG`: every pair of one speaker's utterances, 224, joined by G s
of digital silence; `stressGn50`: the gap filled with white noise at -50 dBFS) is large
enough to find a failure that hits 1 file in 16: the record runs stress7 and stress13 whole
and a quarter of the pairs at 1, 3 and 20 s and in noise (`--every 4` on those); a quick
run takes one pair in 8 (`--every 8`). Each table is followed by its worst file and word.

    .venv/bin/python bench/real_speech.py [--timit DIR] [--model tiny.en --model base]
        [--variants clean,pair7,pair13,pink25,long60,stress7,stress13,...] [--every K]
        [--systems whisperscope,whisper,given] [--transcript] [--ablation]
        [--ablation-on VARIANT] [--limit N]

--transcript adds WhisperScope given each utterance's own sentence (forced alignment).
--ablation times the clean set (or `--ablation-on VARIANT`, such as pair13 for what acts
at long pauses) with each refinement switched off in turn.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import timit  # noqa: E402

from whisperscope.audio.loader import LoadedAudio  # noqa: E402
from whisperscope.engine.models import load_model  # noqa: E402
from whisperscope.engine.run import run_to_completion  # noqa: E402
from whisperscope.engine.timing.options import AlignmentOptions
from whisperscope.session.model import AnalysisSettings  # noqa: E402


def as_audio(u: timit.Utterance) -> LoadedAudio:
    return LoadedAudio(path=Path(u.name), samples=u.samples, original=u.samples[:, None],
                       original_rate=timit.SAMPLE_RATE, channels=1, duration=u.duration,
                       sha256="")


def whisperscope_system(options: AlignmentOptions, transcript: bool = False):
    def run(u: timit.Utterance, model):
        given = {"transcript": u.text} if transcript else {}
        analysis = run_to_completion(
            as_audio(u), model, AnalysisSettings(language="en"), alignment=options, **given)
        return analysis.words
    return run


def openai_whisper_system(u: timit.Utterance, model):
    result = model.model.transcribe(torch.from_numpy(u.samples), language="en", fp16=False,
                                    word_timestamps=True)
    return [timit.RefWord(w["word"], w["start"], w["end"])
            for s in result["segments"] for w in s.get("words", [])]


def variants(corpus: list[timit.Utterance], names: list[str], every: int = 1
             ) -> dict[str, list]:
    make = {
        "clean": lambda: corpus,
        "pair7": lambda: timit.joined_pairs(corpus, 7.0),
        "pair13": lambda: timit.joined_pairs(corpus, 13.0),
        "pink25": lambda: [timit.with_pink_noise(u, 25.0, seed=i) for i, u in enumerate(corpus)],
        "long60": lambda: timit.joined_runs(corpus, 60.0),
    }
    out = {}
    for name in names:
        if name.startswith("stress"):  # stressG or stressGn50: see the docstring
            gap, _, noise = name[len("stress"):].partition("n")
            out[name] = timit.every_pair(corpus, float(gap),
                                         -float(noise) if noise else None, every)
        else:
            out[name] = make[name]()
    return out


ABLATION = {
    "all on": {},
    "no alignment pass (the decoding's attention, turn-1 rules)": {"alignment_pass": False},
    "alignment pass on word pieces": {"alignment_units": "pieces"},
    "the model's alignment heads, not the best-scored one": {"choose_heads": False},
    "no pause states": {"pause_states": False},
    "no islands (one pass over a window's long silences)": {"islands": False},
    "islands timed on the first pass (no timestamps at their pauses)": {"island_stamps": False},
    "no opening timestamp (the pass opens with <|notimestamps|>)": {"opening_timestamp": False},
    "whisper's zero padding after a short window's end": {"silence_padding": False},
    "no open end (sound after the text stretches it)": {"open_end": False},
    "word starts on the pass's 20 ms frames (no spectral change)": {"spectral_edges": False},
    "short silences between words left to neither (no stop closures)": {"stop_closures": False},
    "median filter 7 (whisper's)": {"pass_medfilt_width": 7},
    "no silence trimming or pause states": {"refine": False},
    "plain openai-whisper recipe on the decoding": {"refine": False, "alignment_pass": False},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timit", type=Path, default=timit.DEFAULT_TIMIT)
    parser.add_argument("--model", action="append")
    parser.add_argument("--variants", default="clean,pair7,pair13,pink25,long60")
    parser.add_argument("--transcript", action="store_true")
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--ablation-on", default="clean", help="the variant ablated")
    parser.add_argument("--limit", type=int, default=0, help="first N utterances only")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--every", type=int, default=1,
                        help="keep one stress pair in K (the quick run: 8)")
    parser.add_argument("--systems", default="whisperscope,whisper",
                        help="of whisperscope, whisper, given (given: also --transcript), "
                        "before, given-before (the last release: no islands, silence "
                        "padding or opening timestamp)")
    args = parser.parse_args()
    if not args.timit.is_dir():
        print(f"no TIMIT folder at {args.timit}", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    corpus = timit.read_corpus(args.timit)
    if args.limit:
        corpus = corpus[: args.limit]
    sets = variants(corpus, args.variants.split(","), args.every)
    print(f"TIMIT folder {args.timit}: {len(corpus)} utterances, "
          f"{sum(len(u.words) for u in corpus)} words; variants "
          + ", ".join(f"{k} ({len(v)} files)" for k, v in sets.items()))
    for model_name in args.model or ["tiny.en", "base"]:
        model = load_model(model_name, "cpu")
        chosen = set(args.systems.split(",")) | ({"given"} if args.transcript else set())
        systems = {}
        if "whisperscope" in chosen:
            systems["WhisperScope"] = whisperscope_system(AlignmentOptions())
        if "whisper" in chosen:
            systems["openai-whisper"] = openai_whisper_system
        if "given" in chosen:
            systems["WhisperScope, given the transcript"] = whisperscope_system(
                AlignmentOptions(), transcript=True)
        # the last release's timing, for a side-by-side of this round's changes
        before = AlignmentOptions(islands=False, silence_padding=False,
                                  opening_timestamp=False)
        if "before" in chosen:
            systems["WhisperScope, last release's timing"] = \
                whisperscope_system(before)
        if "given-before" in chosen:
            systems["... given the transcript, last release's timing"] = \
                whisperscope_system(before, transcript=True)
        print(f"\nmodel {model_name}\n{timit.TABLE_HEADER}")
        footnotes = []
        for variant, utterances in sets.items():
            for system, run in systems.items():
                score, started = timit.Score(), time.monotonic()
                for k, u in enumerate(utterances, 1):
                    score.add(u, run(u, model))
                    if k % 25 == 0:
                        print(f"<!-- {variant} {system}: {k}/{len(utterances)} -->",
                              file=sys.stderr, flush=True)
                for row in timit.table_rows(variant, system, score):
                    print(row, flush=True)
                footnotes.append(timit.worst_line(variant, system, score))
                footnotes += [f"  {system} placed '{word}' of {name} at {found:.2f} s, truly "
                              f"{true:.2f} s" for name, word, true, found in score.far_words]
                footnotes += [f"  {system} squeezed '{word}' of {name} to {found * 1000:.0f} ms "
                              f"(truly {true * 1000:.0f} ms)"
                              + (", beside the inserted silence" if beside else "")
                              for name, word, true, found, beside in score.squeezed_words]
                print(f"<!-- {variant} {system}: {time.monotonic() - started:.0f} s -->",
                      file=sys.stderr)
        print("\n" + "\n".join(f"- {line}" for line in footnotes), flush=True)
        if args.ablation:
            ablated = args.ablation_on
            print(f"\nablation, model {model_name}, {ablated}\n{timit.TABLE_HEADER}")
            for label, change in ABLATION.items():
                run = whisperscope_system(dataclasses.replace(AlignmentOptions(), **change))
                score = timit.Score()
                for u in sets.get(ablated) or variants(corpus, [ablated], args.every)[ablated]:
                    score.add(u, run(u, model))
                for row in timit.table_rows(ablated, label, score):
                    print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A corpus in one run against one `align` per file: wall time, equal outputs, a re-run.

    .venv/bin/python bench/corpus.py [--model tiny.en] [--files 24] [--jobs N]

Takes the first FILES utterances of ../shared/data/timit-dev (read in place, listed in a
temporary @LIST), then, in one run:
1. `whisperscope align FILE -o OUT` once per file (a process, a model load each);
2. `whisperscope align @LIST --output-dir OUT` (default layout, or --jobs N);
3. the same batch with --jobs 1 (this process, the single-file runs' torch threads);
4. the batch again over its finished output folder (nothing to do).
It checks that every batch output has the single-file output's words and millisecond times,
and says whether the files are equal byte for byte (the wall-clock "elapsed" aside).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMIT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "timit-dev"


# greedy, as the results in bench/RESULTS.md were measured (align's own default is whisper's
# command line's beam search)
GREEDY = ("--beam_size", "None", "--best_of", "None")


def whisperscope(*args) -> float:
    """Run the CLI; return its wall seconds (it must succeed)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "whisperscope", *map(str, args)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, args))}\n{result.stderr}")
    return time.perf_counter() - start


def timed_words(path: Path) -> list[tuple[str, float, float]]:
    segments = json.loads(path.read_text())["segments"]
    return [(w["word"], w["start"], w["end"]) for s in segments for w in s["words"]]


def without_elapsed(path: Path) -> bytes:
    return re.sub(rb'\n "elapsed": [^,\n]+,', b"", path.read_bytes())


def compare(files: list[Path], separate: dict[Path, Path], out_dir: Path) -> tuple[int, int]:
    """(files with the same words and times, files equal byte for byte but elapsed)."""
    same_words = same_bytes = 0
    for audio in files:
        batch = out_dir / audio.relative_to(TIMIT.resolve()).with_suffix(".json")
        same_words += timed_words(batch) == timed_words(separate[audio])
        same_bytes += without_elapsed(batch) == without_elapsed(separate[audio])
    return same_words, same_bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--files", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=0, help="batch workers (0: default)")
    args = parser.parse_args()
    if not TIMIT.is_dir():
        print(f"skipped: {TIMIT} is not here", file=sys.stderr)
        return 0
    files = sorted(TIMIT.resolve().glob("*/*.wav"))[:args.files]
    import soundfile

    audio_seconds = sum(soundfile.info(str(f)).duration for f in files)
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as tmp:
        tmp = Path(tmp)
        listing = tmp / "list.txt"
        listing.write_text("".join(f"{f}\n" for f in files))
        separate = {f: tmp / "separate" / f"{f.parent.name}-{f.stem}.json" for f in files}
        (tmp / "separate").mkdir()

        t_separate = sum(whisperscope("align", f, "--model", args.model, "-o", out,
                                      "-q", *GREEDY) for f, out in separate.items())
        jobs = ("--jobs", str(args.jobs)) if args.jobs else ()
        t_batch = whisperscope("align", f"@{listing}", "--output_dir", tmp / "batch",
                               "--model", args.model, "-q", *jobs, *GREEDY)
        t_batch1 = whisperscope("align", f"@{listing}", "--output_dir", tmp / "batch1",
                                "--model", args.model, "-q", "--jobs", "1", *GREEDY)
        t_rerun = whisperscope("align", f"@{listing}", "--output_dir", tmp / "batch",
                               "--model", args.model, "-q", *GREEDY)
        words, same = compare(files, separate, tmp / "batch")
        words1, same1 = compare(files, separate, tmp / "batch1")

    n = len(files)
    ratio, ratio1 = t_batch / t_separate, t_batch1 / t_separate
    print(f"{n} files, {audio_seconds:.0f} s of audio, model {args.model}\n")
    print("| run | wall | vs separate | same words and ms times | equal bytes |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| {n} separate `align FILE -o OUT` | {t_separate:.1f} s | 1.00 | | |")
    print(f"| batch, {'--jobs ' + str(args.jobs) if args.jobs else 'default layout'} "
          f"| {t_batch:.1f} s | {ratio:.2f} | {words}/{n} | {same}/{n} |")
    print(f"| batch, --jobs 1 | {t_batch1:.1f} s | {ratio1:.2f} | {words1}/{n} | {same1}/{n} |")
    print(f"| re-run over the finished batch | {t_rerun:.1f} s | | | |")
    ok = ratio <= 0.6 and words == n and words1 == n and same1 == n
    print(f"\ntarget batch <= 0.6 x separate, outputs equal: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

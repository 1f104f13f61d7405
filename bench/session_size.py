"""What a real hour puts in a session: the figures `session/bounded_zip.ReadLimits` is set from.

    .venv/bin/python bench/session_size.py [--model tiny.en] [--minutes 10 60] [--threads 1]

The speech is the `../shared/data/timit-dev` utterances joined with 0.2 s pauses, repeated to
the length asked for, in a temporary folder (never into the repo). Each length is analysed
and saved with `save_session`; the table gives the manifest's size, what parsing it allocates
(tracemalloc) against `json_cost`'s bound, the arrays, and the peak RSS of loading the session
in a fresh interpreter (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "timit-dev"
PAUSE_S = 0.2

LOAD_CHILD = """
import sys
from whisperscope.session.store import load_session
load_session(sys.argv[1], check_audio=False)
print(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
"""


def speech(minutes: float) -> np.ndarray:
    wavs = sorted(DATA.glob("*/*.wav"))
    pause = np.zeros(int(PAUSE_S * 16000), np.float32)
    parts, total, want = [], 0, int(minutes * 60 * 16000)
    while total < want:
        for wav in wavs:
            samples, _ = sf.read(wav, dtype="float32")
            parts += [samples, pause]
            total += len(samples) + len(pause)
            if total >= want:
                break
    return np.concatenate(parts)[:want]


def measure(minutes: float, model, folder: Path) -> dict:
    from whisperscope.audio.loader import load_audio
    from whisperscope.engine.run import run_to_completion
    from whisperscope.session.bounded_zip import json_cost
    from whisperscope.session.store import MANIFEST, save_session

    audio = folder / f"speech{minutes:g}.flac"
    sf.write(audio, speech(minutes), 16000)
    started = time.monotonic()
    analysis = run_to_completion(load_audio(audio), model)
    wall = time.monotonic() - started
    path = save_session(analysis, folder / f"speech{minutes:g}.wscope")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(MANIFEST)
        text = archive.read(info)
        arrays = sum(i.file_size for i in archive.infolist() if i.filename != MANIFEST)
    tracemalloc.start()
    parsed = json.loads(text)
    allocated = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del parsed
    peak = subprocess.run([sys.executable, "-c", LOAD_CHILD, str(path)], capture_output=True,
                          text=True, check=True).stdout.split()[-1]
    return {"minutes": minutes, "wall s": round(wall), "tokens": len(analysis.tokens),
            "words": len(analysis.words), "windows": len(analysis.windows),
            "manifest MB": info.file_size / 1e6, "deflated MB": info.compress_size / 1e6,
            "parsed MB": allocated / 1e6, "json_cost MB": json_cost(text) / 1e6,
            "arrays MB": arrays / 1e6, "load peak MB": int(peak) * 1024 / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--minutes", type=float, nargs="+", default=[10.0, 60.0])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch

    from whisperscope.engine.models import load_model

    torch.set_num_threads(args.threads)
    model = load_model(args.model, "cpu")
    with tempfile.TemporaryDirectory(prefix="session-size-") as folder:
        for minutes in args.minutes:
            row = measure(minutes, model, Path(folder))
            print(" | ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                             for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()

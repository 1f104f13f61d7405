"""Peak memory on long speech: `whisperscope align`, the window, and plain whisper.transcribe.

    .venv/bin/python bench/memory.py [--model base] [--minutes 10 60] [--phases]

The speech is the `../shared/data/timit-dev` utterances read in place and joined with 0.3 s
pauses, repeated to the length asked for, written to a temporary WAV (never into the repo).
Each measure runs in a fresh process; its peak RSS is the kernel's (wait4's ru_maxrss). The
window runs the app's own setup (the engine in its own process): its row is the window's
process, then the engine's process, then both. `--phases` also prints, for `align`, the RSS
after each stage and the size of what the analysis keeps.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "timit-dev"
PAUSE_S = 0.3
TARGETS_MB = {("align", 60): 1200, ("window", 60): 1600, ("align", 10): 800,
              ("window", 10): 800}

WHISPER_CHILD = """
import sys, whisper
from whisperscope.engine.models import load_model
model = load_model(sys.argv[2], "cpu").model
whisper.transcribe(model, sys.argv[1], temperature=0.0, fp16=False)
"""

WINDOW_CHILD = """
import resource, sys
from PySide6.QtCore import QSettings, QTimer
from whisperscope.engine.events import Failed, Finished
from whisperscope.ui.app import create_app
from whisperscope.ui.engine_service import ProcessEngine
from whisperscope.ui.main_window import MainWindow
from whisperscope.ui.settings_store import SettingsStore

if __name__ == "__main__":
    app = create_app()
    store = SettingsStore(QSettings(sys.argv[3], QSettings.Format.IniFormat))
    window = MainWindow(store, engine=ProcessEngine())
    window.show()
    window.analysis_bar.set_model(sys.argv[2])
    window.analysis_bar.set_device("cpu")
    def on_event(event):
        if isinstance(event, Failed):
            print("failed:", event.message, file=sys.stderr)
            app.exit(1)
        elif isinstance(event, Finished):
            QTimer.singleShot(500, app.quit)  # the views have taken it
    window.controller.event.connect(on_event)
    QTimer.singleShot(0, lambda: window.open_file(sys.argv[1]))
    code = app.exec()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    window.shutdown()  # joins the engine's process
    engine = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(own, engine)
    sys.exit(code)
"""

PHASES_CHILD = """
import resource, sys, numpy as np
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
from whisperscope.audio.loader import load_audio
audio = load_audio(sys.argv[1])
shared = np.shares_memory(audio.samples, audio.original)
print(f"audio loaded: rss {rss()} MB, peak {peak()} MB; samples "
      f"{audio.samples.nbytes >> 20} MB, original {audio.original.nbytes >> 20} MB, "
      f"shared {shared}")
import torch
print(f"torch imported: rss {rss()} MB")
from whisperscope.engine.models import load_model
model = load_model(sys.argv[2], "cpu")
weights = sum(p.numel() * p.element_size() for p in model.model.parameters()) >> 20
print(f"model loaded: rss {rss()} MB, peak {peak()} MB; weights {weights} MB")
from whisperscope.engine.run import run_to_completion
analysis = run_to_completion(audio, model)
kept = sum(w.heads.nbytes for w in analysis.windows) >> 20
print(f"analysed: rss {rss()} MB, peak {peak()} MB; attention kept {kept} MB in "
      f"{len(analysis.windows)} windows, {len(analysis.tokens)} tokens")
"""


def speech(seconds: float, folder: Path) -> Path:
    """`seconds` of timit-dev speech joined with short pauses, as a 16 kHz WAV in `folder`."""
    import soundfile as sf

    files = sorted(DATA.glob("*/*.wav"))
    if not files:
        raise SystemExit(f"no speech in {DATA}: see its README")
    pause = np.zeros(int(PAUSE_S * 16000), np.int16)
    path = folder / f"speech-{seconds / 60:g}min.wav"
    written = 0
    with sf.SoundFile(path, "w", 16000, 1, "PCM_16") as out:
        while written < seconds * 16000:
            for f in files:
                data, rate = sf.read(f, dtype="int16")
                assert rate == 16000
                out.write(data)
                out.write(pause)
                written += len(data) + len(pause)
                if written >= seconds * 16000:
                    break
    return path


def peak_mb(command: list[str]) -> tuple[int, str]:
    """Peak RSS of the process running `command` (MB), and what it printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if process.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({process.returncode}):\n{text[-2000:]}")
    return usage.ru_maxrss // 1024, text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--minutes", type=float, nargs="+", default=[10.0, 60.0])
    parser.add_argument("--phases", action="store_true")
    parser.add_argument("--skip", nargs="*", default=[], choices=("align", "window", "whisper"))
    args = parser.parse_args()
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for minutes in args.minutes:
            path = speech(minutes * 60, folder)
            if args.phases:
                _, text = peak_mb([py, "-c", PHASES_CHILD, str(path), args.model])
                print(f"{minutes:g} min, {args.model}, align's stages:\n{text}")
            if "align" not in args.skip:
                # greedy, as whisper.transcribe and the window decode (align's own default
                # is whisper's command line's: 5 beams, 5 key/value caches)
                mb, _ = peak_mb([py, "-m", "whisperscope", "align", str(path), "--model",
                                 args.model, "--device", "cpu", "-q", "-o",
                                 str(folder / "out.json"), "--beam_size", "None",
                                 "--best_of", "None"])
                rows.append((minutes, "whisperscope align", mb, TARGETS_MB.get(("align",
                                                                                 minutes))))
            if "window" not in args.skip:
                _, text = peak_mb([py, "-c", WINDOW_CHILD, str(path), args.model,
                                   str(folder / "settings.ini")])
                own, engine = (int(v) // 1024 for v in text.strip().splitlines()[-1].split())
                # the target is the window's whole cost: its process and the engine's
                rows.append((minutes, "window: its process", own, None))
                rows.append((minutes, "window: the engine's process", engine, None))
                rows.append((minutes, "window: both", own + engine,
                             TARGETS_MB.get(("window", minutes))))
            if "whisper" not in args.skip:
                mb, _ = peak_mb([py, "-c", WHISPER_CHILD, str(path), args.model])
                rows.append((minutes, "whisper.transcribe", mb, None))
            path.unlink()
    print(f"peak RSS, model {args.model} on cpu, load average {os.getloadavg()[0]:.1f}")
    print()
    print("| audio | run | peak RSS | target |")
    print("| ---: | --- | ---: | ---: |")
    for minutes, name, mb, target in rows:
        print(f"| {minutes:g} min | {name} | {mb} MB | {f'<= {target} MB' if target else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

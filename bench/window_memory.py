"""What the window's own process keeps per hour of analysed speech, on synthetic windows.

    .venv/bin/python bench/window_memory.py [--minutes 30 60] [--heads 6] [--rows 120]

No model and no audio: each run is a fresh process that builds the finished windows'
attention (`--heads` alignment heads x `--rows` rows x 1500 frames float16 per 30 s window,
what an hour of dense speech gives with base), feeds them to a real MainWindow as WindowDone
events, draws the heatmap zoomed out to everything (every block rendered once), then zoomed
in to 30 s, and reports RSS at each step. "window over data" is what the window adds on top
of the attention it was given; per hour it should stay small (`bench/memory.py` measures
the whole app on real speech).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, os, sys, tempfile
import numpy as np, psutil
minutes, n_heads, rows = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rss = lambda: psutil.Process().memory_info().rss / 1e6
from PySide6.QtCore import QSettings
from whisperscope.engine.events import WindowDone
from whisperscope.session.model import TokenTiming, WindowAttention
from whisperscope.ui.app import create_app
from whisperscope.ui.main_window import MainWindow
from whisperscope.ui.settings_store import SettingsStore
app = create_app()
tmp = tempfile.mkdtemp()
window = MainWindow(SettingsStore(QSettings(f"{tmp}/s.ini", QSettings.Format.IniFormat)))
window.resize(1440, 880)
window.show()
app.processEvents()
out = {"window shown": rss()}
duration, n_windows = minutes * 60, max(1, int(minutes * 2))
rng = np.random.default_rng(0)
kept, index, text = [], 0, rows * 5 // 6  # a sixth of the rows are timestamp tokens
for w in range(n_windows):
    start = w * 30.0
    heads = (rng.random((n_heads, rows, 1500), dtype=np.float32) * 0.01).astype(np.float16)
    text_rows = np.sort(rng.choice(rows, text, replace=False))
    tokens = tuple(TokenTiming(index + i, 1000, f" w{index + i}", start + 30 * i / text,
                               start + 30 * (i + 0.8) / text, 0.9, w, int(r), w)
                   for i, r in enumerate(text_rows))
    index += text
    attention = WindowAttention(w, start, 1500, np.arange(rows), (" w",) * rows, heads,
                                tuple((2, h) for h in range(n_heads)), text_rows)
    kept.append((attention, tokens))
out["attention built (the data)"] = rss()
window.timeline.set_duration(duration)
for attention, tokens in kept:
    window.document.apply_event(WindowDone(attention.index, attention, (), (), tokens))
window.plots.heatmap.redraw()
app.processEvents()
out["fed to the window"] = rss()
window.timeline.set_view_range(0.0, duration)
app.processEvents()
out["zoomed out to all"] = rss()
window.timeline.set_view_range(duration / 2, duration / 2 + 30)
app.processEvents()
out["zoomed in to 30 s"] = rss()
out["data MB"] = sum(a.heads.nbytes for a, _ in kept) / 1e6
print(json.dumps(out))
window.close()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[30.0, 60.0])
    parser.add_argument("--heads", type=int, default=6)
    parser.add_argument("--rows", type=int, default=120)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    results = {}
    for minutes in args.minutes:
        out = subprocess.run([sys.executable, "-c", CHILD, str(minutes), str(args.heads),
                              str(args.rows)], capture_output=True, text=True, env=env,
                             check=True, timeout=1800)
        results[minutes] = json.loads(out.stdout.strip().splitlines()[-1])
    steps = [k for k in next(iter(results.values())) if k != "data MB"]
    print(f"window process RSS (MB), {args.heads} heads x {args.rows} rows a window")
    print()
    print(f"| {'step':<28} | " + " | ".join(f"{m:g} min".rjust(8) for m in results) + " |")
    print(f"| {'-' * 28} | " + " | ".join("-" * 8 for _ in results) + " |")
    for step in [*steps, "data MB"]:
        print(f"| {step:<28} | " + " | ".join(f"{r[step]:8.0f}" for r in results.values())
              + " |")
    over = {m: r["zoomed in to 30 s"] - r["attention built (the data)"]
            for m, r in results.items()}
    print(f"| {'window over data':<28} | " + " | ".join(f"{v:8.0f}" for v in over.values())
          + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

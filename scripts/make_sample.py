"""Build the bundled sample: resources/sample.flac, sample.json and SAMPLE.md.

Three short sentences spoken by espeak-ng, with a 7 s pause after the first one: long
enough to show whether token timestamps stay right across a silence.

    .venv/bin/python scripts/make_sample.py [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whisperscope.synth import espeak_available, synthesize_phrases  # noqa: E402

PHRASES = [
    "The children are playing in the garden.",
    "Please open the window before it gets dark.",
    "We will meet again tomorrow morning.",
]
PAUSES = [7.0, 1.0, 0.5]  # silence after each phrase (the last is the tail)
LEAD_IN = 0.5
WORD_GAP = 0.12
VOICE = "en-us"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "resources")
    args = parser.parse_args(argv)
    if not espeak_available():
        print("espeak-ng is needed (Debian/Ubuntu: sudo apt install espeak-ng)", file=sys.stderr)
        return 1
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)

    speech = synthesize_phrases(PHRASES, PAUSES, word_gap=WORD_GAP, lead_in=LEAD_IN, voice=VOICE)
    flac = speech.write(out / "sample.flac")
    truth = {
        "audio": flac.name,
        "text": " ".join(PHRASES),
        "phrases": PHRASES,
        "pauses": PAUSES,
        "voice": VOICE,
        "word_gap": WORD_GAP,
        "lead_in": LEAD_IN,
        **speech.truth(),
    }
    (out / "sample.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    (out / "SAMPLE.md").write_text(_sample_md(speech.duration), encoding="utf-8")
    print(
        f"{flac}: {speech.duration:.2f} s, {flac.stat().st_size / 1024:.0f} KiB, "
        f"{len(speech.words)} words"
    )
    return 0


def _espeak_version() -> str:
    try:
        done = subprocess.run(
            ["espeak-ng", "--version"], capture_output=True, text=True, check=False, timeout=30
        )
        words = done.stdout.split()
        version = next((w for w in words if w[:1].isdigit()), "")
        return f"espeak-ng {version}".strip()
    except OSError:
        return "espeak-ng"


def _sample_md(duration: float) -> str:
    lines = "\n".join(
        f'{i + 1}. "{p}" then {s:g} s of silence'
        for i, (p, s) in enumerate(zip(PHRASES, PAUSES, strict=True))
    )
    return f"""# sample.flac

The recording the app opens when no file is given ("Open sample"). Synthetic speech, so
the true time of every word is known; `sample.json` lists them (seconds, first and last
audible sample of each word).

- Made by `scripts/make_sample.py` with `whisperscope.synth.synthesize_phrases`.
- Voice: espeak-ng `-v {VOICE}`, default rate, {_espeak_version()}.
- Each word is synthesised on its own, trimmed to its audible samples (-50 dB of its
  peak), resampled to 16 kHz with soxr (HQ) and joined with {WORD_GAP:g} s of silence
  between words. {LEAD_IN:g} s of silence first.
- Mono, 16 kHz, 16-bit FLAC, {duration:.2f} s.

Text and pauses:

{lines}

The 7 s pause after the first sentence is the point: Whisper's own word timestamps tend
to stretch the last word before a long silence; the truth file shows where it really ends.
Whisper tiny.en transcribes the sample word for word.

To rebuild: `.venv/bin/python scripts/make_sample.py` (needs espeak-ng). Other espeak-ng
versions give slightly different audio and times; regenerate the JSON with the FLAC.
"""


if __name__ == "__main__":
    raise SystemExit(main())

"""A recording longer than one 30 s window, of real read speech with hand-labelled words:
TIMIT utterances from ../shared/data/timit-dev joined by short pauses, and their word
boundaries as a Praat TextGrid in global seconds. Written to a folder the caller gives (the
corpus is read in place, never copied into the repository)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

TIMIT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "timit-dev"
RATE = 16000
PAUSE = 0.4  # seconds of silence between utterances


def timit_available() -> bool:
    return any(TIMIT.glob("*/*.wrd"))


def write_long_speech(folder: Path, seconds: float = 40.0) -> tuple[Path, Path]:
    """(audio.wav, reference.TextGrid) of at least `seconds` of joined utterances."""
    import soundfile as sf
    import textgrid as tg

    pieces, words, t = [], [], 0.0
    for wrd in sorted(TIMIT.glob("*/*.wrd")):
        samples, rate = sf.read(wrd.with_suffix(".wav"), dtype="float32")
        assert rate == RATE
        for line in wrd.read_text().splitlines():
            start, end, text = line.split(maxsplit=2)
            words.append((t + int(start) / RATE, t + int(end) / RATE, text))
        pieces += [samples, np.zeros(int(PAUSE * RATE), np.float32)]
        t += len(samples) / RATE + PAUSE
        if t >= seconds:
            break
    audio = np.concatenate(pieces)
    folder.mkdir(parents=True, exist_ok=True)
    wav, ref = folder / "timit-joined.wav", folder / "timit-joined.TextGrid"
    sf.write(wav, audio, RATE)
    duration = len(audio) / RATE
    grid = tg.TextGrid(minTime=0, maxTime=duration)
    tier = tg.IntervalTier("words", 0, duration)
    for start, end, text in words:
        tier.add(round(start, 4), round(end, 4), text)
    grid.append(tier)
    grid.write(str(ref))
    return wav, ref

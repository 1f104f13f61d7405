"""Speech with known word timing, for tests, benchmarks and the bundled sample.

Each word is spoken separately by espeak-ng (a subprocess, no shell), trimmed to its audible
samples, resampled to 16 kHz with soxr and laid end to end with set silences between them.
So every word's true start and end (its first and last audible sample) and every pause are
known exactly. Gaps of ~0.1 s between words sound like slow, careful speech; Whisper
transcribes it well.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from whisperscope.units import SAMPLE_RATE

TRIM_DB = -50.0  # relative to a word's peak: quieter samples at its edges are silence
_PUNCTUATION = ".,;:!?\"'()[]"


@dataclass(frozen=True)
class TruthWord:
    text: str  # the word without surrounding punctuation
    start: float  # seconds: first audible sample
    end: float  # seconds: just after the last audible sample
    phrase: int  # index of the phrase it belongs to


@dataclass
class SynthSpeech:
    samples: np.ndarray  # (n,) float32, mono
    sample_rate: int = SAMPLE_RATE
    words: list[TruthWord] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def phrase_onsets(self) -> list[float]:
        """Start of each phrase's first word."""
        onsets: dict[int, float] = {}
        for w in self.words:
            onsets.setdefault(w.phrase, w.start)
        return [onsets[k] for k in sorted(onsets)]

    @property
    def phrase_offsets(self) -> list[float]:
        """End of each phrase's last word."""
        offsets: dict[int, float] = {}
        for w in self.words:
            offsets[w.phrase] = w.end
        return [offsets[k] for k in sorted(offsets)]

    def write(self, path: str | Path) -> Path:
        """Write as 16-bit PCM; the format follows the suffix (.wav, .flac, .ogg ...)."""
        path = Path(path)
        sf.write(
            str(path),
            self.samples,
            self.sample_rate,
            subtype="PCM_16" if path.suffix.lower() in (".wav", ".flac") else None,
        )
        return path

    def truth(self) -> dict:
        """The word times as plain data (for JSON)."""
        return {
            "sample_rate": self.sample_rate,
            "duration": round(self.duration, 6),
            "words": [
                {
                    "text": w.text,
                    "start": round(w.start, 6),
                    "end": round(w.end, 6),
                    "phrase": w.phrase,
                }
                for w in self.words
            ],
            "phrase_onsets": [round(t, 6) for t in self.phrase_onsets],
            "phrase_offsets": [round(t, 6) for t in self.phrase_offsets],
        }


@functools.cache
def espeak_available() -> bool:
    """True when espeak-ng is installed and speaks (its voice data is present)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return False
    try:
        done = subprocess.run(
            [exe, "-v", "en-us", "-q", "test"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def synthesize_words(
    words: list[str],
    gap: float = 0.12,
    voice: str = "en-us",
    *,
    speed: int | None = None,
    lead_in: float = 0.0,
    tail: float = 0.0,
) -> SynthSpeech:
    """Speak `words` one by one with `gap` seconds of silence between them.

    speed: espeak-ng words per minute (its default is 175).
    """
    return synthesize_phrases(
        [" ".join(words)], [tail], word_gap=gap, lead_in=lead_in, voice=voice, speed=speed
    )


def synthesize_phrases(
    phrases: list[str],
    pauses: list[float],
    word_gap: float = 0.12,
    lead_in: float = 0.5,
    voice: str = "en-us",
    *,
    speed: int | None = None,
) -> SynthSpeech:
    """Speak each phrase word by word; `pauses[i]` seconds of silence follow phrase i.

    `pauses` has one entry per phrase (the last is the silence at the end) or one fewer (then
    the recording ends with `lead_in` seconds of silence).
    """
    if len(pauses) == len(phrases) - 1:
        pauses = [*pauses, lead_in]
    if len(pauses) != len(phrases):
        raise ValueError(f"{len(phrases)} phrases need {len(phrases)} pauses, got {len(pauses)}")
    if min([word_gap, lead_in, *pauses], default=0.0) < 0:
        raise ValueError("gaps and pauses can't be negative")

    pieces: list[np.ndarray] = [_silence(lead_in)]
    cursor = len(pieces[0])
    truth: list[TruthWord] = []
    for p, (phrase, pause) in enumerate(zip(phrases, pauses, strict=True)):
        tokens = phrase.split()
        for i, token in enumerate(tokens):
            audio = _speak_word(token, voice, speed)
            truth.append(
                TruthWord(
                    text=token.strip(_PUNCTUATION) or token,
                    start=cursor / SAMPLE_RATE,
                    end=(cursor + len(audio)) / SAMPLE_RATE,
                    phrase=p,
                )
            )
            pieces.append(audio)
            cursor += len(audio)
            after = _silence(word_gap if i < len(tokens) - 1 else pause)
            pieces.append(after)
            cursor += len(after)
    samples = np.concatenate(pieces).astype(np.float32, copy=False)
    return SynthSpeech(samples=samples, sample_rate=SAMPLE_RATE, words=truth)


def synthesize_sentences(
    phrases: list[str],
    pauses: list[float],
    lead_in: float = 0.5,
    voice: str = "en-us",
    *,
    speed: int | None = None,
) -> SynthSpeech:
    """Speak each phrase whole (continuous speech, no gaps between its words); `pauses[i]`
    seconds of silence follow phrase i. The truth is per phrase: each `TruthWord` is a
    whole phrase with its audible start and end."""
    if len(pauses) == len(phrases) - 1:
        pauses = [*pauses, lead_in]
    if len(pauses) != len(phrases):
        raise ValueError(f"{len(phrases)} phrases need {len(phrases)} pauses, got {len(pauses)}")
    pieces: list[np.ndarray] = [_silence(lead_in)]
    cursor = len(pieces[0])
    truth: list[TruthWord] = []
    for p, (phrase, pause) in enumerate(zip(phrases, pauses, strict=True)):
        audio = _speak_word(phrase, voice, speed)
        truth.append(TruthWord(text=phrase, start=cursor / SAMPLE_RATE,
                               end=(cursor + len(audio)) / SAMPLE_RATE, phrase=p))
        after = _silence(pause)
        pieces += [audio, after]
        cursor += len(audio) + len(after)
    samples = np.concatenate(pieces).astype(np.float32, copy=False)
    return SynthSpeech(samples=samples, sample_rate=SAMPLE_RATE, words=truth)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * SAMPLE_RATE)), dtype=np.float32)


@functools.lru_cache(maxsize=512)
def _speak_word(word: str, voice: str, speed: int | None) -> np.ndarray:
    """One word at 16 kHz, trimmed to its audible samples (read-only, cached)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (Debian/Ubuntu: sudo apt install espeak-ng)")
    with tempfile.TemporaryDirectory(prefix="whisperscope-synth-") as tmp:
        wav = Path(tmp) / "word.wav"
        cmd = [exe, "-v", voice, "-w", str(wav)]
        if speed is not None:
            cmd += ["-s", str(int(speed))]
        cmd += ["--", word]
        done = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
        if done.returncode != 0 or not wav.exists():
            msg = done.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(f"espeak-ng failed on {word!r}: {msg or done.returncode}")
        x, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if rate != SAMPLE_RATE:
        x = soxr.resample(x, rate, SAMPLE_RATE, quality="HQ").astype(np.float32, copy=False)
    x = trim_silence(x)
    if x.size == 0:
        raise RuntimeError(f"espeak-ng produced no sound for {word!r}")
    x.setflags(write=False)
    return x


def trim_silence(x: np.ndarray, threshold_db: float = TRIM_DB) -> np.ndarray:
    """`x` from its first to its last sample louder than `threshold_db` below its peak."""
    a = np.abs(x)
    if a.size == 0 or a.max() == 0:
        return x[:0].copy()
    loud = np.flatnonzero(a > a.max() * 10.0 ** (threshold_db / 20.0))
    return x[loud[0] : loud[-1] + 1].copy()


def noise(n: int, color: str, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise, float64: "white", or "pink" (1/f power: white shaped in frequency)."""
    white = rng.standard_normal(n)
    if color == "pink":
        spectrum = np.fft.rfft(white)
        f = np.arange(spectrum.size, dtype=np.float64)
        f[0] = 1.0
        white = np.fft.irfft(spectrum / np.sqrt(f), n)
    elif color != "white":
        raise ValueError(f"unknown noise colour {color!r}")
    return white / np.sqrt(np.mean(white**2))


def add_noise(speech: np.ndarray, snr_db: float, color: str = "white", seed: int = 0,
              active: np.ndarray | None = None) -> np.ndarray:
    """`speech` (float32) plus steady noise `snr_db` below the speech's power, measured over
    the `active` samples (default: those above -60 dBFS, so pauses do not count)."""
    x = np.asarray(speech, dtype=np.float64)
    if active is None:
        active = np.abs(x) > 1e-3
    power = np.mean(x[active] ** 2) if active.any() else 0.0
    scale = np.sqrt(power * 10 ** (-snr_db / 10))
    return (x + scale * noise(x.size, color, np.random.default_rng(seed))).astype(np.float32)

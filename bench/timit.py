"""Real read speech with hand-labelled word boundaries (TIMIT format), its harder variants,
and the scoring every real-speech bench and test uses.

A TIMIT-format folder holds, per utterance, `ID.wav` (16 kHz mono) with `ID.wrd` (`start
end word` per line, in samples) and `ID.txt` (`0 n_samples The sentence.`), one folder per
speaker. Variants are derived the same way for every method: two utterances of one speaker
joined by digital silence (7 s, 13 s), and pink noise over the speech at a set SNR. Truth is
kept in global seconds.

Scoring follows ../shared/data/README.md: words matched by text (lower-case, punctuation
removed, sequence-aligned), start and end errors reported separately.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 16_000
DEFAULT_TIMIT = Path(__file__).resolve().parents[2] / "shared" / "data" / "timit-dev"


@dataclass(frozen=True)
class RefWord:
    text: str
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Utterance:
    name: str  # speaker/id, or speaker/id+id for a joined pair
    samples: np.ndarray  # float32 16 kHz mono
    words: tuple[RefWord, ...]
    text: str  # the sentence(s) as read, with case and punctuation
    silences: tuple[tuple[float, float], ...] = ()  # inserted silences, seconds

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def read_utterance(wav: Path, root: Path) -> Utterance:
    samples, rate = sf.read(str(wav), dtype="float32")
    if rate != SAMPLE_RATE or samples.ndim != 1:
        raise ValueError(f"{wav}: expected 16 kHz mono")
    words = []
    for line in wav.with_suffix(".wrd").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            words.append(RefWord(parts[2], int(parts[0]) / SAMPLE_RATE,
                                 int(parts[1]) / SAMPLE_RATE))
    text = wav.with_suffix(".txt").read_text().split(maxsplit=2)[2].strip()
    name = str(wav.relative_to(root).with_suffix(""))
    return Utterance(name, samples, tuple(words), text)


def read_corpus(root: Path) -> list[Utterance]:
    """Every utterance under `root` that has its .wav, .wrd and .txt, in sorted order."""
    wavs = sorted(p for p in root.rglob("*.wav")
                  if p.with_suffix(".wrd").exists() and p.with_suffix(".txt").exists())
    return [read_utterance(p, root) for p in wavs]


def join_pair(a: Utterance, b: Utterance, pause: float, noise_dbfs: float | None = None,
              seed: int = 0) -> Utterance:
    """`a`, then `pause` s of digital silence (or of white noise at `noise_dbfs` dBFS), then
    `b`; the truth in global seconds, the inserted silence recorded."""
    n = round(pause * SAMPLE_RATE)
    gap = (np.zeros(n, np.float32) if noise_dbfs is None else
           (np.random.default_rng(seed).standard_normal(n) * 10 ** (noise_dbfs / 20))
           .astype(np.float32))
    offset = a.duration + pause
    words = a.words + tuple(RefWord(w.text, w.start + offset, w.end + offset) for w in b.words)
    fill = "" if noise_dbfs is None else f"~{noise_dbfs:g}dBFS"
    return Utterance(f"{a.name}+{b.name.split('/')[-1]}@{pause:g}s{fill}",
                     np.concatenate([a.samples, gap, b.samples]), words, f"{a.text} {b.text}",
                     ((a.duration, offset),))


def joined_pairs(corpus: list[Utterance], pause: float, per_speaker: int = 2) -> list[Utterance]:
    """Two utterances of one speaker joined by `pause` s of digital silence: the first
    `per_speaker` disjoint pairs of each speaker's utterances in sorted order."""
    by_speaker: dict[str, list[Utterance]] = {}
    for u in corpus:
        by_speaker.setdefault(u.name.split("/")[0], []).append(u)
    pairs = []
    for utterances in by_speaker.values():
        for k in range(min(per_speaker, len(utterances) // 2)):
            a, b = utterances[2 * k], utterances[2 * k + 1]
            gap = np.zeros(round(pause * SAMPLE_RATE), np.float32)
            offset = a.duration + pause
            words = a.words + tuple(RefWord(w.text, w.start + offset, w.end + offset)
                                    for w in b.words)
            pairs.append(Utterance(
                f"{a.name}+{b.name.split('/')[-1]}@{pause:g}s",
                np.concatenate([a.samples, gap, b.samples]), words, f"{a.text} {b.text}",
                ((a.duration, offset),)))
    return pairs


def every_pair(corpus: list[Utterance], pause: float, noise_dbfs: float | None = None,
               every: int = 1) -> list[Utterance]:
    """The pause stress set: every pair of one speaker's utterances (28 per speaker of 8)
    joined by `pause` s of digital silence, or of white noise at `noise_dbfs` dBFS. Of each
    pair {a, b} (sorted), every other one is joined b + a, so that each utterance follows
    the pause about as often as it precedes it: the word after a pause is the hard one.
    `every`: keep one pair in `every` (the quick run's sample)."""
    by_speaker: dict[str, list[Utterance]] = {}
    for u in corpus:
        by_speaker.setdefault(u.name.split("/")[0], []).append(u)
    pairs = []
    for utterances in by_speaker.values():
        for i, a in enumerate(utterances):
            for b in utterances[i + 1:]:
                pairs.append((b, a) if len(pairs) % 2 else (a, b))
    return [join_pair(a, b, pause, noise_dbfs, seed=k)
            for k, (a, b) in enumerate(pairs[::every])]


def joined_runs(corpus: list[Utterance], seconds: float = 60.0, pause: float = 0.4
                ) -> list[Utterance]:
    """Consecutive utterances (sorted order, so mostly one speaker's) joined by `pause` s of
    silence into recordings of at least `seconds`: speech that runs across 30 s windows, so
    where each window's decoding stops and the next one starts is measured too. A short
    tail that would not reach `seconds` is left out."""
    runs, group = [], []
    for u in corpus:
        group.append(u)
        if sum(g.duration + pause for g in group) - pause >= seconds:
            runs.append(_join(group, pause))
            group = []
    return runs


def _join(group: list[Utterance], pause: float) -> Utterance:
    gap = np.zeros(round(pause * SAMPLE_RATE), np.float32)
    pieces, words, offset = [], [], 0.0
    for u in group:
        pieces += [u.samples, gap]
        words += [RefWord(w.text, w.start + offset, w.end + offset) for w in u.words]
        offset += u.duration + pause
    name = f"{group[0].name}..{group[-1].name.split('/')[-1]}@{pause:g}s"
    return Utterance(name, np.concatenate(pieces[:-1]), tuple(words),
                     " ".join(u.text for u in group))


def pink_noise(n: int, seed: int) -> np.ndarray:
    """Pink (1/f power) noise, unit RMS, by shaping white noise's spectrum."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spectrum.size, dtype=np.float64)
    f[0] = 1.0
    noise = np.fft.irfft(spectrum / np.sqrt(f), n)
    return (noise / np.sqrt(np.mean(noise**2))).astype(np.float32)


def with_pink_noise(u: Utterance, snr_db: float, seed: int = 0) -> Utterance:
    """The utterance with pink noise `snr_db` below the RMS of its words' samples."""
    spoken = np.concatenate([u.samples[round(w.start * SAMPLE_RATE): round(w.end * SAMPLE_RATE)]
                             for w in u.words]) if u.words else u.samples
    rms = float(np.sqrt(np.mean(spoken.astype(np.float64) ** 2)))
    noise = pink_noise(len(u.samples), seed) * rms * 10 ** (-snr_db / 20)
    return Utterance(f"{u.name}~pink{snr_db:g}dB", (u.samples + noise).astype(np.float32),
                     u.words, u.text, u.silences)


def normalise_word(text: str) -> str:
    return re.sub(r"[^a-z0-9']", "", text.lower())


def match_words(reference, found) -> list[tuple]:
    """(reference word, found word) pairs whose normalised texts agree, sequence-aligned."""
    a = [normalise_word(w.text) for w in reference]
    b = [normalise_word(w.text) for w in found]
    blocks = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks()
    return [(reference[m.a + k], found[m.b + k]) for m in blocks for k in range(m.size)]


def word_errors(reference_texts: list[str], found_texts: list[str]) -> tuple[int, int]:
    """(edit operations, reference length) of the word error rate over normalised words."""
    a = [t for t in map(normalise_word, reference_texts) if t]
    b = [t for t in map(normalise_word, found_texts) if t]
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
        prev = cur
    return prev[-1], len(a)


@dataclass
class Score:
    """Errors of one system over a set of utterances."""

    starts: list[float] = field(default_factory=list)  # signed, seconds
    ends: list[float] = field(default_factory=list)
    n_reference: int = 0
    edits: int = 0
    far_files: int = 0  # utterances with a matched word more than 1 s off
    in_silence: int = 0  # found words whose middle lies inside an inserted silence
    n_files: int = 0
    unplaced: int = 0  # found words with no usable time (NaN)
    squeezed: int = 0  # matched words found under 40 ms long that truly last 80 ms or more
    worst: tuple[float, str, str] = (0.0, "", "")  # largest |start or end error|, file, word
    far_words: list = field(default_factory=list)  # (file, word, true start, found start)
    squeezed_words: list = field(default_factory=list)  # (file, word, true s, found s,
    #                                                      beside an inserted silence)

    def add(self, u: Utterance, found) -> None:
        self.n_files += 1
        self.n_reference += len(u.words)
        edits, _ = word_errors([w.text for w in u.words], [w.text for w in found])
        self.edits += edits
        far = False
        for ref, hyp in match_words(u.words, found):
            if not (np.isfinite(hyp.start) and np.isfinite(hyp.end)):
                self.unplaced += 1
                continue
            self.starts.append(hyp.start - ref.start)
            self.ends.append(hyp.end - ref.end)
            if abs(hyp.start - ref.start) > 1.0 or abs(hyp.end - ref.end) > 1.0:
                far = True
                self.far_words.append((u.name, ref.text, ref.start, hyp.start))
            if hyp.end - hyp.start < 0.04 <= 0.08 <= ref.end - ref.start:
                self.squeezed += 1
                beside = any(abs(hyp.end - lo) < 0.1 or abs(hyp.start - hi) < 0.1
                             for lo, hi in u.silences)
                self.squeezed_words.append((u.name, ref.text, ref.end - ref.start,
                                            hyp.end - hyp.start, beside))
            error = max(abs(hyp.start - ref.start), abs(hyp.end - ref.end))
            if error > self.worst[0]:
                self.worst = (error, u.name, ref.text)
        self.far_files += far
        for lo, hi in u.silences:
            self.in_silence += sum(lo + 0.02 < (w.start + w.end) / 2 < hi - 0.02 for w in found)

    @staticmethod
    def _edge(values: list[float]) -> dict:
        e = np.asarray(values, dtype=np.float64)
        if e.size == 0:
            return {k: float("nan") for k in ("mean", "median", "signed", "20", "50", "100")}
        a = np.abs(e)
        return {"mean": a.mean(), "median": float(np.median(a)), "signed": e.mean(),
                **{str(t): 100 * float(np.mean(a <= t / 1000)) for t in (20, 50, 100)}}

    def summary(self) -> dict:
        return {"start": self._edge(self.starts), "end": self._edge(self.ends),
                "matched": len(self.starts), "reference": self.n_reference,
                "wer": 100 * self.edits / max(self.n_reference, 1), "far": self.far_files,
                "files": self.n_files, "in_silence": self.in_silence,
                "squeezed": self.squeezed, "worst": self.worst}


TABLE_HEADER = (
    "| variant | system | matched | edge | mean abs ms | median ms | signed ms | <=20 ms "
    "| <=50 ms | <=100 ms | files >1 s off | words in silence | squeezed | WER % |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def worst_line(variant: str, system: str, score: Score) -> str:
    """The file and word with the largest error, as a footnote to the table."""
    error, name, word = score.summary()["worst"]
    return f"worst {variant} / {system}: {1000 * error:.0f} ms, '{word}' in {name}"


def table_rows(variant: str, system: str, score: Score) -> list[str]:
    s = score.summary()
    rows = []
    for edge in ("start", "end"):
        e = s[edge]
        rows.append(
            f"| {variant} | {system} | {s['matched']}/{s['reference']} | {edge} | "
            f"{1000 * e['mean']:.0f} | {1000 * e['median']:.0f} | {1000 * e['signed']:+.0f} | "
            f"{e['20']:.0f}% | {e['50']:.0f}% | {e['100']:.0f}% | {s['far']}/{s['files']} | "
            f"{s['in_silence']} | {s['squeezed']} | {s['wer']:.1f} |")
    return rows

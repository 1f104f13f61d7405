"""JSON: whisper's own result, exactly, plus WhisperScope's facts under keys of its own.

The document is the dict `whisper.transcribe(..., word_timestamps=True)` returns, so a tool
that reads whisper's JSON reads ours, and whisper's own writers (`get_writer("srt", ...)`)
take it as it is; what whisper does not have is added beside it (layout version 2, described
exactly by `SCHEMA`, JSON Schema draft 2020-12):

    {"format": "whisperscope.analysis", "version": 2, "whisperscope_version": "0.1.0",
     "text": " Hello world. ...",                                      # whisper's
     "segments": [{"id", "seek", "start", "end", "text", "tokens", "temperature",
                   "avg_logprob", "compression_ratio", "no_speech_prob",   # whisper's
                   "window",                                              # ours
                   "words": [{"word", "start", "end", "probability",      # whisper's
                              "token_indices", "unaligned"}]}],           # ours
     "language": "en",                                                 # whisper's
     "audio": {...}, "model": {...}, "settings": {...}, "elapsed": 1.2,
     "warnings": ["'talk.wav' is clipped: ..."],
     "tokens":  [{"index", "token_id", "text", "start", "end", "probability",
                  "window", "row", "segment"}],                          # token times
     "windows": [{"index", "start", "end", "n_frames", "n_rows", "head_ids"}],
     "edits":   {"words": [2, 3], "tokens": [5]}}   # moved by hand; only when there are

Differences from whisper's values, on purpose: times are rounded to the millisecond (whisper
rounds word times to 10 ms); a segment's `tokens` are its text tokens' ids (whisper's list
also holds the segment's two timestamp tokens). A word's `token_indices` point into the
top-level `tokens`, its token times; `unaligned` marks a given transcript's word the audio
does not support. Numbers that are not finite (a log-probability of -inf) are written as the
strings "-inf", "inf", "nan", since JSON has no such numbers.

Version 1 files (flat `segments`, `words` and `tokens` lists linked by index, words with a
`text` key) still load, here and in saved sessions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from whisperscope import __version__
from whisperscope.session.atomic import atomic_write_text
from whisperscope.session.exporters import milliseconds
from whisperscope.session.model import (
    Analysis,
    AnalysisSettings,
    AudioInfo,
    ModelInfo,
    Segment,
    TokenTiming,
    Word,
)
from whisperscope.units import seconds_to_mel_frames

FORMAT_NAME = "whisperscope.analysis"
FORMAT_VERSION = 2
SUFFIXES = (".json",)
OPTIONS = ("edited_words", "edited_tokens")


def to_text(analysis: Analysis, edited_words: Iterable[int] = (),
            edited_tokens: Iterable[int] = ()) -> str:
    """The analysis as a JSON document (UTF-8 text, non-ASCII kept as is): one line per
    top-level field and per segment, word and token, so it reads and diffs well.
    `edited_words`, `edited_tokens`: indices of those whose times were moved by hand (the
    window's edits; their times in `analysis` are the edited ones), written as `edits`."""
    data = analysis_to_dict(analysis)
    words, tokens = sorted(set(edited_words)), sorted(set(edited_tokens))
    if words or tokens:
        data["edits"] = {"words": words, "tokens": tokens}
    return dumps_by_line(data)


def dumps_by_line(data: dict[str, Any]) -> str:
    """`data` as JSON with one line per top-level field and per item of a list of objects;
    an object whose last value is itself a list of objects (a segment's words) opens it on
    its own lines, one item a line."""

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))

    def item(value: dict[str, Any], indent: str) -> str:
        last = next(reversed(value), None)
        nested = value.get(last) if last is not None else None
        if not _objects(nested):
            return indent + compact(value)
        head = compact({k: v for k, v in value.items() if k != last})[:-1]
        head = f"{head}, " if len(value) > 1 else head
        inner = ",\n".join(indent + "  " + compact(v) for v in nested)
        return f"{indent}{head}{compact(last)}: [\n{inner}\n{indent}]}}"

    fields_ = []
    for key, value in data.items():
        if _objects(value):
            items = ",\n".join(item(v, "  ") for v in value)
            fields_.append(f" {compact(key)}: [\n{items}\n ]")
        else:
            fields_.append(f" {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(fields_) + "\n}\n"


def _objects(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def write(analysis: Analysis, path: str | Path, edited_words: Iterable[int] = (),
          edited_tokens: Iterable[int] = ()) -> Path:
    return atomic_write_text(path, to_text(analysis, edited_words, edited_tokens))


def read(path: str | Path) -> Analysis:
    """An Analysis (without attention) from a JSON export; times as written (ms)."""
    with open(path, encoding="utf-8") as f:
        return analysis_from_dict(json.load(f))


def is_ours(data: Any) -> bool:
    """Whether parsed JSON is a WhisperScope analysis (any version)."""
    return isinstance(data, dict) and data.get("format") == FORMAT_NAME


# -- plain data <-> Analysis ---------------------------------------------------------------


def analysis_to_dict(analysis: Analysis, exact: bool = False,
                     windows: bool = True) -> dict[str, Any]:
    """whisper's result plus ours, as plain, JSON-ready data (the module docstring). Times
    are rounded to the millisecond unless `exact` (sessions keep every float as it is)."""

    def t(x: float) -> float | str:
        x = float(x)
        if not math.isfinite(x):
            return _nonfinite(x)
        return x if exact else milliseconds(x) / 1000

    token_ids: dict[int, list[int]] = {}
    for k in analysis.tokens:
        token_ids.setdefault(k.segment, []).append(k.token_id)
    data: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "whisperscope_version": __version__,
        "text": "".join(s.text for s in analysis.segments),
        "segments": [
            {"id": s.index, "seek": _seek(analysis, s), "start": t(s.start), "end": t(s.end),
             "text": s.text, "tokens": token_ids.get(s.index, []),
             "temperature": number(s.temperature), "avg_logprob": number(s.avg_logprob),
             "compression_ratio": number(s.compression_ratio),
             "no_speech_prob": number(s.no_speech_prob), "window": s.window,
             "words": [
                 {"word": w.text, "start": t(w.start), "end": t(w.end),
                  "probability": number(w.probability), "token_indices": list(w.tokens),
                  "unaligned": w.unaligned}
                 for w in (analysis.words[i] for i in s.words)]}
            for s in analysis.segments
        ],
        "language": analysis.language,
        "audio": plain_data(asdict(analysis.audio)),
        "model": plain_data(asdict(analysis.model)),
        "settings": settings_to_dict(analysis.settings),
        "elapsed": number(analysis.elapsed),
        "warnings": list(analysis.warnings),
        "tokens": [
            {"index": k.index, "token_id": k.token_id, "text": k.text, "start": t(k.start),
             "end": t(k.end), "probability": number(k.probability), "window": k.window,
             "row": k.row, "segment": k.segment}
            for k in analysis.tokens
        ],
    }
    if windows:
        data["windows"] = [
            {"index": w.index, "start": t(w.start), "end": t(w.end), "n_frames": w.n_frames,
             "n_rows": len(w.token_ids), "head_ids": [list(h) for h in w.head_ids]}
            for w in analysis.windows
        ]
    return data


def _seek(analysis: Analysis, segment: Segment) -> int:
    """whisper's `seek` of a segment: its window's start in mel frames (taken from the
    window for analyses that did not keep it; 0 when neither is known)."""
    if segment.seek is not None:
        return segment.seek
    if 0 <= segment.window < len(analysis.windows):
        return seconds_to_mel_frames(analysis.windows[segment.window].start)
    return 0


def analysis_from_dict(data: dict[str, Any]) -> Analysis:
    """Inverse of `analysis_to_dict` (windows are left empty: their arrays live elsewhere).
    Reads layout versions 1 and 2. Unknown keys are ignored and missing optional ones take
    their defaults, so older and newer files of the same major version load."""
    if data.get("version", 1) == 1:
        segments, words = _v1_segments_and_words(data)
    else:
        segments, words = _segments_and_words(data["segments"])
    return Analysis(
        audio=_build(AudioInfo, data["audio"]),
        model=_build(ModelInfo, data["model"]),
        settings=settings_from_dict(data.get("settings", {})),
        language=data.get("language", "en"),
        segments=segments,
        words=words,
        tokens=[
            TokenTiming(index=k["index"], token_id=k["token_id"], text=k["text"],
                        start=from_number(k["start"]), end=from_number(k["end"]),
                        probability=from_number(k["probability"]), window=k["window"],
                        row=k["row"], segment=k["segment"])
            for k in data["tokens"]
        ],
        elapsed=from_number(data.get("elapsed", 0.0)),
        warnings=[str(w) for w in data.get("warnings", [])],
    )


def _segments_and_words(items: list[dict[str, Any]]) -> tuple[list[Segment], list[Word]]:
    """Version 2: each segment holds its words; the flat word list is theirs in order."""
    segments: list[Segment] = []
    words: list[Word] = []
    for index, s in enumerate(items):
        first = len(words)
        words.extend(
            Word(text=w["word"], start=from_number(w["start"]), end=from_number(w["end"]),
                 probability=from_number(w["probability"]),
                 tokens=tuple(w.get("token_indices", ())), segment=index,
                 unaligned=bool(w.get("unaligned", False)))
            for w in s["words"])
        segments.append(Segment(
            index=index, start=from_number(s["start"]), end=from_number(s["end"]),
            text=s["text"], words=tuple(range(first, len(words))), window=s.get("window", 0),
            **_decoding_facts(s), seek=_optional_index(s.get("seek"))))
    return segments, words


def _optional_index(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 0):
        raise ValueError(f"not a whole number >= 0: {value!r}")
    return value


def _v1_segments_and_words(data: dict[str, Any]) -> tuple[list[Segment], list[Word]]:
    """Version 1: flat segments and words, linked by index."""
    segments = [
        Segment(index=s["index"], start=from_number(s["start"]), end=from_number(s["end"]),
                text=s["text"], words=tuple(s["words"]), window=s["window"],
                **_decoding_facts(s))
        for s in data["segments"]
    ]
    words = [
        Word(text=w["text"], start=from_number(w["start"]), end=from_number(w["end"]),
             probability=from_number(w["probability"]), tokens=tuple(w["tokens"]),
             segment=w["segment"], unaligned=bool(w.get("unaligned", False)))
        for w in data["words"]
    ]
    return segments, words


def _decoding_facts(segment: dict[str, Any]) -> dict[str, float]:
    return {name: from_number(segment.get(name, 0.0)) for name in (
        "avg_logprob", "no_speech_prob", "temperature", "compression_ratio")}


def settings_to_dict(settings: AnalysisSettings) -> dict[str, Any]:
    """The decoding settings as plain data (also how the window remembers them)."""
    return plain_data(asdict(settings))


def settings_from_dict(data: dict[str, Any]) -> AnalysisSettings:
    """Inverse of `settings_to_dict`; unknown keys are dropped, missing ones default."""
    return _build(AnalysisSettings, data)


def number(x: float) -> float | str:
    """A float for JSON: finite as is, otherwise "inf", "-inf" or "nan"."""
    x = float(x)
    return x if math.isfinite(x) else _nonfinite(x)


def from_number(x: float | int | str) -> float:
    return float(x)


def _nonfinite(x: float) -> str:
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def plain_data(value: Any) -> Any:
    """Tuples to lists, non-finite floats to strings, recursively."""
    if isinstance(value, dict):
        return {k: plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    if isinstance(value, float):
        return number(value)
    return value


def _build(cls, data: dict[str, Any]):
    """A frozen dataclass from plain data: lists become tuples (nested ones too), numbers
    written as strings become floats, unknown keys are dropped."""
    kwargs = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if isinstance(value, list):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        elif isinstance(value, str) and value in ("inf", "-inf", "nan") and "float" in str(
                f.type):
            value = float(value)
        kwargs[f.name] = value
    return cls(**kwargs)


# -- JSON Schema -----------------------------------------------------------------------------

_NUMBER = {"oneOf": [{"type": "number"}, {"enum": ["inf", "-inf", "nan"]}]}
_OPTIONAL_NUMBER = {"oneOf": [*_NUMBER["oneOf"], {"type": "null"}]}
_TIME = {"type": "number", "minimum": 0}
_INDEX = {"type": "integer", "minimum": 0}
_INDICES = {"type": "array", "items": _INDEX}
_PAIRS = {"type": "array", "items": {"type": "array", "items": _INDEX, "minItems": 2,
                                     "maxItems": 2}}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://whisperscope.invalid/schema/analysis-2.json",
    "title": "WhisperScope analysis",
    **_object({
        "format": {"const": FORMAT_NAME},
        "version": {"const": FORMAT_VERSION},
        "whisperscope_version": {"type": "string"},
        "audio": _object({
            "path": {"type": "string"},
            "sha256": {"type": "string", "pattern": "^([0-9a-f]{64})?$"},
            "duration": _TIME,
            "sample_rate": {"type": "integer", "minimum": 0},
            "channels": {"type": "integer", "minimum": 0},
        }),
        "model": _object({
            "name": {"type": "string"},
            "source": {"type": "string"},
            "device": {"type": "string"},
            "dtype": {"type": "string"},
            "multilingual": {"type": "boolean"},
            "alignment_heads": _PAIRS,
            "n_text_layer": _INDEX,
            "n_text_head": _INDEX,
        }, required=["name", "alignment_heads"]),
        "settings": _object({
            "language": {"type": ["string", "null"]},
            "task": {"enum": ["transcribe", "translate"]},
            "temperatures": {"type": "array", "items": {"type": "number"}},
            "compression_ratio_threshold": _OPTIONAL_NUMBER,
            "logprob_threshold": _OPTIONAL_NUMBER,
            "no_speech_threshold": _OPTIONAL_NUMBER,
            "condition_on_previous_text": {"type": "boolean"},
            "initial_prompt": {"type": ["string", "null"]},
            "carry_initial_prompt": {"type": "boolean"},
            "max_tokens_per_window": {"type": "integer", "minimum": 1},
            "beam_size": {"type": ["integer", "null"], "minimum": 1},
            "best_of": {"type": ["integer", "null"], "minimum": 1},
            "patience": _OPTIONAL_NUMBER,
            "length_penalty": _OPTIONAL_NUMBER,
            "prefix": {"type": ["string", "null"]},
            "suppress_tokens": {"type": "string"},
            "suppress_blank": {"type": "boolean"},
            "clip_timestamps": {"type": "array", "items": {"type": "number", "minimum": 0}},
            "hallucination_silence_threshold": _OPTIONAL_NUMBER,
        }, required=[]),
        "language": {"type": "string"},
        "text": {"type": "string"},
        "elapsed": _NUMBER,
        "warnings": {"type": "array", "items": {"type": "string"}},
        "segments": {"type": "array", "items": _object({
            "id": _INDEX, "seek": _INDEX, "start": _TIME, "end": _TIME,
            "text": {"type": "string"}, "tokens": _INDICES, "temperature": _NUMBER,
            "avg_logprob": _NUMBER, "compression_ratio": _NUMBER, "no_speech_prob": _NUMBER,
            "window": _INDEX,
            "words": {"type": "array", "items": _object({
                "word": {"type": "string"}, "start": _TIME, "end": _TIME,
                "probability": _NUMBER, "token_indices": _INDICES,
                "unaligned": {"type": "boolean"},
            }, required=["word", "start", "end", "probability"])},
        }, required=["id", "seek", "start", "end", "text", "tokens", "temperature",
                     "avg_logprob", "compression_ratio", "no_speech_prob", "words"])},
        "tokens": {"type": "array", "items": _object({
            "index": _INDEX, "token_id": _INDEX, "text": {"type": "string"},
            "start": _TIME, "end": _TIME, "probability": _NUMBER, "window": _INDEX,
            "row": _INDEX, "segment": _INDEX,
        })},
        "windows": {"type": "array", "items": _object({
            "index": _INDEX, "start": _TIME, "end": _TIME, "n_frames": _INDEX,
            "n_rows": _INDEX, "head_ids": _PAIRS,
        })},
        "edits": _object({"words": _INDICES, "tokens": _INDICES}),
    }, required=["format", "version", "audio", "model", "settings", "language", "text",
                 "segments", "tokens"]),
}

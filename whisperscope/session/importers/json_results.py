"""whisper-shaped JSON: openai-whisper's result, WhisperX's, stable-ts's and ours (both
layout versions), which all hold `segments` (start, end, text) with their `words` (whisper:
`word`, `start`, `end`, `probability`; WhisperX: `score` instead, and no times on a word it
could not align, e.g. a number: such words are left out). WhisperX's top-level
`word_segments`, our version 1's top-level `words` (with `text`) and a bare list of words
are read too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from whisperscope.session.importers import SEGMENTS, WORDS, Document, Label, Tier


def read(path: Path) -> Document:
    return document_from_data(json.loads(path.read_text(encoding="utf-8-sig")), str(path))


def document_from_data(data: Any, path: str) -> Document:
    """The Document of parsed JSON (`path`: where it came from, for messages)."""
    if isinstance(data, list):
        return Document(str(path), "json",
                        (Tier("words", _words([(None, w) for w in data]), WORDS),))
    if not isinstance(data, dict):
        raise ValueError("neither an object nor a list")
    segments = data.get("segments")
    if not isinstance(segments, list):
        segments = []
    nested = [(i, w) for i, s in enumerate(segments) if isinstance(s, dict)
              for w in s.get("words") or ()]
    if not all(isinstance(w, dict) for _, w in nested):
        nested = []  # our version 1: a segment's words are indices into the flat list
    flat = data.get("word_segments") or data.get("words") or []
    tiers = []
    if segments:
        tiers.append(Tier("segments", tuple(
            Label(_number(s["start"]), _number(s["end"]), str(s.get("text", "")).strip())
            for s in segments), SEGMENTS))
    words = _words(nested or [(None, w) for w in flat])
    if words:
        tiers.append(Tier("words", words, WORDS))
    if not tiers:
        raise ValueError("no 'segments' and no 'words' list")
    language = data.get("language")
    return Document(str(path), _kind(data), tuple(tiers),
                    language if isinstance(language, str) else None)


def _words(items: list[tuple[int | None, Any]]) -> tuple[Label, ...]:
    """Words from (segment index or None, word object) pairs."""
    out = []
    for segment, w in items:
        if not isinstance(w, dict):
            raise ValueError(f"a word is not an object: {w!r}")
        if w.get("start") is None or w.get("end") is None:
            continue  # WhisperX: a word it could not align
        probability = w.get("probability", w.get("score"))
        out.append(Label(_number(w["start"]), _number(w["end"]),
                         str(w.get("word", w.get("text", ""))).strip(),
                         None if probability is None else _number(probability), segment))
    return tuple(out)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def _kind(data: dict[str, Any]) -> str:
    if data.get("format") == "whisperscope.analysis":
        return "WhisperScope JSON"
    if "word_segments" in data:
        return "WhisperX JSON"
    if {"ori_dict", "regroup_history", "nonspeech_sections", "time_scale"} & set(data):
        return "stable-ts JSON"
    return "whisper JSON"

"""Saved sessions: one `.wscope` file that reopens an analysis instantly, without the model.

The file is a zip archive (open it with any unzip tool):

    manifest.json                  format name + version, the audio file (absolute path,
                                   path relative to the session, sha256, size, mtime), the
                                   analysis (segments, words, tokens, exact floats, model,
                                   settings), each window's token ids and texts, `edits`
                                   (boundaries moved by hand: {"words": [[index, start,
                                   end], ...], "tokens": [...]}, in the tokens' aligned
                                   word frame (session.edits), "pins": [[word, "start" |
                                   "end"], ...], boundaries re-alignment keeps; absent in
                                   older files), `tiers` (the user's own interval tiers:
                                   [{"name", "boundaries", "texts"}, ...]) and
                                   `extra` (free JSON for the window's own state)
    attention/w0000_heads.npy ...  each window's alignment-heads attention, float16, stored
                                   uncompressed so loading is a plain read
    attention/w0000_pass.npy ...   the alignment pass's rows of a window it timed, float16,
                                   shape (1, text tokens, frames) (absent in older files
                                   and for windows without a pass)

Saving is atomic. Loading checks the audio: if it is not at its recorded path (or beside the
session at the same relative path, e.g. a moved project folder, which is relinked silently),
or its contents differ, `load_session` raises `SessionAudioMissing`; the error carries the
loaded session, so the caller asks the user for the file and calls `relink_audio` without
reading the session again:

    try:
        session = load_session(path)
    except SessionAudioMissing as missing:
        new = ask_user_for(missing.expected_path)          # e.g. a file dialog
        session = relink_audio(missing.session, new)       # verifies the checksum
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from whisperscope import __version__
from whisperscope.audio.loader import file_sha256
from whisperscope.errors import WhisperScopeError
from whisperscope.session.annotation import (
    UserTier,
    pins_from_json,
    pins_to_json,
    tiers_from_json,
    tiers_to_json,
)
from whisperscope.session.atomic import atomic_write_with
from whisperscope.session.attention_store import AttentionStore, release_pages
from whisperscope.session.bounded_zip import BoundedArchive, ReadLimits, UnsafeSession
from whisperscope.session.checks import (
    check_analysis,
    check_window_counts,
    finite,
    text_end_of,
    whole,
)
from whisperscope.session.edits import edits_from_json, edits_to_json
from whisperscope.session.exporters.json import analysis_from_dict, analysis_to_dict
from whisperscope.session.model import Analysis, WindowAttention

FORMAT_NAME = "whisperscope.session"
FORMAT_VERSION = 1
SUFFIX = ".wscope"
MANIFEST = "manifest.json"


class SessionError(WhisperScopeError):
    """The session file cannot be read: not a session, damaged, or from a newer version."""


class SessionAudioMissing(SessionError):
    """The session's audio is not where it was saved, or it is not the same recording.

    `session` is the fully loaded session (everything but the audio works); `expected_path`
    is where the audio was; `reason` is "missing" or "changed" (different checksum)."""

    def __init__(self, session: Session, expected_path: Path, reason: str,
                 found_path: Path | None = None) -> None:
        self.session = session
        self.expected_path = expected_path
        self.reason = reason
        self.found_path = found_path
        if reason == "missing":
            message = f"the audio of this session is missing: {expected_path}"
        else:
            message = (f"{found_path or expected_path} is not the recording this session was "
                       "made from (its checksum differs)")
        super().__init__(message)


@dataclass
class Session:
    """An analysis as saved: what the window restores.

    `extra` is free JSON-serialisable state (view range, selected token, ...); `edits` and
    `token_edits` are word and token times moved by hand (session.edits), kept apart from
    the aligned `analysis`."""

    analysis: Analysis
    path: Path | None = None  # the .wscope file it was loaded from or saved to
    extra: dict[str, Any] = field(default_factory=dict)
    edits: dict[int, tuple[float, float]] = field(default_factory=dict)
    saved_at: str = ""
    saved_by: str = ""  # WhisperScope version that wrote it
    token_edits: dict[int, tuple[float, float]] = field(default_factory=dict)
    pins: frozenset[tuple[int, str]] = frozenset()  # boundaries re-alignment keeps
    tiers: tuple[UserTier, ...] = ()  # the user's own interval tiers

    @property
    def audio_path(self) -> Path:
        return Path(self.analysis.audio.path)


def save_session(analysis: Analysis, path: str | Path,
                 extra: dict[str, Any] | None = None,
                 edits: dict[int, tuple[float, float]] | None = None,
                 token_edits: dict[int, tuple[float, float]] | None = None,
                 pins=(), tiers=()) -> Path:
    """Write `analysis` (and `extra`, the word and token edits, the pins and the user's
    tiers) to `path` atomically; return the path.

    The audio's checksum is taken from `analysis.audio.sha256`, or computed now if empty and
    the file exists. Raises ExportError when the file cannot be written."""
    path = Path(path)
    audio = Path(analysis.audio.path)
    sha = analysis.audio.sha256
    stat = _stat(audio)
    if not sha and stat is not None:
        sha = file_sha256(audio)
    manifest = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "whisperscope_version": __version__,
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "audio": {
            "path": str(audio.absolute()) if str(audio) else "",
            "relative": _relative(audio, path.parent),
            "sha256": sha,
            "size": stat.st_size if stat else None,
            "mtime_ns": stat.st_mtime_ns if stat else None,
        },
        "analysis": analysis_to_dict(analysis, exact=True, windows=False),
        "windows": [_window_meta(i, w) for i, w in enumerate(analysis.windows)],
        "edits": {"words": edits_to_json(edits or {}),
                  "tokens": edits_to_json(token_edits or {}),
                  "pins": pins_to_json(pins)},
        "tiers": tiers_to_json(tiers),
        "extra": extra or {},
    }
    manifest["analysis"]["audio"]["sha256"] = sha
    text = json.dumps(manifest, ensure_ascii=False, allow_nan=False, indent=1)

    def write(f) -> None:
        with zipfile.ZipFile(f, "w") as archive:
            archive.writestr(MANIFEST, text, compress_type=zipfile.ZIP_DEFLATED)
            for i, window in enumerate(analysis.windows):
                with archive.open(_heads_name(i), "w", force_zip64=True) as member:
                    np.lib.format.write_array(
                        member, np.ascontiguousarray(window.heads, dtype=np.float16),
                        allow_pickle=False)
                if window.pass_rows is not None:
                    with archive.open(_pass_name(i), "w", force_zip64=True) as member:
                        np.lib.format.write_array(  # rank 3, as every array read back
                            member, np.ascontiguousarray(window.pass_rows[None],
                                                         dtype=np.float16),
                            allow_pickle=False)
                # arrays mapped from a file (attention_store): this window's pages go
                # back before the next is read, so saving an hour holds one window
                release_pages(window.heads, window.pass_rows)

    return atomic_write_with(path, write)


def load_session(path: str | Path, check_audio: bool = True,
                 limits: ReadLimits | None = None) -> Session:
    """Read a session; never runs the model.

    Raises SessionError for a file that is not a readable session (also one that is damaged,
    malformed in any way, or asks for more memory than `limits` allow), and (when
    `check_audio`) SessionAudioMissing when its audio has moved or changed."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zipped:
            archive = BoundedArchive(zipped, path.stat().st_size, limits or ReadLimits())
            manifest = _read_manifest(archive, path)
            analysis = analysis_from_dict(manifest["analysis"])
            with AttentionStore() as store:  # the attention read goes to a file at once
                analysis.windows = [store.keep_window(_read_window(archive, meta))
                                    for meta in manifest["windows"]]
            check_analysis(analysis)
            edits, token_edits, pins = _read_edits(manifest, analysis)
            tiers = tiers_from_json(manifest.get("tiers", []))
    except SessionError:
        raise
    except FileNotFoundError as error:
        raise SessionError(f"no such session file: {path}") from error
    except UnsafeSession as error:
        raise SessionError(f"{path.name} is not a session WhisperScope will open: "
                           f"{error}") from error
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError,
            ValueError, TypeError, AttributeError, IndexError, OverflowError,
            RecursionError) as error:
        raise SessionError(f"{path.name} is not a readable WhisperScope session "
                           f"({_describe(error)})") from error
    session = Session(analysis, path, manifest.get("extra") or {}, edits,
                      str(manifest.get("saved_at", "")),
                      str(manifest.get("whisperscope_version", "")), token_edits, pins, tiers)
    if check_audio:
        session = _locate_audio(session, manifest["audio"], path.parent)
    return session


def relink_audio(session: Session, new_path: str | Path, accept_different: bool = False
                 ) -> Session:
    """The session with its audio at `new_path`, after checking it is the same recording.

    Raises SessionAudioMissing (reason "missing" or "changed"). With `accept_different`, a
    file with another checksum is accepted and its checksum recorded (the user's choice,
    e.g. a re-encoded copy); times are kept as they are."""
    new_path = Path(new_path)
    expected = session.analysis.audio.sha256
    if not new_path.is_file():
        raise SessionAudioMissing(session, new_path, "missing")
    actual = file_sha256(new_path)
    if expected and actual != expected and not accept_different:
        raise SessionAudioMissing(session, session.audio_path, "changed", found_path=new_path)
    audio = dataclasses.replace(session.analysis.audio, path=str(new_path.absolute()),
                                sha256=actual)
    analysis = dataclasses.replace(session.analysis, audio=audio)
    return dataclasses.replace(session, analysis=analysis)


# -- helpers ---------------------------------------------------------------------------------


def _read_manifest(archive: BoundedArchive, path: Path) -> dict[str, Any]:
    try:
        manifest = archive.read_json(MANIFEST)
    except KeyError as error:
        raise SessionError(f"{path.name} is not a WhisperScope session (no manifest)") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise SessionError(f"{path.name} is not a WhisperScope session")
    version = manifest.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SessionError(f"{path.name} is damaged: its session format version {version!r} "
                           "is not a whole number")
    if version > FORMAT_VERSION:
        raise SessionError(
            f"{path.name} was saved by a newer WhisperScope "
            f"({manifest.get('whisperscope_version', '?')}, session format {version}); "
            f"this is {__version__}, which reads format {FORMAT_VERSION}: please update")
    for key, kind in (("audio", dict), ("analysis", dict), ("windows", list)):
        if not isinstance(manifest.get(key), kind):
            raise SessionError(f"{path.name} is damaged: its manifest has no {key} "
                               f"{'object' if kind is dict else 'list'}")
    if not isinstance(manifest.get("extra", {}), dict):
        raise SessionError(f"{path.name} is damaged: its manifest's extra is not an object")
    audio = manifest["audio"]
    for key, kinds in (("path", (str,)), ("relative", (str, type(None))),
                       ("sha256", (str, type(None))), ("size", (int, type(None))),
                       ("mtime_ns", (int, type(None)))):
        if not isinstance(audio.get(key), kinds):
            raise SessionError(f"{path.name} is damaged: its audio {key} is "
                               f"{audio.get(key)!r}")
    return manifest


def _read_edits(manifest: dict[str, Any], analysis: Analysis):
    edits = manifest.get("edits", {})  # older sessions have none, or no token edits
    if not isinstance(edits, dict):
        raise ValueError("'edits' is not an object")
    return (edits_from_json(edits.get("words", []), len(analysis.words)),
            edits_from_json(edits.get("tokens", []), len(analysis.tokens), "token"),
            pins_from_json(edits.get("pins", []), len(analysis.words)))


def _window_meta(i: int, w: WindowAttention) -> dict[str, Any]:
    return {
        "index": w.index,
        "start": w.start,
        "n_frames": w.n_frames,
        "token_ids": [int(t) for t in w.token_ids],
        "token_texts": list(w.token_texts),
        "head_ids": [list(h) for h in w.head_ids],
        "text_rows": [int(r) for r in w.text_rows],
        "prompt_ids": [int(t) for t in w.prompt_ids],
        "heads": _heads_name(i),
        **({"pass": _pass_name(i), "pass_heads": [list(h) for h in w.pass_heads]}
           if w.pass_rows is not None else {}),
        "text_end": w.text_end,
    }


def _read_window(archive: BoundedArchive, meta: dict[str, Any]) -> WindowAttention:
    if not isinstance(meta, dict) or not isinstance(meta.get("heads"), str):
        raise ValueError("a window's entry in the manifest is not an object naming its array")
    check_window_counts(meta)
    heads = archive.read_npy(meta["heads"])
    window = WindowAttention(
        index=whole(meta["index"]),
        start=finite(meta["start"]),
        n_frames=whole(meta["n_frames"]),
        token_ids=np.array(meta["token_ids"], dtype=np.int64),
        token_texts=tuple(str(t) for t in meta["token_texts"]),
        heads=heads,
        head_ids=tuple(tuple(whole(x) for x in h) for h in meta["head_ids"]),
        text_rows=np.array(meta["text_rows"], dtype=np.int64),
        prompt_ids=np.array(meta["prompt_ids"], dtype=np.int64),
        text_end=text_end_of(meta),
        text_end_known="text_end" in meta,
    )
    rows = len(window.token_ids)
    declared = (len(window.head_ids), rows, window.n_frames)
    if heads.shape != declared:  # an empty array too: the views draw what is declared
        raise ValueError(f"window {window.index}: attention of shape {heads.shape} does not "
                         f"match {declared[0]} heads x {rows} tokens x {window.n_frames} "
                         "frames")
    if heads.size == 0:  # drawn as zeros (mean_heads), which take memory all the same
        archive.spend(rows * window.n_frames * 4, meta["heads"])
    if len(window.token_texts) != rows or any(not 0 <= r < rows for r in window.text_rows):
        raise ValueError(f"window {window.index}: its token texts or text rows do not match "
                         f"its {rows} tokens")
    if meta.get("pass") is not None:  # older sessions have no alignment pass rows
        if not isinstance(meta["pass"], str):
            raise ValueError(f"window {window.index}: its pass entry does not name an array")
        stored = archive.read_npy(meta["pass"])
        expected = (1, len(window.text_rows), window.n_frames)
        if stored.shape != expected:
            raise ValueError(f"window {window.index}: alignment pass rows of shape "
                             f"{stored.shape[1:]} do not match {expected[1]} text tokens x "
                             f"{expected[2]} frames")
        window.pass_rows = stored[0]
        window.pass_heads = tuple(tuple(whole(x) for x in h)
                                  for h in meta.get("pass_heads", []))
    return window


def _describe(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"missing entry {error}"
    return f"{type(error).__name__}: {str(error)[:200]}"


def _heads_name(i: int) -> str:
    return f"attention/w{i:04d}_heads.npy"


def _pass_name(i: int) -> str:
    return f"attention/w{i:04d}_pass.npy"


def _locate_audio(session: Session, recorded: dict[str, Any], folder: Path) -> Session:
    expected = Path(recorded.get("path") or session.analysis.audio.path)
    if _same_file(expected, recorded, session.analysis.audio.sha256):
        return session
    beside = folder / recorded["relative"] if recorded.get("relative") else None
    if beside is not None and beside.is_file() and beside.absolute() != expected.absolute():
        if file_sha256(beside) == session.analysis.audio.sha256:
            return relink_audio(session, beside)
    if expected.is_file():
        raise SessionAudioMissing(session, expected, "changed", found_path=expected)
    raise SessionAudioMissing(session, expected, "missing")


def _same_file(path: Path, recorded: dict[str, Any], sha: str) -> bool:
    """Whether `path` holds the recorded audio. Unchanged size and mtime are trusted (as
    make does), so reopening a session does not re-read an hour of audio."""
    stat = _stat(path)
    if stat is None:
        return False
    if stat.st_size == recorded.get("size") and stat.st_mtime_ns == recorded.get("mtime_ns"):
        return True
    return not sha or file_sha256(path) == sha


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat() if str(path) and path.is_file() else None
    except OSError:
        return None


def _relative(audio: Path, folder: Path) -> str | None:
    if not str(audio):
        return None
    try:
        return os.path.relpath(audio.absolute(), folder.absolute())
    except ValueError:  # another drive on Windows
        return None

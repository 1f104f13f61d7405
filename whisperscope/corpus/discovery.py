"""From the command line's inputs to the recordings of a corpus and their output paths.

An input is a file, a folder (searched recursively for audio and video files; hidden files
and folders are left out) or `@LIST`, a text file naming one path per line (blank lines and
lines starting with `#` are ignored; relative paths are relative to the list's folder).

Every recording has a root, and its output is its path relative to that root, under the
output folder, with the format's suffix:

- a folder is the root of everything found in it: `corpus/spk1/a.wav` -> `OUT/spk1/a.json`;
- a file given by itself is its own folder's root: `talk.flac` -> `OUT/talk.json`;
- a list's root is the deepest folder that holds everything it names.

Two recordings that would write the same output (`a.wav` beside `a.flac`, or two inputs
with the same relative path) are a usage error, found before anything runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from whisperscope.audio.loader import FFMPEG_ONLY_SUFFIXES
from whisperscope.errors import WhisperScopeError

# what soundfile (libsndfile) reads, plus what only ffmpeg reads (m4a, video files)
SOUNDFILE_SUFFIXES = frozenset(
    ".wav .wave .flac .ogg .oga .opus .mp3 .aiff .aif .aifc .au .snd .caf .w64 .rf64 .voc "
    ".sd2 .ircam .sf .nist .sph".split())
AUDIO_SUFFIXES = SOUNDFILE_SUFFIXES | FFMPEG_ONLY_SUFFIXES
TRANSCRIPT_SUFFIXES = (".lab", ".txt")  # MFA's corpus layout: X.wav beside X.lab or X.txt
LIST_PREFIX = "@"


@dataclass(frozen=True)
class Source:
    """One recording of the corpus and the folder its output path is relative to."""

    path: Path  # absolute, normalised (symbolic links kept as named)
    root: Path  # absolute; `path` is inside it

    def output(self, out_dir: Path, suffix: str) -> Path:
        return out_dir / self.path.relative_to(self.root).with_suffix(suffix)


def is_audio_name(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def find_sources(inputs: Sequence[str | os.PathLike]) -> list[Source]:
    """Every recording the inputs name, in order, each once. Raises WhisperScopeError for an
    input that does not exist or a list that cannot be read. A path named inside a list that
    does not exist is kept (it fails on its own, the rest of the corpus goes on)."""
    sources: list[Source] = []
    seen: set[Path] = set()
    for given in inputs:
        text = os.fspath(given)
        if text.startswith(LIST_PREFIX) and not Path(text).exists():
            found = _from_list(Path(text[len(LIST_PREFIX):]))
        else:
            found = _from_path(_absolute(Path(text)))
        for source in found:
            key = _identity(source.path)
            if key not in seen:
                seen.add(key)
                sources.append(source)
    return sources


def output_paths(sources: Iterable[Source], out_dir: Path, suffix: str) -> list[Path]:
    """The output path of each source; raises WhisperScopeError when two would collide."""
    outputs: list[Path] = []
    owner: dict[str, Path] = {}
    for source in sources:
        output = source.output(out_dir, suffix)
        key = os.path.normcase(str(output)).lower()  # a.JSON and a.json clash on macOS
        if key in owner:
            raise WhisperScopeError(
                f"{owner[key]} and {source.path} would both be written to {output}; "
                "rename one, or align them in separate runs")
        owner[key] = source.path
        outputs.append(output)
    return outputs


def transcript_for(audio: Path) -> Path | None:
    """The transcript beside a recording, MFA-style: `X.lab`, else `X.txt`, else None.
    (The hook for `--transcript auto`; reading it is the aligner's business.)"""
    for suffix in TRANSCRIPT_SUFFIXES:
        candidate = audio.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def _from_path(path: Path) -> list[Source]:
    if path.is_dir():
        return [Source(found, path) for found in _walk(path)]
    if path.exists():
        return [Source(path, path.parent)]
    raise WhisperScopeError(f"input not found: {path}")


def _from_list(list_file: Path) -> list[Source]:
    try:
        lines = list_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise WhisperScopeError(f"cannot read the list {list_file}: {reason}") from None
    base = _absolute(list_file).parent
    named = [_absolute(base / line.strip()) for line in lines
             if line.strip() and not line.lstrip().startswith("#")]
    if not named:
        return []
    # the deepest folder holding every named path (a named folder holds itself)
    root = Path(os.path.commonpath([p if p.is_dir() else p.parent for p in named]))
    found: list[Source] = []
    for path in named:
        if path.is_dir():
            found.extend(Source(f, root) for f in _walk(path))
        else:
            found.append(Source(path, root))  # a missing one fails when its turn comes
    return found


def _walk(folder: Path) -> Iterator[Path]:
    """Audio and video files under `folder`, sorted, hidden entries and their trees skipped
    (".git", "._x.wav" from macOS). Links to folders are not followed (no loops)."""
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(here) / name
            if not name.startswith(".") and is_audio_name(path):
                yield path


def _absolute(path: Path) -> Path:
    return Path(os.path.normpath(path.expanduser().absolute()))


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path

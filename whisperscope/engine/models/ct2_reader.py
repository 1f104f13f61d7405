"""Read a CTranslate2 `model.bin` into numpy arrays, tensors only (nothing is unpickled).

Layout (little-endian; see docs/ARCHITECTURE.md, "The CTranslate2 model.bin format"):
`u32 version`, string spec name, `u32 revision`, `u32 n_variables`, then per variable a
string name, `u8 rank`, `rank x u32` dims, `u8 dtype`, `u32 n_bytes` and the raw bytes;
then `u32 n_aliases` and (alias, target) string pairs. A string is a `u16` length that
counts its closing NUL, the bytes, and the NUL.

Every length is checked against what is left of the file before anything is allocated, so
a truncated or hostile file gives a `ModelError` naming the file, never a huge allocation.
The arrays are read-only views over memory-mapped files: cheap to open, paged in on use,
and given back with `drop_pages` once copied.
A model split over several part files (`model.bin.part1`, `model.bin.part2`) is read as
one byte stream without joining the parts on disk.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from whisperscope.errors import ModelError

SUPPORTED_VERSION = 6
WHISPER_SPEC = "WhisperSpec"
MAX_RANK = 4
MAX_VARIABLES = 100_000
MAX_ALIASES = 100_000

# CTranslate2's DataType enum, in file order
DTYPES: dict[int, np.dtype] = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
}

_MIN_VARIABLE_BYTES = 2 + 1 + 1 + 1 + 4  # empty name + NUL, rank, dtype, n_bytes
_MIN_ALIAS_BYTES = 2 * (2 + 1)


@dataclass(frozen=True)
class CT2Model:
    """The contents of one CTranslate2 model file.

    `variables` maps names like `encoder/conv1/weight` to arrays in the file's dtype
    (read-only); `aliases` maps extra names to the variable they share, e.g.
    `decoder/projection/weight -> decoder/embeddings/weight`.
    """

    source: str  # the file(s), for messages
    version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str] = field(default_factory=dict)

    def __contains__(self, name: str) -> bool:
        return name in self.variables or name in self.aliases

    def __getitem__(self, name: str) -> np.ndarray:
        return self.variables[self.aliases.get(name, name)]

    def names(self) -> Iterator[str]:
        """Every variable name, then every alias."""
        yield from self.variables
        yield from self.aliases

    def as_dict(self) -> dict[str, np.ndarray]:
        """Variables and aliases in one mapping (aliases share their target's array)."""
        out = dict(self.variables)
        out.update({alias: self.variables[target] for alias, target in self.aliases.items()})
        return out


def drop_pages(array: np.ndarray) -> None:
    """Let the kernel take back the file pages under `array`, a view into a model file's
    memory map, once its values have been copied: they count in the process's memory while
    mapped (base's 145 MB, on top of its float32 copy, at the load's peak). Reading the
    array again pages them back in from the file; other arrays are left alone."""
    base = array
    while base is not None and not isinstance(base, mmap.mmap):
        base = base.obj if isinstance(base, memoryview) else getattr(base, "base", None)
    if base is None or not hasattr(base, "madvise") or array.size == 0:
        return
    origin = np.frombuffer(base, np.uint8).__array_interface__["data"][0]
    start = array.__array_interface__["data"][0] - origin
    end = start + array.nbytes
    page = mmap.PAGESIZE
    first, last = -(-start // page) * page, end // page * page  # whole pages inside only
    if last > first:
        base.madvise(mmap.MADV_DONTNEED, first, last - first)


class _ByteStream:
    """Several files read as one contiguous byte stream, through memory maps.

    `take(n)` returns a uint8 view of the next n bytes; only a read that spans two parts
    is copied, so even a multi-part model costs no more memory than its pages in use.
    """

    def __init__(self, paths: Sequence[Path], source: str):
        self.source = source
        self._maps: list[np.ndarray] = []
        self._starts: list[int] = []
        total = 0
        for path in paths:
            try:
                size = os.path.getsize(path)
            except OSError as exc:
                raise ModelError(f"{source}: cannot read {path}: {exc.strerror or exc}") from exc
            if size:
                try:
                    with open(path, "rb") as file:
                        mapped = np.frombuffer(
                            mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ), np.uint8)
                except (OSError, ValueError) as exc:
                    raise ModelError(f"{source}: cannot read {path}: {exc}") from exc
                self._maps.append(mapped)
                self._starts.append(total)
                total += size
        self.size = total
        self.pos = 0

    @property
    def remaining(self) -> int:
        return self.size - self.pos

    def fail(self, what: str) -> ModelError:
        return ModelError(
            f"{self.source}: not a valid CTranslate2 model file: {what} (at byte {self.pos} "
            f"of {self.size})"
        )

    def take(self, n: int, what: str) -> np.ndarray:
        if n < 0 or n > self.remaining:
            raise self.fail(f"file ends early: {what} needs {n} bytes, {self.remaining} left")
        start, end = self.pos, self.pos + n
        self.pos = end
        chunks = []
        for mapped, part_start in zip(self._maps, self._starts, strict=True):
            lo, hi = max(start, part_start), min(end, part_start + len(mapped))
            if lo < hi:
                chunks.append(mapped[lo - part_start : hi - part_start])
        if len(chunks) == 1:
            return chunks[0]
        if not chunks:
            return np.zeros(0, dtype=np.uint8)
        return np.concatenate(chunks)

    def check_count(self, count: int, limit: int, min_bytes: int, what: str) -> None:
        """A count read from the file is at most `limit`, and its entries (at least
        `min_bytes` each) fit in what is left of the file."""
        if count > limit:
            raise self.fail(f"implausible number of {what} ({count}, at most {limit})")
        if count * min_bytes > self.remaining:
            raise self.fail(
                f"file ends early: {count} {what} need at least {count * min_bytes} bytes, "
                f"{self.remaining} left (truncated download?)"
            )

    def u8(self, what: str) -> int:
        return int(self.take(1, what)[0])

    def u16(self, what: str) -> int:
        return int(self.take(2, what).view("<u2")[0])

    def u32(self, what: str) -> int:
        return int(self.take(4, what).view("<u4")[0])

    def string(self, what: str) -> str:
        length = self.u16(f"length of {what}")
        if length == 0:
            raise self.fail(f"{what} has length 0 (it must at least hold its NUL)")
        raw = self.take(length, what).tobytes()
        if raw[-1] != 0:
            raise self.fail(f"{what} is not NUL-terminated")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail(f"{what} is not UTF-8 text") from exc


def read_ct2(paths: str | os.PathLike | Sequence[str | os.PathLike]) -> CT2Model:
    """Parse a CTranslate2 model file, or the ordered part files of one.

    Raises `ModelError` naming the file and the problem when the file is missing,
    truncated, corrupt, of another format version, or not a Whisper model.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    parts = [Path(p) for p in paths]
    if not parts:
        raise ModelError("No CTranslate2 model file given.")
    source = " + ".join(str(p) for p in parts)
    for part in parts:
        if not part.is_file():
            raise ModelError(f"{source}: {part} does not exist or is not a file.")
    stream = _ByteStream(parts, source)

    if stream.size < 4:
        raise stream.fail("the file is empty or too short to hold a header")
    version = stream.u32("format version")
    if version != SUPPORTED_VERSION:
        raise stream.fail(
            f"unsupported format version {version} (expected {SUPPORTED_VERSION}); "
            "this is not a CTranslate2 model.bin or comes from another CTranslate2 release"
        )
    spec = stream.string("spec name")
    if spec != WHISPER_SPEC:
        raise stream.fail(f"model spec is {spec!r}, not a Whisper model ({WHISPER_SPEC!r})")
    revision = stream.u32("spec revision")
    n_variables = stream.u32("number of variables")
    stream.check_count(n_variables, MAX_VARIABLES, _MIN_VARIABLE_BYTES, "variables")

    variables: dict[str, np.ndarray] = {}
    for index in range(n_variables):
        name = stream.string(f"name of variable {index}")
        if name in variables:
            raise stream.fail(f"variable {name!r} appears twice")
        rank = stream.u8(f"rank of {name!r}")
        if rank > MAX_RANK:
            raise stream.fail(f"variable {name!r} has rank {rank} (at most {MAX_RANK})")
        shape = tuple(stream.u32(f"dimension {d} of {name!r}") for d in range(rank))
        code = stream.u8(f"dtype of {name!r}")
        if code not in DTYPES:
            raise stream.fail(f"variable {name!r} has unknown dtype code {code}")
        dtype = DTYPES[code]
        n_bytes = stream.u32(f"byte count of {name!r}")
        expected = int(np.prod(shape, dtype=object)) * dtype.itemsize  # Python ints: no overflow
        if n_bytes != expected:
            raise stream.fail(
                f"variable {name!r} of shape {shape} and dtype {dtype.name} should hold "
                f"{expected} bytes, but the file says {n_bytes}"
            )
        if n_bytes > stream.remaining:
            raise stream.fail(
                f"file ends early: variable {name!r} needs {n_bytes} bytes, "
                f"{stream.remaining} left (truncated download?)"
            )
        variables[name] = stream.take(n_bytes, f"data of {name!r}").view(dtype).reshape(shape)

    n_aliases = stream.u32("number of aliases")
    stream.check_count(n_aliases, MAX_ALIASES, _MIN_ALIAS_BYTES, "aliases")
    aliases: dict[str, str] = {}
    for index in range(n_aliases):
        alias = stream.string(f"alias {index}")
        target = stream.string(f"target of alias {alias!r}")
        if alias in variables or alias in aliases:
            raise stream.fail(f"alias {alias!r} reuses an existing name")
        if target not in variables:
            raise stream.fail(f"alias {alias!r} points to missing variable {target!r}")
        aliases[alias] = target
    if stream.remaining:
        raise stream.fail(f"{stream.remaining} unexpected bytes after the last alias")
    return CT2Model(source, version, spec, revision, variables, aliases)

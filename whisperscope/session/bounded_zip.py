"""Reading a session archive with limits, so a small hostile file cannot take gigabytes.

A `.wscope` is a zip: a deflated JSON manifest and one uncompressed `.npy` per window.
Everything a reader allocates is known before it is allocated: the number of members, the
manifest's decompressed size (read with a cap, whatever the zip directory claims), its
nesting depth and what parsing it would take (counted from the text), and each array's size
from its `.npy` header. Arrays together may not
decompress to more than `expansion` times the file's size on disk (they are stored
uncompressed, so a real session is about 1x); no member is read twice. A file that breaks a
limit raises `UnsafeSession` (a ValueError) naming the limit.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

ARRAY_DTYPES = (np.dtype("<f2"), np.dtype("<f4"))  # what sessions store attention as
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


class UnsafeSession(ValueError):
    """The archive asks for more than a session may (members, bytes, depth)."""


# Measured (bench/session_size.py, bench/RESULTS.md): an hour of dense read speech
# analysed with tiny.en (11,524 tokens, 9,340 words, 130 windows) saves a 5.62 MB manifest
# whose parsed objects take 14.6 MB (json_cost says 45.2 MB, an upper bound); the whole
# session loads at a peak of 121 MB.
HOUR_MANIFEST_BYTES = 5.62e6
HOUR_MANIFEST_COST = 45.2e6
SESSION_HOURS = 8  # the longest session the limits let through


@dataclass(frozen=True)
class ReadLimits:
    max_members: int = 4_097  # a manifest + 4,096 windows
    max_manifest_bytes: int = int(SESSION_HOURS * HOUR_MANIFEST_BYTES)  # 45 MB
    # what parsing may allocate, estimated from the text before parsing (json_cost): a
    # manifest of empty objects costs 24x its size, a real one 2.5x
    max_manifest_cost: int = int(SESSION_HOURS * HOUR_MANIFEST_COST)  # 362 MB
    max_json_depth: int = 64  # the manifest itself nests 5 deep; `extra` a little more
    expansion: float = 4.0  # arrays: decompressed bytes per byte of the file on disk
    slack_bytes: int = 16 * 1024**2  # ...plus this, so tiny sessions are never refused


class BoundedArchive:
    """A zip archive read under `ReadLimits`. `disk_size` is the file's size in bytes."""

    def __init__(self, archive: zipfile.ZipFile, disk_size: int,
                 limits: ReadLimits = ReadLimits()) -> None:
        self.archive = archive
        self.limits = limits
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise UnsafeSession(f"it has {len(members)} members (at most "
                                f"{limits.max_members})")
        self._members = {info.filename: info for info in members}
        self._budget = int(limits.expansion * disk_size + limits.slack_bytes)
        self._read: set[str] = set()

    def read_json(self, name: str) -> Any:
        """The JSON member `name`, at most `max_manifest_bytes` and `max_json_depth` deep."""
        info = self._take(name)
        cap = self.limits.max_manifest_bytes
        if info.file_size > cap:
            raise UnsafeSession(f"its {name} is {info.file_size / 1024**2:.0f} MB "
                                f"decompressed (at most {cap / 1024**2:.0f} MB)")
        with self.archive.open(info) as member:
            text = member.read(cap + 1)  # the directory's size may lie: read with a cap
        if len(text) > cap:
            raise UnsafeSession(f"its {name} decompresses to more than "
                                f"{cap / 1024**2:.0f} MB")
        depth, cost = _measure(text)
        if depth > self.limits.max_json_depth:
            raise UnsafeSession(f"its {name} nests {depth} levels deep (at most "
                                f"{self.limits.max_json_depth})")
        if cost > self.limits.max_manifest_cost:
            raise UnsafeSession(f"its {name} would take about {cost / 1024**2:.0f} MB to "
                                f"read (at most {self.limits.max_manifest_cost / 1024**2:.0f} "
                                "MB): far more objects than a session holds")
        return json.loads(text.decode("utf-8"))

    def read_npy(self, name: str) -> np.ndarray:
        """The `.npy` member `name`: a float array of rank 3, its size checked from the
        header against the member and the archive's budget before anything is allocated."""
        info = self._take(name)
        with self.archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version not in ((1, 0), (2, 0), (3, 0)):
                raise UnsafeSession(f"{name} has an unknown .npy version {version}")
            read_header = {(1, 0): np.lib.format.read_array_header_1_0}.get(
                version, np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(member, max_header_size=10_000)
            if dtype not in ARRAY_DTYPES or len(shape) != 3:
                raise UnsafeSession(f"{name} holds a {dtype} array of shape {shape}, not "
                                    "float attention of shape (heads, rows, frames)")
            n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if n_bytes > info.file_size:
                raise UnsafeSession(f"{name} declares {n_bytes} bytes of data but holds "
                                    f"{info.file_size}")
            self.spend(n_bytes, name)
            data = member.read(n_bytes)
        if len(data) != n_bytes:
            raise UnsafeSession(f"{name} ends early ({len(data)} of {n_bytes} bytes)")
        order = "F" if fortran else "C"
        return np.frombuffer(bytearray(data), dtype=dtype).reshape(shape, order=order)

    def _take(self, name: str) -> zipfile.ZipInfo:
        info = self._members.get(name)
        if info is None:
            raise KeyError(name)
        if name in self._read:
            raise UnsafeSession(f"{name} is used twice (each window has its own member)")
        self._read.add(name)
        return info

    def spend(self, n_bytes: int, name: str) -> None:
        """Count `n_bytes` that reading `name` makes against the archive's budget: the
        arrays read, and those a window declares but does not store (drawn as zeros, they
        take memory all the same)."""
        self._budget -= n_bytes
        if self._budget < 0:
            raise UnsafeSession(f"its attention arrays (stored or declared) decompress to far "
                                f"more than the file's size on disk (at {name}); refusing to "
                                "allocate them")


def json_depth(text: bytes) -> int:
    """How deep brackets nest in the JSON `text`, ignoring those inside strings."""
    return _measure(text)[0]


def json_cost(text: bytes) -> int:
    """An upper bound on the bytes `json.loads(text)` allocates, from counts of its
    objects (strings stripped first, so brackets inside them do not count). Per object,
    CPython's sizes with room to spare: a dict 232 B, a list 72 B, each member or key 40 B,
    a string 60 B, plus the text itself. Real manifests come out at 1.3x to 4x what
    parsing takes, never below it (tests/reliability/test_sessions.py)."""
    return _measure(text)[1]


_CHUNK = 1 << 22  # bytes counted at a time: the counting itself stays at ~50 MB


def _measure(text: bytes) -> tuple[int, int]:
    """(json_depth, json_cost) of `text`, a few MB at a time."""
    bare, n_strings = _STRING.subn(b'""', text)
    counts = np.zeros(256, dtype=np.int64)
    depth = deepest = 0
    for lo in range(0, len(bare), _CHUNK):
        chunk = np.frombuffer(bare, dtype=np.uint8, count=min(_CHUNK, len(bare) - lo),
                              offset=lo)
        counts += np.bincount(chunk, minlength=256)
        steps = np.zeros(len(chunk), dtype=np.int8)
        steps[(chunk == ord("[")) | (chunk == ord("{"))] = 1
        steps[(chunk == ord("]")) | (chunk == ord("}"))] = -1
        running = np.cumsum(steps, dtype=np.int64)
        deepest = max(deepest, depth + int(running.max()))
        depth += int(running[-1])
    dicts, lists = int(counts[ord("{")]), int(counts[ord("[")])
    members = int(counts[ord(",")]) + dicts + lists
    cost = 232 * dicts + 72 * lists + 40 * int(counts[ord(":")]) + 40 * members \
        + 60 * n_strings + len(text)
    return deepest, cost

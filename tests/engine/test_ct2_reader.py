"""The CTranslate2 reader: round trips of synthetic files, and every broken file refused
with a ModelError that names the file, quickly and without a large allocation."""

import struct
import sys
import tracemalloc

import numpy as np
import pytest

from whisperscope.engine.models.ct2_reader import read_ct2
from whisperscope.errors import ModelError

MB = 1024 * 1024


def sample_variables() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {
        "decoder/activation": np.array(3, np.int8),
        "decoder/num_heads": np.array(6, np.int16),
        "decoder/embeddings/weight": rng.standard_normal((7, 5)).astype(np.float16),
        "encoder/conv1/weight": rng.standard_normal((4, 3, 3)).astype(np.float32),
        "encoder/ids": np.arange(-3, 9, dtype=np.int32).reshape(2, 3, 2, 1),
        "encoder/empty": np.zeros((0, 4), np.float16),
        "encoder/päth/ünïcode": np.array([1.5, -2.25], np.float32),
    }


def assert_same(model, variables):
    assert list(model.variables) == list(variables)
    for name, expected in variables.items():
        got = model.variables[name]
        assert got.dtype == expected.dtype, name
        assert got.shape == expected.shape, name
        np.testing.assert_array_equal(got, expected)


def test_round_trip_names_shapes_dtypes_and_aliases(write_ct2):
    variables = sample_variables()
    aliases = {"decoder/projection/weight": "decoder/embeddings/weight"}
    model = read_ct2(write_ct2(variables, aliases))
    assert (model.version, model.spec, model.revision) == (6, "WhisperSpec", 3)
    assert_same(model, variables)
    assert model.aliases == aliases
    assert "decoder/projection/weight" in model
    np.testing.assert_array_equal(
        model["decoder/projection/weight"], variables["decoder/embeddings/weight"]
    )
    assert set(model.as_dict()) == set(variables) | set(aliases)
    assert list(model.names()) == [*variables, *aliases]
    assert int(model["decoder/num_heads"]) == 6


@pytest.mark.parametrize("cuts", [[1], [4], [5], [19], [40, 41], [77, 150, 151, 152]])
def test_part_files_read_as_one_stream(tmp_path, ct2_bytes, cuts):
    """Cut anywhere (inside the header, a name, a tensor): the parts read as the whole."""
    variables = sample_variables()
    blob = ct2_bytes(variables, {"alias": "encoder/ids"})
    edges = [0, *cuts, len(blob)]
    parts = []
    for i, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False)):
        part = tmp_path / f"model.bin.part{i + 1}"
        part.write_bytes(blob[lo:hi])
        parts.append(part)
    model = read_ct2(parts)
    assert_same(model, variables)
    assert model.aliases == {"alias": "encoder/ids"}
    assert "model.bin.part1" in model.source and "model.bin.part2" in model.source


def expect_error(path_or_paths, *words):
    """read_ct2 raises ModelError, naming the file and the problem, with no big
    allocation (a broken header must not make the reader allocate what it claims)."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelError) as info:
            read_ct2(path_or_paths)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MB
    message = str(info.value)
    first = path_or_paths[0] if isinstance(path_or_paths, list) else path_or_paths
    assert str(first) in message
    for word in words:
        assert word in message, message
    return message


def header(n_variables: int, version: int = 6, spec: bytes = b"WhisperSpec") -> bytes:
    spec_field = struct.pack("<H", len(spec) + 1) + spec + b"\0"
    return struct.pack("<I", version) + spec_field + struct.pack("<II", 3, n_variables)


def variable_header(name: bytes, shape, code: int, n_bytes: int) -> bytes:
    out = struct.pack("<H", len(name) + 1) + name + b"\0" + struct.pack("<B", len(shape))
    return out + struct.pack(f"<{len(shape)}I", *shape) + struct.pack("<BI", code, n_bytes)


def test_absurd_dims_claiming_gigabytes_are_refused_before_allocating(tmp_path):
    path = tmp_path / "model.bin"
    # consistent with the dtype (4e9 bytes of float32) but far past the end of the file
    path.write_bytes(header(1) + variable_header(b"w", (1_000_000_000,), 0, 4_000_000_000))
    expect_error(path, "'w'", "4000000000 bytes", "ends early")
    # 10 GB of float16: the claimed dims do not match the byte count
    path.write_bytes(header(1) + variable_header(b"w", (100_000, 50_000), 4, 12345) + b"\0" * 64)
    expect_error(path, "'w'", "should hold 10000000000 bytes")


def test_wrong_version_and_wrong_spec(write_ct2):
    expect_error(write_ct2(sample_variables(), version=5), "unsupported format version 5")
    expect_error(write_ct2(sample_variables(), spec="TransformerSpec"), "TransformerSpec")


@pytest.mark.parametrize(
    "blob, words",
    [
        (b"", ["too short"]),
        (header(0)[:9], ["ends early", "spec name"]),
        (header(2**32 - 1), ["number of variables"]),
        (header(1) + variable_header(b"w", (1,) * 5, 0, 4) + b"\0" * 4, ["rank 5"]),
        (header(1) + variable_header(b"w", (2,), 9, 8) + b"\0" * 8, ["dtype code 9"]),
        (header(1) + b"\0\0" + b"\0" * 16, ["length 0"]),
        (header(1) + b"\x03\0ab!" + b"\0" * 16, ["NUL"]),
        (header(1) + b"\x03\0\xff\xfe\0" + b"\0" * 16, ["UTF-8"]),
    ],
)
def test_corrupt_headers(tmp_path, blob, words):
    path = tmp_path / "model.bin"
    path.write_bytes(blob)
    expect_error(path, *words)


def test_duplicate_names_bad_aliases_and_trailing_bytes(write_ct2, ct2_bytes, tmp_path):
    variables = sample_variables()
    expect_error(write_ct2(variables, {"x": "no/such/variable"}), "no/such/variable")
    expect_error(write_ct2(variables, {"decoder/activation": "encoder/ids"}), "reuses")
    path = tmp_path / "model.bin"
    path.write_bytes(ct2_bytes(variables) + b"junk")
    expect_error(path, "4 unexpected bytes")
    one = ct2_bytes({"a": np.zeros(2, np.float32)})
    twice = header(2) + one[len(header(1)) : -4] * 2 + struct.pack("<I", 0)
    path.write_bytes(twice)
    expect_error(path, "'a' appears twice")


def test_text_file_named_model_bin(tmp_path):
    path = tmp_path / "model.bin"
    path.write_text("<html>404 Not Found</html>\n" * 100)
    expect_error(path, "unsupported format version", "not a CTranslate2 model.bin")


def test_missing_file_and_missing_part(tmp_path, write_ct2):
    expect_error(tmp_path / "model.bin", "does not exist")
    present = write_ct2(sample_variables())
    expect_error([present, tmp_path / "model.bin.part2"], "model.bin.part2", "does not exist")


@pytest.mark.model
@pytest.mark.parametrize("n_bytes", [3, 21, 100, 5_000, 1_000_000, -1])
def test_truncated_tiny_en(tiny_en_dir, tmp_path, n_bytes):
    source = tiny_en_dir / "model.bin"
    size = source.stat().st_size
    n_bytes = size + n_bytes if n_bytes < 0 else n_bytes
    path = tmp_path / "model.bin"
    with source.open("rb") as f:
        path.write_bytes(f.read(n_bytes))
    expect_error(path, "ends early" if n_bytes > 3 else "too short")


@pytest.mark.model
def test_real_tiny_en_file(tiny_en_dir):
    model = read_ct2(tiny_en_dir / "model.bin")
    assert model.spec == "WhisperSpec"
    assert len(model.variables) == 148
    assert model["decoder/embeddings/weight"].shape == (51864, 384)
    assert model["decoder/embeddings/weight"].dtype == np.float16
    assert int(model["decoder/num_heads"]) == 6
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}


@pytest.mark.model
def test_real_base_parts(base_files):
    parts, _ = base_files
    model = read_ct2(parts)
    assert model["decoder/embeddings/weight"].shape == (51865, 512)
    assert model["encoder/layer_5/ffn/linear_1/weight"].shape == (512, 2048)
    assert model["encoder/position_encodings/encodings"].shape == (1500, 512)
    assert len(model.variables) == 212


def _file_pages_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("RssFile:"):
            return int(line.split()[1]) / 1024
    pytest.skip("no RssFile in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_dropped_pages_leave_memory_and_the_values_stay_readable(write_ct2):
    from whisperscope.engine.models.ct2_reader import drop_pages

    big = np.arange(24 * 2**20 // 2, dtype=np.float16)  # 24 MB
    model = read_ct2(write_ct2({"big/weight": big}))
    view = model["big/weight"]
    before = _file_pages_mb()
    copied = np.array(view, dtype=np.float32)  # pages the whole view in
    paged_in = _file_pages_mb()
    drop_pages(view)
    dropped = _file_pages_mb()
    assert paged_in - before > 20 and paged_in - dropped > 20
    np.testing.assert_array_equal(view, big)  # read again from the file
    np.testing.assert_array_equal(copied, big.astype(np.float32))
    drop_pages(copied)  # not a view of a mapped file: left alone

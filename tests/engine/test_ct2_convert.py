"""CTranslate2 -> openai-whisper conversion: a synthetic model survives the round trip
exactly, broken models are refused, and the real packages load strictly."""

import json

import numpy as np
import pytest
import torch

from whisperscope.engine.models.ct2_convert import (
    alignment_heads_of,
    default_alignment_heads,
    read_alignment_heads,
    set_alignment_heads,
    whisper_dims,
    whisper_from_ct2,
)
from whisperscope.engine.models.ct2_reader import read_ct2
from whisperscope.errors import ModelError

ALIAS = {"decoder/projection/weight": "decoder/embeddings/weight"}


def assert_same_state(model, reference, rtol=0.0, atol=0.0):
    got, want = model.state_dict(), reference.state_dict()
    assert set(got) == set(want)
    for name, tensor in want.items():
        assert got[name].dtype == torch.float32, name
        torch.testing.assert_close(got[name], tensor.float(), rtol=rtol, atol=atol, msg=name)


def test_synthetic_model_round_trip_is_exact(small_whisper, whisper_to_ct2, write_ct2):
    path = write_ct2(whisper_to_ct2(small_whisper), ALIAS)
    model = whisper_from_ct2(read_ct2(path), [(1, 2), (2, 0)])
    assert model.dims == small_whisper.dims
    assert_same_state(model, small_whisper)
    assert not model.training
    mel = torch.randn(1, 80, 16)
    tokens = torch.tensor([[1, 5, 7]])
    with torch.no_grad():
        torch.testing.assert_close(model(mel, tokens), small_whisper(mel, tokens))
    assert alignment_heads_of(model) == ((1, 2), (2, 0))
    assert model.alignment_heads.is_sparse
    assert model.alignment_heads.shape == (3, 4)


def test_float16_weights_become_float32(small_whisper, whisper_to_ct2, write_ct2):
    path = write_ct2(whisper_to_ct2(small_whisper, np.float16), ALIAS)
    model = whisper_from_ct2(read_ct2(path), None)
    rounded = {k: v.half().float() for k, v in small_whisper.state_dict().items()}
    for name, tensor in model.state_dict().items():
        assert tensor.dtype == torch.float32
        torch.testing.assert_close(tensor, rounded[name], rtol=0, atol=0, msg=name)
    # no alignment heads given: openai-whisper's default, the last half of the layers
    assert alignment_heads_of(model) == default_alignment_heads(3, 4)
    assert default_alignment_heads(3, 4) == tuple((layer, h) for layer in (1, 2) for h in range(4))


def test_dims_come_from_shapes_and_num_heads(small_whisper, whisper_to_ct2, write_ct2):
    variables = whisper_to_ct2(small_whisper)
    variables["decoder/num_heads"] = np.array(8, np.int16)
    dims = whisper_dims(read_ct2(write_ct2(variables)))
    assert dims.n_text_head == 8 and dims.n_audio_head == 2
    assert (dims.n_audio_layer, dims.n_text_layer) == (2, 3)
    assert (dims.n_mels, dims.n_audio_ctx, dims.n_text_ctx, dims.n_vocab) == (80, 8, 8, 100)


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda v: v.pop("decoder/layer_1/attention/linear_2/bias"), ["linear_2/bias", "missing"]),
        (lambda v: v.pop("encoder/num_heads"), ["encoder/num_heads"]),
        (lambda v: v.update({"encoder/extra/weight": np.ones((2, 2), np.float32)}), ["extra"]),
        (
            lambda v: v.update(
                {"encoder/layer_0/self_attention/linear_0/weight": np.ones((40, 16), np.float32)}
            ),
            ["fused", "(40, 16)"],
        ),
        (lambda v: v.update({"encoder/num_heads": np.array(3, np.int16)}), ["multiple"]),
        (lambda v: v.pop("decoder/layer_1/ffn/linear_0/weight"), ["linear_0/weight"]),
        (
            lambda v: v.update({"decoder/layer_norm/gamma": np.ones(15, np.float32)}),
            ["do not fit", "decoder.ln.weight"],
        ),
    ],
)
def test_broken_models_are_refused(small_whisper, whisper_to_ct2, write_ct2, change, words):
    variables = whisper_to_ct2(small_whisper)
    change(variables)
    path = write_ct2(variables)
    with pytest.raises(ModelError) as info:
        whisper_from_ct2(read_ct2(path), None)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message, message


def test_output_projection_must_be_tied(small_whisper, whisper_to_ct2, write_ct2):
    variables = whisper_to_ct2(small_whisper)
    variables["decoder/projection/weight"] = variables["decoder/embeddings/weight"].copy()
    whisper_from_ct2(read_ct2(write_ct2(variables)), None)  # a copy instead of an alias: fine
    variables["decoder/projection/weight"][0, 0] += 1
    with pytest.raises(ModelError, match="Whisper ties them"):
        whisper_from_ct2(read_ct2(write_ct2(variables)), None)


def test_missing_layer_number(small_whisper, whisper_to_ct2, write_ct2):
    variables = {
        k.replace("decoder/layer_1/", "decoder/layer_7/"): v
        for k, v in whisper_to_ct2(small_whisper).items()
    }
    with pytest.raises(ModelError, match="not numbered"):
        whisper_from_ct2(read_ct2(write_ct2(variables)), None)


def test_alignment_heads_outside_the_model_are_refused(small_whisper):
    with pytest.raises(ModelError, match=r"\(3, 0\) is outside"):
        set_alignment_heads(small_whisper, [(3, 0)])
    with pytest.raises(ModelError, match="empty"):
        set_alignment_heads(small_whisper, [])


def test_read_alignment_heads(tmp_path):
    config = tmp_path / "config.json"
    assert read_alignment_heads(config) is None  # no config.json: caller keeps the default
    config.write_text(json.dumps({"alignment_heads": [[1, 0], [3, 4]], "lang_ids": []}))
    assert read_alignment_heads(config) == ((1, 0), (3, 4))
    config.write_text(json.dumps({"lang_ids": []}))
    assert read_alignment_heads(config) is None
    config.write_text('{"alignment_heads": [[1, 0, 2]]}')
    with pytest.raises(ModelError, match="pairs"):
        read_alignment_heads(config)
    config.write_text("{not json")
    with pytest.raises(ModelError, match="config.json"):
        read_alignment_heads(config)


def check_real_model(model, ct2, config):
    """Strictly loaded (whisper_from_ct2 would have raised), values from the file, and the
    alignment heads of config.json."""
    dims = model.dims
    assert alignment_heads_of(model) == tuple(
        tuple(pair) for pair in json.loads(config.read_text())["alignment_heads"]
    )
    embeddings = torch.from_numpy(ct2["decoder/embeddings/weight"].astype(np.float32))
    torch.testing.assert_close(model.decoder.token_embedding.weight, embeddings, rtol=0, atol=0)
    fused = ct2["decoder/layer_1/self_attention/linear_0/weight"].astype(np.float32)
    n = dims.n_text_state
    block = model.decoder.blocks[1].attn
    for i, part in enumerate((block.query, block.key, block.value)):
        np.testing.assert_array_equal(part.weight.detach().numpy(), fused[i * n : (i + 1) * n])
    assert block.key.bias is None
    assert all(p.dtype == torch.float32 for p in model.parameters())


@pytest.mark.model
def test_real_tiny_en_loads_strictly(tiny_en_dir, torch_threads):
    ct2 = read_ct2(tiny_en_dir / "model.bin")
    model = whisper_from_ct2(ct2, read_alignment_heads(tiny_en_dir / "config.json"))
    assert (model.dims.n_vocab, model.dims.n_text_layer, model.dims.n_text_head) == (51864, 4, 6)
    assert not model.is_multilingual
    check_real_model(model, ct2, tiny_en_dir / "config.json")


@pytest.mark.model
def test_real_base_loads_strictly(base_files, torch_threads):
    parts, config = base_files
    ct2 = read_ct2(parts)
    model = whisper_from_ct2(ct2, read_alignment_heads(config))
    assert (model.dims.n_vocab, model.dims.n_text_layer, model.dims.n_text_head) == (51865, 6, 8)
    assert model.is_multilingual
    check_real_model(model, ct2, config)

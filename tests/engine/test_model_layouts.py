"""Every layout `--model` reads, with 80 and 128 mel bands and 2 or 4 decoder layers: the
loaded model gives the same logits as openai-whisper's own model built from the same
tensors; broken folders are refused with a message that names the problem."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from whisperscope.engine.models import load_model
from whisperscope.engine.models.ct2_convert import whisper_from_ct2
from whisperscope.engine.models.ct2_dequantize import dequantize
from whisperscope.engine.models.ct2_reader import read_ct2
from whisperscope.errors import ModelError

from ._model_layouts import (
    int8_reference_state,
    quantize_int8,
    random_whisper,
    whisper_from_state,
    write_checkpoint,
    write_transformers,
)

ALIAS = {"decoder/projection/weight": "decoder/embeddings/weight"}
SHAPES = [(80, 2), (80, 4), (128, 2), (128, 4)]  # (mel bands, decoder layers)
LAYOUTS = ["ct2-float16", "ct2-int8", "ct2-int8-float32", "transformers", "sharded", "pt",
           "bfloat16"]


def rounded(model, dtype):
    return {k: v.detach().to(dtype).float() for k, v in model.state_dict().items()}


@pytest.fixture
def write_layout(tmp_path, whisper_to_ct2, ct2_bytes):
    """write_layout(model, layout) -> (path for --model, the tensors it holds in
    openai-whisper's names, as float32)."""

    def write(model, layout):
        folder = tmp_path / layout
        folder.mkdir()
        if layout == "ct2-float16":
            (folder / "model.bin").write_bytes(ct2_bytes(whisper_to_ct2(model, np.float16),
                                                         ALIAS))
            return folder, rounded(model, torch.float16)
        if layout.startswith("ct2-int8"):
            float_dtype = np.float32 if layout.endswith("float32") else np.float16
            variables = quantize_int8(whisper_to_ct2(model), float_dtype)
            (folder / "model.bin").write_bytes(ct2_bytes(variables, ALIAS))
            return folder, int8_reference_state(model, float_dtype)
        if layout in ("transformers", "sharded", "bfloat16"):
            dtype = torch.bfloat16 if layout == "bfloat16" else torch.float32
            write_transformers(model, folder, shards=3 if layout == "sharded" else 1,
                               dtype=dtype, with_proj_out=layout == "sharded")
            return folder, rounded(model, dtype)
        path = write_checkpoint(model, folder / "finetune.pt")
        return path, rounded(model, torch.float16)

    return write


def logits(model, n_mels, n_audio_ctx):
    torch.manual_seed(1)
    mel = torch.randn(1, n_mels, 2 * n_audio_ctx)
    tokens = torch.tensor([[50257, 50258, 50359, 220, 1000, 51000]])
    with torch.no_grad():
        return model(mel, tokens)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("n_mels, n_text_layer", SHAPES)
def test_each_layout_gives_whispers_logits(write_layout, torch_threads, layout, n_mels,
                                           n_text_layer):
    original = random_whisper(n_mels, n_text_layer)
    path, tensors = write_layout(original, layout)
    loaded = load_model(path, "cpu")
    model = loaded.model
    assert model.dims == original.dims
    reference = whisper_from_state(original.dims, tensors)
    for name, tensor in reference.state_dict().items():
        torch.testing.assert_close(model.state_dict()[name], tensor, rtol=0, atol=0, msg=name)
    torch.testing.assert_close(logits(model, n_mels, 8), logits(reference, n_mels, 8))
    # no heads in these folders and no official name: whisper's default, the last half
    half = n_text_layer // 2
    assert loaded.alignment_heads == tuple((layer, h) for layer in range(half, n_text_layer)
                                           for h in range(4))
    assert not loaded.heads_known
    assert loaded.info.multilingual


def test_int8_weights_are_close_to_the_float_ones(whisper_to_ct2, write_ct2, torch_threads):
    original = random_whisper(80, 2)
    variables = quantize_int8(whisper_to_ct2(original), np.float32)
    model = whisper_from_ct2(read_ct2(write_ct2(variables, ALIAS)), None)
    for name, tensor in original.state_dict().items():
        got = model.state_dict()[name]
        if name.endswith(".weight") and tensor.ndim == 2:  # quantized: half a step per row
            step = tensor.abs().amax(dim=1, keepdim=True) / 127
            assert bool(((got - tensor).abs() <= step / 2 + 1e-7).all()), name
            assert not torch.equal(got, tensor), name
        else:
            torch.testing.assert_close(got, tensor, rtol=0, atol=0, msg=name)


def test_int16_uses_one_scale_per_tensor(whisper_to_ct2, write_ct2, torch_threads):
    """CTranslate2's int16: `scale = 2**10 / max|W|` for the whole weight (rank 0)."""
    original = random_whisper(80, 2, n_vocab=100)
    variables = {}
    for name, value in whisper_to_ct2(original).items():
        if name.endswith("/weight") and value.ndim == 2:
            scale = np.float32(2**10 / np.abs(value).max())
            variables[name] = np.rint(value * scale).astype(np.int16)
            variables[f"{name}_scale"] = np.array(scale, np.float32)
        else:
            variables[name] = value
    model = whisper_from_ct2(read_ct2(write_ct2(variables, ALIAS)), None)
    weight = original.decoder.blocks[1].mlp[0].weight.detach()
    got = model.decoder.blocks[1].mlp[0].weight.detach()
    step = float(weight.abs().max()) / 2**10
    assert float((got - weight).abs().max()) <= step / 2 + 1e-7
    assert not torch.equal(got, weight)


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda v: v.pop("decoder/layer_0/ffn/linear_0/weight_scale"), ["without a *_scale",
                                                                         "linear_0/weight"]),
        (lambda v: v.update({"encoder/extra/weight_scale": np.ones(3, np.float32)}),
         ["scales a missing variable", "encoder/extra/weight"]),
        (lambda v: v.update({"decoder/layer_0/ffn/linear_0/weight_scale":
                             np.ones(7, np.float32)}), ["scale of shape (7,)"]),
        (lambda v: v.update({"decoder/layer_0/ffn/linear_0/weight_scale":
                             np.zeros(64, np.float32)}), ["zeros or non-finite"]),
    ],
)
def test_broken_quantization_is_refused(whisper_to_ct2, write_ct2, change, words):
    variables = quantize_int8(whisper_to_ct2(random_whisper(80, 2, n_vocab=100)))
    change(variables)
    path = write_ct2(variables, ALIAS)
    with pytest.raises(ModelError) as info:
        dequantize(read_ct2(path))
    for word in words:
        assert word in str(info.value), str(info.value)
    assert str(path) in str(info.value)


def test_transformers_model_without_the_model_prefix(tmp_path, torch_threads):
    """A bare `WhisperModel` saves encoder.* / decoder.* without `model.`."""
    from safetensors.torch import load_file, save_file

    original = random_whisper(80, 2)
    folder = write_transformers(original, tmp_path / "bare")
    tensors = load_file(str(folder / "model.safetensors"))
    save_file({k.removeprefix("model."): v for k, v in tensors.items()},
              str(folder / "model.safetensors"))
    model = load_model(folder, "cpu").model
    torch.testing.assert_close(logits(model, 80, 8), logits(original, 80, 8))


def english_tokenizer(folder, sot=50257):
    (folder / "tokenizer.json").write_text(json.dumps({"added_tokens": [
        {"id": 50256, "content": "<|endoftext|>"}, {"id": sot, "content": "<|startoftranscript|>"},
    ]}))


def test_english_only_vocabulary_and_its_tokenizer(tmp_path, torch_threads):
    original = random_whisper(80, 2, n_vocab=51864)
    folder = write_transformers(original, tmp_path / "en")
    english_tokenizer(folder)
    loaded = load_model(folder, "cpu")
    assert not loaded.info.multilingual
    english_tokenizer(folder, sot=50300)  # specials moved: whisper's tokenizer would lie
    with pytest.raises(ModelError, match=r"<\|startoftranscript\|> at id 50300.*50257"):
        load_model(folder, "cpu")


@pytest.mark.parametrize(
    "break_folder, words",
    [
        (lambda f: (f / "config.json").unlink(), ["needs config.json"]),
        (lambda f: (f / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}"),
         ["model.safetensors", "not a readable safetensors file"]),
        (lambda f: (f / "model.safetensors").write_bytes(b"garbage"),
         ["not a readable safetensors file"]),
        (lambda f: (f / "config.json").write_text(json.dumps({"model_type": "bert"})),
         ["model_type 'bert'"]),
        (lambda f: _edit_config(f, num_mel_bins=128), ["128 mel bands", "read 80"]),
        (lambda f: _edit_config(f, decoder_attention_heads=None), ["decoder_attention_heads"]),
    ],
)
def test_broken_transformers_folders(tmp_path, break_folder, words):
    folder = write_transformers(random_whisper(80, 2), tmp_path / "hf")
    break_folder(folder)
    with pytest.raises(ModelError) as info:
        load_model(folder, "cpu")
    for word in words:
        assert word in str(info.value), str(info.value)


def _edit_config(folder, **changes):
    config = json.loads((folder / "config.json").read_text())
    config.update(changes)
    (folder / "config.json").write_text(json.dumps(config))


def test_unusual_vocabulary_and_extra_tensors_are_refused(tmp_path):
    from safetensors.torch import load_file, save_file

    with pytest.raises(ModelError, match="has 100 tokens.*51864 \\(English\\)"):
        load_model(write_transformers(random_whisper(80, 2, n_vocab=100), tmp_path / "v"),
                   "cpu")
    folder = write_transformers(random_whisper(80, 2), tmp_path / "extra")
    tensors = load_file(str(folder / "model.safetensors"))
    tensors["model.encoder.adapter.weight"] = torch.ones(2, 2)
    save_file(tensors, str(folder / "model.safetensors"))
    with pytest.raises(ModelError, match="no place in a Whisper model: model.encoder.adapter"):
        load_model(folder, "cpu")


def test_sharded_index_problems(tmp_path):
    folder = write_transformers(random_whisper(80, 2), tmp_path / "shards", shards=2)
    index = folder / "model.safetensors.index.json"
    data = json.loads(index.read_text())
    (folder / "model-00002-of-00002.safetensors").unlink()
    with pytest.raises(ModelError, match="model-00002-of-00002.safetensors: listed in"):
        load_model(folder, "cpu")
    data["weight_map"]["model.decoder.layer_norm.weight"] = "../outside.safetensors"
    index.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="'../outside.safetensors' is not a file in the folder"):
        load_model(folder, "cpu")


def test_pickled_transformers_weights_are_not_read(tmp_path):
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "pytorch_model.bin").write_bytes(b"not read")
    with pytest.raises(ModelError, match="pytorch_model.bin, a pickle"):
        load_model(folder, "cpu")


def test_a_file_inside_a_folder_stands_for_it(tmp_path, torch_threads):
    folder = write_transformers(random_whisper(80, 2), tmp_path / "hf", shards=2)
    a = load_model(folder / "model-00001-of-00002.safetensors", "cpu")
    b = load_model(folder / "config.json", "cpu")
    assert a.info.source == f"{folder / 'model-00001-of-00002.safetensors'} (transformers sharded)"
    assert a.location == b.location == folder


@pytest.mark.parametrize("n_mels, layout", [(128, "transformers"), (128, "ct2-int8")])
def test_128_mel_and_distil_shapes_analyse_end_to_end(write_layout, torch_threads, n_mels,
                                                      layout):
    """A large-v3-like (128 bands, 51866 tokens) or base-like model with distil-whisper's 2
    decoder layers runs the whole analysis on the sample: language detection, decoding,
    alignment, a window's attention recomputed. Random weights: the text is noise."""
    from importlib.resources import files

    from whisperscope.audio.loader import load_audio
    from whisperscope.audio.spectrogram import whisper_input_mel
    from whisperscope.engine.attention import recompute_window_attention
    from whisperscope.engine.run import run_to_completion
    from whisperscope.session.model import AnalysisSettings

    original = random_whisper(n_mels, 2, n_audio_ctx=1500, n_text_ctx=32)
    path, _ = write_layout(original, layout)
    loaded = load_model(path, "cpu")
    assert loaded.model.dims.n_mels == n_mels and loaded.model.dims.n_text_layer == 2
    audio = load_audio(str(files("whisperscope.resources") / "sample.flac"))
    display_mel = whisper_input_mel(audio.samples, 80)  # what the window shows and passes
    analysis = run_to_completion(audio, loaded, AnalysisSettings(temperatures=(0.0,)),
                                 mel=display_mel)
    assert analysis.windows and analysis.tokens
    window = analysis.windows[0]
    assert window.head_ids == loaded.alignment_heads
    every_head = recompute_window_attention(loaded, audio.samples, window, mel=display_mel)
    assert every_head.shape[:2] == (2, 4)
    for index, (layer, head) in enumerate(window.head_ids):
        np.testing.assert_allclose(every_head[layer, head], window.heads[index], atol=2e-3)


def test_int8_weights_are_dequantised_once(whisper_to_ct2, write_ct2, torch_threads):
    """The float32 copy made when dequantising is the one the model keeps: numpy allocates
    about the model's float32 size while loading, not twice that."""
    import tracemalloc

    original = random_whisper(80, 2, n_vocab=51865)
    variables = quantize_int8(whisper_to_ct2(original))
    path = write_ct2(variables, ALIAS)
    float_bytes = sum(v.numel() * 4 for v in original.state_dict().values())
    ct2 = read_ct2(path)
    tracemalloc.start()
    try:
        model = whisper_from_ct2(ct2, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.4 * float_bytes, (peak, float_bytes)
    embedding = model.decoder.token_embedding.weight
    assert embedding.dtype == torch.float32 and embedding.shape == (51865, 16)

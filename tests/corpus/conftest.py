"""A small real corpus (short TIMIT utterances read from ../shared/data), the CLI in a
subprocess, and single-file reference outputs to compare batch outputs with."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TIMIT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "timit-dev"
# three of the shortest utterances (1.7 to 2.0 s), to keep the runs short
UTTERANCES = {"a.wav": "dr5-mbgt0/si1341.wav", "b.wav": "dr7-madd0/si1295.wav",
              "spk/c.wav": "dr3-madc0/sx17.wav"}
# the reference and every batch run use one torch thread: torch's attention kernel gives
# results that differ in the 7th digit between thread counts (times and words do not)
THREADS = ("--threads", "1")


def whisperscope(*args, timeout=300, **kwargs):
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    return subprocess.run([sys.executable, "-m", "whisperscope", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env, **kwargs)


def without_elapsed(data: bytes) -> bytes:
    """A JSON export with its one wall-clock field blanked (it differs run to run)."""
    return re.sub(rb'\n "elapsed": [^,\n]+,', b'\n "elapsed": 0,', data)


@pytest.fixture(scope="session")
def good_corpus(tmp_path_factory) -> Path:
    """corpus/a.wav, b.wav, spk/c.wav: real speech, copied to a temporary folder."""
    if not TIMIT.is_dir():
        pytest.skip("../shared/data/timit-dev is not here")
    root = tmp_path_factory.mktemp("corpus") / "corpus"
    for name, source in UTTERANCES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TIMIT / source, root / name)
    return root


@pytest.fixture(scope="session")
def reference(good_corpus, tmp_path_factory) -> dict[str, bytes]:
    """Each file aligned alone by the single-file `align -o` (tiny.en, one thread),
    keyed by its path in the corpus with .json, elapsed blanked."""
    out = tmp_path_factory.mktemp("reference")
    outputs = {}
    for name in UTTERANCES:
        target = out / name.replace("/", "_")
        result = whisperscope("align", good_corpus / name, "--model", "tiny.en", *THREADS,
                              "-o", target.with_suffix(".json"), "-q")
        assert result.returncode == 0, result.stderr
        outputs[str(Path(name).with_suffix(".json"))] = without_elapsed(
            target.with_suffix(".json").read_bytes())
    return outputs


def outputs_in(out_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(out_dir).as_posix(): without_elapsed(p.read_bytes())
            for p in sorted(out_dir.rglob("*.json"))}

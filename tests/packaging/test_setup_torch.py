"""`scripts/setup` installs the torch that fits the machine, and says which: what
`WHISPERSCOPE_TORCH` names; PyPI's (CUDA) build with an NVIDIA GPU; without one the
CPU-only build from PyTorch's CPU index, or PyPI's where that index cannot be reached.
Checked with `--plan`, which decides and changes nothing."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "http://127.0.0.1:9/whl/cpu"  # the discard port: nothing answers


def plan(tmp_path: Path, gpu: bool, **env: str) -> list[str]:
    """`scripts/setup --plan`'s lines, with a stand-in nvidia-smi that finds a GPU or not."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    smi = bin_dir / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H100'\n" if gpu else "#!/bin/sh\nexit 9\n")
    smi.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WHISPERSCOPE_")}
    environment.update(env, PATH=f"{bin_dir}:{os.environ['PATH']}")
    result = subprocess.run([str(ROOT / "scripts" / "setup"), "--plan"], capture_output=True,
                            text=True, timeout=60, env=environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


@pytest.fixture
def cpu_index(tmp_path):
    """A wheel index that answers for torch (an empty listing), on this machine."""
    root = tmp_path / "index"
    (root / "whl" / "cpu" / "torch").mkdir(parents=True)
    (root / "whl" / "cpu" / "torch" / "index.html").write_text("<html></html>")
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/whl/cpu"
    server.shutdown()
    thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


no_gpu_here = pytest.mark.skipif(Path("/proc/driver/nvidia/version").exists(),
                                 reason="this machine has an NVIDIA driver")


@no_gpu_here
def test_without_a_gpu_the_cpu_index_is_used(tmp_path, cpu_index):
    lines = plan(tmp_path, gpu=False, WHISPERSCOPE_TORCH_INDEX=cpu_index)
    assert "CPU-only" in lines[0] and "no NVIDIA GPU" in lines[0]
    assert lines[-1] == f"setup: pip install torch --index-url {cpu_index}"


@no_gpu_here
def test_without_a_gpu_or_the_cpu_index_pypi_is_used_and_said(tmp_path):
    lines = plan(tmp_path, gpu=False, WHISPERSCOPE_TORCH_INDEX=UNREACHABLE)
    assert f"{UNREACHABLE} cannot be reached" in lines[0]
    assert lines[-1] == "setup: pip install torch"


def test_with_a_gpu_pypis_cuda_build_is_used(tmp_path, cpu_index):
    lines = plan(tmp_path, gpu=True, WHISPERSCOPE_TORCH_INDEX=cpu_index)
    assert "NVIDIA GPU" in lines[0] and "CUDA" in lines[0]
    assert lines[-1] == "setup: pip install torch"


@pytest.mark.parametrize("gpu", [False, True])
def test_whisperscope_torch_wins(tmp_path, cpu_index, gpu):
    lines = plan(tmp_path, gpu=gpu, WHISPERSCOPE_TORCH="torch==2.13.0",
                 WHISPERSCOPE_TORCH_INDEX=cpu_index)
    assert "WHISPERSCOPE_TORCH" in lines[0]
    assert lines[-1] == "setup: pip install torch==2.13.0"

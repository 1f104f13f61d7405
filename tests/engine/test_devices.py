"""Device choice: auto picks the best device here, unavailable devices say so."""

import pytest
import torch

from whisperscope.engine.models import load_model
from whisperscope.engine.models.devices import available_devices, resolve_device, uses_fp16
from whisperscope.errors import ModelError


def test_available_devices_reflect_torch():
    devices = available_devices()
    assert set(devices) == {"cpu", "cuda", "mps"}
    assert devices["cpu"] is True
    assert devices["cuda"] == torch.cuda.is_available()
    assert devices["mps"] == torch.backends.mps.is_available()


def test_auto_prefers_cuda_then_mps_then_cpu():
    devices = available_devices()
    expected = "cuda" if devices["cuda"] else "mps" if devices["mps"] else "cpu"
    assert resolve_device("auto") == expected
    assert resolve_device("") == expected


def test_cpu_is_always_there():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(" CPU ") == "cpu"


@pytest.mark.parametrize("device", ["cuda", "mps", "cuda:0"])
def test_explicit_unavailable_device_is_refused(device):
    if available_devices()[device.partition(":")[0]]:
        assert resolve_device(device) == device
        return
    with pytest.raises(ModelError) as info:
        resolve_device(device)
    assert repr(device) in str(info.value)
    assert "Usable here: cpu" in str(info.value)


def test_cuda_index_past_the_last_gpu():
    with pytest.raises(ModelError, match="cuda:99"):
        resolve_device("cuda:99")


def test_unknown_device():
    with pytest.raises(ModelError, match="auto, cpu, cuda, mps"):
        resolve_device("tpu")


def test_fp16_only_on_cuda():
    assert uses_fp16("cuda") and uses_fp16("cuda:1")
    assert not uses_fp16("cpu") and not uses_fp16("mps")


def test_load_model_checks_the_device_first():
    """An impossible device fails at once, before any weights are read."""
    missing = [name for name, ok in available_devices().items() if not ok]
    if not missing:
        pytest.skip("every device kind is available here")
    with pytest.raises(ModelError, match=repr(missing[0])):
        load_model("tiny.en", missing[0])

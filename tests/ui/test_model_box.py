"""The model box lists the models found on this machine, each with a tooltip that says its
size, languages and whether its alignment heads are known."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from .conftest import QT_LOG_IGNORE

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(*QT_LOG_IGNORE)]


def test_model_box_lists_the_hugging_face_cache(make_window, tmp_path, monkeypatch):
    hub = tmp_path / "hub"
    snapshot = hub / "models--me--whisper-mine" / "snapshots" / ("c" * 40)
    snapshot.mkdir(parents=True)
    (hub / "models--me--whisper-mine" / "refs").mkdir()
    (hub / "models--me--whisper-mine" / "refs" / "main").write_text("c" * 40)
    (snapshot / "config.json").write_text('{"model_type": "whisper", "vocab_size": 51864, '
                                          '"num_mel_bins": 80}')
    (snapshot / "model.safetensors").write_bytes(b"\0" * 2_000_000)
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    box = make_window().analysis_bar.model
    texts = [box.itemText(i) for i in range(box.count())]
    assert "me/whisper-mine" in texts
    assert texts[-1].startswith("Browse")
    tip = box.itemData(texts.index("me/whisper-mine"), Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("me/whisper-mine: Hugging Face cache, transformers, 2 MB")
    assert "English only" in tip and "alignment heads not known" in tip

"""Where a window's decoding stopped its text (`WindowAttention.text_end`): kept in the
session and the autosave, as re-aligning the window after an edit reads it
(engine/realign.py); older files without it load with None, hostile values are refused."""

from __future__ import annotations

import dataclasses
import json
import zipfile

import numpy as np
import pytest

from whisperscope.session.annotation import Annotation
from whisperscope.session.autosave import read_autosave, write_autosave
from whisperscope.session.checks import text_end_of
from whisperscope.session.exporters import npz
from whisperscope.session.store import SessionError, load_session, save_session


def _with_text_ends(analysis, audio_file, ends):
    audio, sha = audio_file
    windows = [dataclasses.replace(w, text_end=end) for w, end in zip(analysis.windows, ends,
                                                                        strict=True)]
    return dataclasses.replace(analysis, windows=windows, audio=dataclasses.replace(
        analysis.audio, path=str(audio), sha256=sha))


def _rewritten(path, out, change):
    """A copy of the session at `path` whose manifest `change` altered in place."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    return out


def test_text_ends_survive_a_session_and_an_autosave(analysis, audio_file, tmp_path):
    a = _with_text_ends(analysis, audio_file, [1300, None])
    path = save_session(a, tmp_path / "talk.wscope")
    loaded = load_session(path).analysis.windows
    assert [w.text_end for w in loaded] == [1300, None]
    assert all(w.text_end_known for w in loaded)
    autosaved = write_autosave(tmp_path / "talk.autosave", Annotation(a))
    assert [w.text_end for w in read_autosave(autosaved).annotation.analysis.windows] == [
        1300, None]
    meta = json.loads(str(np.load(npz.write(a, tmp_path / "attention.npz"))["meta"]))
    assert [w["text_end"] for w in meta["windows"]] == [1300, None]


def test_a_session_written_before_text_ends_were_kept_loads_without_them(
        analysis, audio_file, tmp_path):
    path = save_session(_with_text_ends(analysis, audio_file, [1300, 7]),
                        tmp_path / "talk.wscope")
    def drop_text_ends(manifest):
        for window in manifest["windows"]:
            del window["text_end"]

    older = _rewritten(path, tmp_path / "older.wscope", drop_text_ends)
    loaded = load_session(older).analysis.windows
    assert [(w.text_end, w.text_end_known) for w in loaded] == [(None, False), (None, False)]


@pytest.mark.parametrize("value", [-1, 1501, 2.5, "1300", True, [1]])
def test_a_text_end_outside_the_window_is_refused(value, analysis, audio_file, tmp_path):
    with pytest.raises(ValueError):
        text_end_of({"text_end": value})
    path = save_session(_with_text_ends(analysis, audio_file, [1300, None]),
                        tmp_path / "talk.wscope")
    def plant(manifest):
        manifest["windows"][0]["text_end"] = value

    hostile = _rewritten(path, tmp_path / "hostile.wscope", plant)
    with pytest.raises(SessionError):
        load_session(hostile)

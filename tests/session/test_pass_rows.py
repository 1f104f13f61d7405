"""The alignment pass's rows in the session: saved and loaded (and older files without them),
the NPZ export, and the figure drawn from them (`render --heads pass`)."""

from __future__ import annotations

import dataclasses
import json
import zipfile

import numpy as np
import pytest

from whisperscope.errors import WhisperScopeError
from whisperscope.session.exporters import npz
from whisperscope.session.render import alignment_image, pass_attention
from whisperscope.session.store import SessionError, load_session, save_session

PASS_HEADS = ((2, 4),)


def with_pass(analysis, windows=None):
    """Plant pass rows that peak at each token's end (the heads peak at its centre)."""
    out = []
    for w in analysis.windows:
        if windows is not None and w.index not in windows:
            out.append(w)
            continue
        rows = np.full((len(w.text_rows), w.n_frames), 1e-4, np.float32)
        for i, row in enumerate(w.text_rows):
            token = next(t for t in analysis.tokens if t.window == w.index and t.row == row)
            rows[i, min(w.n_frames - 1, round((token.end - w.start) / 0.02) - 1)] = 1.0
        rows /= rows.sum(axis=1, keepdims=True)
        out.append(dataclasses.replace(w, pass_rows=rows.astype(np.float16),
                                       pass_heads=PASS_HEADS))
    return dataclasses.replace(analysis, windows=out)


def saved(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    a = dataclasses.replace(analysis, audio=dataclasses.replace(
        analysis.audio, path=str(audio), sha256=sha))
    return a, save_session(a, tmp_path / "talk.wscope")


def test_pass_rows_survive_a_round_trip(analysis, audio_file, tmp_path):
    a, path = saved(with_pass(analysis, windows={0}), audio_file, tmp_path)
    loaded = load_session(path).analysis
    first, second = loaded.windows
    np.testing.assert_array_equal(first.pass_rows, a.windows[0].pass_rows)
    assert first.pass_rows.dtype == np.float16 and first.pass_heads == PASS_HEADS
    assert second.pass_rows is None and second.pass_heads == ()  # no pass for this one


def test_a_session_without_pass_rows_loads_without_them(analysis, audio_file, tmp_path):
    _, path = saved(analysis, audio_file, tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert not any(n.endswith("_pass.npy") for n in names)
    assert all("pass" not in w for w in manifest["windows"])  # as older files are
    assert all(w.pass_rows is None for w in load_session(path).analysis.windows)


def test_pass_rows_of_the_wrong_shape_are_a_damaged_session(analysis, audio_file, tmp_path):
    a = with_pass(analysis, windows={0})
    w0 = a.windows[0]
    a.windows[0] = dataclasses.replace(w0, pass_rows=w0.pass_rows[:-1])
    _, path = saved(a, audio_file, tmp_path)
    with pytest.raises(SessionError, match="alignment pass rows"):
        load_session(path)


def test_npz_holds_the_pass_rows(analysis, tmp_path):
    a = with_pass(analysis, windows={1})
    data = np.load(npz.write(a, tmp_path / "attention.npz"))
    np.testing.assert_array_equal(data[npz.window_key(1, "pass_rows")], a.windows[1].pass_rows)
    assert data[npz.window_key(1, "pass_head_ids")].tolist() == [[2, 4]]
    assert npz.window_key(0, "pass_rows") not in data
    meta = json.loads(str(data["meta"]))
    assert [w["pass_heads"] for w in meta["windows"]] == [[], [[2, 4]]]


def test_the_figure_draws_the_pass_rows_where_they_peak(analysis):
    a = with_pass(analysis)
    attention, label = pass_attention(a)
    assert "alignment pass" in label and "L2 H4" in label
    image = alignment_image(a, attention)
    peaks = image.column_times()[image.raw_mass.argmax(axis=1)]
    ends = np.array([t.end for t in a.tokens])
    assert np.abs(peaks - (ends - 0.01)).max() < 0.03  # at the end, not the centre
    default = alignment_image(a)
    assert not np.allclose(default.matrix, image.matrix)


def test_drawing_the_pass_without_one_is_a_clear_error(analysis, empty_analysis):
    with pytest.raises(WhisperScopeError, match="no window was timed by an alignment pass"):
        pass_attention(analysis)
    attention, _ = pass_attention(empty_analysis)  # nothing decoded: nothing to miss
    assert all(a is None for a in attention)


def test_pass_and_a_layer_head_together_is_a_user_error(capsys, tmp_path):
    from whisperscope.cli import main

    assert main(["render", str(tmp_path / "a.wav"), "--heads", "pass", "--layer", "2",
                 "--head", "1"]) == 2
    assert "give one of them" in capsys.readouterr().err

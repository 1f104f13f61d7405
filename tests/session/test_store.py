"""Sessions: save then load gives the same analysis; moved or changed audio is reported."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

from whisperscope.session.store import (
    FORMAT_VERSION,
    MANIFEST,
    SessionAudioMissing,
    SessionError,
    load_session,
    relink_audio,
    save_session,
)


def with_audio(analysis, path, sha):
    return dataclasses.replace(analysis, audio=dataclasses.replace(
        analysis.audio, path=str(path), sha256=sha))


def assert_same_analysis(a, b):
    assert b.audio == a.audio and b.model == a.model and b.settings == a.settings
    assert b.language == a.language and b.elapsed == a.elapsed and b.text == a.text
    assert b.segments == a.segments  # frozen dataclasses: exact floats, texts, indices
    assert b.words == a.words
    assert b.tokens == a.tokens
    assert len(b.windows) == len(a.windows)
    for x, y in zip(a.windows, b.windows, strict=True):
        assert (x.index, x.start, x.n_frames, x.token_texts, x.head_ids) == (
            y.index, y.start, y.n_frames, y.token_texts, y.head_ids)
        for name in ("token_ids", "text_rows", "prompt_ids"):
            np.testing.assert_array_equal(getattr(x, name), getattr(y, name))
        assert y.heads.dtype == x.heads.dtype and y.heads.shape == x.heads.shape
        np.testing.assert_array_equal(x.heads, y.heads)


@pytest.mark.parametrize("which", ["analysis", "odd_analysis", "empty_analysis",
                                   "long_analysis"])
def test_save_load_identical(request, which, audio_file, tmp_path):
    audio, sha = audio_file
    a = with_audio(request.getfixturevalue(which), audio, sha)
    path = save_session(a, tmp_path / "talk.wscope", extra={"view": [1.5, 9.0]})
    session = load_session(path)
    assert_same_analysis(a, session.analysis)
    assert session.extra == {"view": [1.5, 9.0]}
    assert session.path == path and session.saved_by


def test_session_is_plain_zip_with_json_manifest(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    path = save_session(with_audio(analysis, audio, sha), tmp_path / "s.wscope")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        assert manifest["version"] == FORMAT_VERSION
        assert manifest["audio"]["sha256"] == sha
        assert manifest["audio"]["relative"] == os.path.join("audio", "speech.wav")
        names = archive.namelist()
    assert sum(n.startswith("attention/") for n in names) == len(analysis.windows)


def test_loading_does_not_import_torch_or_whisper(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    path = save_session(with_audio(analysis, audio, sha), tmp_path / "s.wscope")
    code = textwrap.dedent(f"""
        import sys
        from whisperscope.session.store import load_session
        load_session({str(path)!r})
        heavy = sorted(m for m in ("torch", "whisper") if m in sys.modules)
        print(",".join(heavy))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == ""


def test_sha256_computed_when_missing(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    path = save_session(with_audio(analysis, audio, ""), tmp_path / "s.wscope")
    assert load_session(path).analysis.audio.sha256 == sha


def test_moved_audio_is_reported_then_relinked(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    path = save_session(with_audio(analysis, audio, sha), tmp_path / "s.wscope")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    moved = elsewhere / "renamed.wav"
    shutil.move(audio, moved)

    with pytest.raises(SessionAudioMissing) as caught:
        load_session(path)
    missing = caught.value
    assert missing.reason == "missing" and missing.expected_path == audio
    assert "missing" in str(missing) and str(audio) in str(missing)
    assert_same_analysis(with_audio(analysis, audio, sha), missing.session.analysis)

    session = relink_audio(missing.session, moved)
    assert session.audio_path == moved and session.analysis.audio.sha256 == sha
    assert session.analysis.tokens == analysis.tokens


def test_relink_refuses_a_different_recording(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    path = save_session(with_audio(analysis, audio, sha), tmp_path / "s.wscope")
    session = load_session(path)
    other = tmp_path / "other.wav"
    other.write_bytes(audio.read_bytes() + b"\0")
    with pytest.raises(SessionAudioMissing, match="not the recording") as caught:
        relink_audio(session, other)
    assert caught.value.reason == "changed" and caught.value.found_path == other
    accepted = relink_audio(session, other, accept_different=True)
    assert accepted.audio_path == other and accepted.analysis.audio.sha256 != sha
    with pytest.raises(SessionAudioMissing) as caught:
        relink_audio(session, tmp_path / "nothing.wav")
    assert caught.value.reason == "missing"


def test_changed_audio_is_reported(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    path = save_session(with_audio(analysis, audio, sha), tmp_path / "s.wscope")
    audio.write_bytes(audio.read_bytes()[:-100])  # same place, other contents
    with pytest.raises(SessionAudioMissing) as caught:
        load_session(path)
    assert caught.value.reason == "changed"
    assert load_session(path, check_audio=False).analysis.tokens == analysis.tokens


def test_touched_but_identical_audio_is_fine(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    path = save_session(with_audio(analysis, audio, sha), tmp_path / "s.wscope")
    os.utime(audio, ns=(1, 1))  # mtime differs: the checksum decides
    assert load_session(path).audio_path == audio


def test_folder_moved_together_relinks_silently(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    project = tmp_path / "project"
    project.mkdir()
    shutil.move(audio.parent, project / "audio")
    save_session(with_audio(analysis, project / "audio" / "speech.wav", sha),
                 project / "s.wscope")
    shutil.move(project, tmp_path / "moved_project")
    session = load_session(tmp_path / "moved_project" / "s.wscope")
    assert session.audio_path == tmp_path / "moved_project" / "audio" / "speech.wav"


def test_not_a_session(tmp_path):
    junk = tmp_path / "junk.wscope"
    junk.write_text("hello")
    with pytest.raises(SessionError, match="not a readable WhisperScope session"):
        load_session(junk)
    with zipfile.ZipFile(tmp_path / "other.wscope", "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(SessionError, match="no manifest"):
        load_session(tmp_path / "other.wscope")
    with pytest.raises(SessionError, match="no such session file"):
        load_session(tmp_path / "absent.wscope")


def test_newer_version_is_refused_with_a_clear_message(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    path = save_session(with_audio(analysis, audio, sha), tmp_path / "s.wscope")
    newer = tmp_path / "newer.wscope"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(newer, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == MANIFEST:
                manifest = json.loads(data)
                manifest["version"] = FORMAT_VERSION + 1
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    with pytest.raises(SessionError, match="newer WhisperScope.*please update"):
        load_session(newer)


def test_failed_save_keeps_the_old_session(analysis, audio_file, tmp_path):
    audio, sha = audio_file
    a = with_audio(analysis, audio, sha)
    path = save_session(a, tmp_path / "s.wscope")
    before = path.read_bytes()
    unsaveable = dataclasses.replace(a.windows[1], heads=np.array([None, {}], dtype=object))
    broken = dataclasses.replace(a, windows=[a.windows[0], unsaveable])  # fails mid-archive
    with pytest.raises(TypeError):
        save_session(broken, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_attention_read_from_a_file_is_saved_whole_and_loads_into_one(analysis, audio_file,
                                                                      tmp_path):
    """The window keeps received attention in a temporary file (attention_store): a save
    writes all of it, with the pass rows, and a loaded session's goes to a file too."""
    from whisperscope.session.attention_store import AttentionStore, is_mapped

    audio, sha = audio_file
    a = with_audio(analysis, audio, sha)
    rng = np.random.default_rng(11)
    originals = []
    with AttentionStore(str(tmp_path)) as store:
        for w in a.windows:
            pass_rows = rng.random((len(w.text_rows), w.n_frames)).astype(np.float16)
            originals.append((w.heads.copy(), pass_rows))
            w.heads, w.pass_rows = store.keep(w.heads), store.keep(pass_rows)
            w.pass_heads = ((1, 0),)
    assert all(is_mapped(w.heads) for w in a.windows)
    loaded = load_session(save_session(a, tmp_path / "talk.wscope")).analysis
    assert_same_analysis(a, loaded)
    for w, (heads, pass_rows) in zip(loaded.windows, originals, strict=True):
        assert is_mapped(w.heads) and is_mapped(w.pass_rows)
        np.testing.assert_array_equal(w.heads, heads)
        np.testing.assert_array_equal(w.pass_rows, pass_rows)

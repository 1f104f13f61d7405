"""Finding a corpus's recordings and mirroring them under the output folder (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from whisperscope.corpus.discovery import find_sources, output_paths, transcript_for
from whisperscope.errors import WhisperScopeError


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    for name in ("b.wav", "a.flac", "spk1/c.mp4", "spk1/deep/d.WAV", "notes.txt",
                 ".hidden.wav", ".git/e.wav", "spk1/d.lab"):
        touch(root / name)
    return root


def test_a_folder_is_searched_recursively_for_audio_and_video_only(corpus, tmp_path):
    sources = find_sources([corpus])
    assert [s.path.relative_to(corpus).as_posix() for s in sources] == [
        "a.flac", "b.wav", "spk1/c.mp4", "spk1/deep/d.WAV"]
    outputs = output_paths(sources, tmp_path / "out", ".json")
    assert [o.relative_to(tmp_path / "out").as_posix() for o in outputs] == [
        "a.json", "b.json", "spk1/c.json", "spk1/deep/d.json"]


def test_a_file_mirrors_from_its_own_folder_and_each_input_is_listed_once(corpus, tmp_path):
    sources = find_sources([corpus / "spk1" / "c.mp4", corpus / "b.wav", corpus / "b.wav"])
    assert [s.path.name for s in sources] == ["c.mp4", "b.wav"]
    outputs = output_paths(sources, tmp_path / "out", ".TextGrid")
    assert [o.name for o in outputs] == ["c.TextGrid", "b.TextGrid"]
    assert all(o.parent == tmp_path / "out" for o in outputs)


def test_a_list_is_relative_to_its_folder_and_mirrors_from_the_deepest_common_folder(
        corpus, tmp_path):
    listing = touch(corpus / "list.txt",
                    "# two speakers\nspk1/c.mp4\n\n  spk1/deep/d.WAV  \n" + str(corpus / "b.wav")
                    + "\nspk1/gone.wav\n")
    sources = find_sources([f"@{listing}"])
    assert [s.path for s in sources] == [corpus / "spk1/c.mp4", corpus / "spk1/deep/d.WAV",
                                         corpus / "b.wav", corpus / "spk1/gone.wav"]
    assert {s.root for s in sources} == {corpus}
    # a listed file that is missing stays in: it fails on its own when its turn comes
    outputs = output_paths(sources, tmp_path / "out", ".json")
    assert outputs[-1] == tmp_path / "out" / "spk1" / "gone.json"


def test_a_list_of_one_speaker_mirrors_from_that_speakers_folder(corpus, tmp_path):
    listing = touch(tmp_path / "elsewhere" / "list.txt",
                    f"{corpus}/spk1/c.mp4\n{corpus}/spk1/deep\n")
    sources = find_sources([f"@{listing}"])
    outputs = output_paths(sources, tmp_path / "out", ".json")
    assert [o.relative_to(tmp_path / "out").as_posix() for o in outputs] == [
        "c.json", "deep/d.json"]


def test_a_missing_input_or_list_is_a_usage_error(tmp_path):
    with pytest.raises(WhisperScopeError, match="input not found"):
        find_sources([tmp_path / "nowhere"])
    with pytest.raises(WhisperScopeError, match="cannot read the list"):
        find_sources([f"@{tmp_path / 'no-list.txt'}"])


def test_two_recordings_that_would_write_one_output_are_refused(tmp_path):
    touch(tmp_path / "c" / "x.wav")
    touch(tmp_path / "c" / "x.flac")
    with pytest.raises(WhisperScopeError, match="would both be written to .*x.json"):
        output_paths(find_sources([tmp_path / "c"]), tmp_path / "out", ".json")
    touch(tmp_path / "d1" / "y.wav")
    touch(tmp_path / "d2" / "y.wav")
    with pytest.raises(WhisperScopeError, match="y.json"):
        output_paths(find_sources([tmp_path / "d1", tmp_path / "d2"]), tmp_path / "o", ".json")


def test_the_transcript_beside_a_recording_prefers_lab_then_txt(corpus):
    assert transcript_for(corpus / "spk1" / "d.wav") == corpus / "spk1" / "d.lab"
    touch(corpus / "b.txt")
    assert transcript_for(corpus / "b.wav") == corpus / "b.txt"
    touch(corpus / "b.lab")
    assert transcript_for(corpus / "b.wav") == corpus / "b.lab"
    assert transcript_for(corpus / "a.flac") is None

"""The engine in its own process, with the real tiny.en on the bundled sample: the same
events as in-process, each window's attention sent once, cancel, a clean pipe after an
abandoned analysis, recomputing alongside, and an error that names the model."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files

import numpy as np
import pytest

from whisperscope.audio.loader import load_audio
from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.events import AnalysisStarted, Failed, Finished, TokenDecoded, WindowDone
from whisperscope.engine.process import EngineProcess
from whisperscope.errors import ModelError
from whisperscope.session.attention_store import is_mapped
from whisperscope.session.model import AnalysisSettings

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def engine(tiny_en_dir):
    process = EngineProcess(threads=1)
    audio = load_audio(files("whisperscope.resources") / "sample.flac")
    mel = process.spectrogram(audio, 80)
    process.load_model("tiny.en", "cpu")
    yield process, audio, mel
    process.close()
    assert not process.process.is_alive()


def test_events_and_the_analysis_come_back(engine, tiny_en):
    process, audio, mel = engine
    assert mel.shape == (80, len(audio.samples) // 160 + 3000) and mel.dtype == np.float32
    events = list(process.analyze(AnalysisSettings(), CancelToken()))
    assert isinstance(events[-1], Finished)
    analysis = events[-1].analysis
    assert "children" in analysis.text.lower()
    done = [e for e in events if isinstance(e, WindowDone)]
    # sent once: the Analysis holds the very objects its WindowDone events brought
    assert [w for w in analysis.windows] and all(
        a is d.attention for a, d in zip(analysis.windows, done, strict=True))
    # held in a temporary file, not in this process's memory
    assert all(is_mapped(w.heads) for w in analysis.windows)
    from whisperscope.engine.analyzer import analyze  # the same text as in-process

    local = [e for e in analyze(audio, tiny_en) if isinstance(e, Finished)][0].analysis
    assert local.text == analysis.text


def test_cancel_and_an_abandoned_analysis_leave_the_pipe_clean(engine):
    process, _, _ = engine
    cancel = CancelToken()
    events = process.analyze(AnalysisSettings(), cancel)
    first = next(e for e in events if isinstance(e, TokenDecoded))
    assert first.row == 0
    cancel.cancel()
    rest = list(events)
    assert not any(isinstance(e, Finished) for e in rest)
    assert isinstance(rest[-1], Failed) and rest[-1].kind == "cancelled"

    abandoned = process.analyze(AnalysisSettings(), CancelToken())
    next(e for e in abandoned if isinstance(e, TokenDecoded))
    abandoned.close()  # a retired worker: the rest is read and dropped
    again = list(process.analyze(AnalysisSettings(), CancelToken()))
    assert isinstance(again[0], AnalysisStarted) and isinstance(again[-1], Finished)


def test_a_parent_gone_mid_analysis_ends_the_child_quietly(tiny_en_dir, capfd):
    """The window closed while events were still being sent: the child's next send finds
    the pipe broken and the child ends, exit code 0, with no traceback on the terminal."""
    process = EngineProcess(threads=1)
    try:
        process.spectrogram(load_audio(files("whisperscope.resources") / "sample.flac"), 80)
        process.load_model("tiny.en", "cpu")
        events = process.analyze(AnalysisSettings(), CancelToken())
        next(e for e in events if isinstance(e, TokenDecoded))
        for conn in (process._analysis, process._recompute):  # gone, without a cancel
            conn.close()
        process.process.join(30)
        assert process.process.exitcode == 0
    finally:
        if process.process.is_alive():
            process.process.terminate()
    assert "Traceback" not in capfd.readouterr().err


def test_recompute_runs_beside_the_analysis(engine):
    process, _, _ = engine
    analysis = list(process.analyze(AnalysisSettings(), CancelToken()))[-1].analysis
    window = analysis.windows[0]
    events = process.analyze(AnalysisSettings(), CancelToken())
    next(events)
    full = process.recompute(window, "tiny.en", "cpu")  # while the second analysis runs
    assert full.shape[2:] == window.heads.shape[1:] and full.dtype == np.float16
    assert is_mapped(full)
    assert isinstance(list(events)[-1], Finished)


def test_the_spectrogram_pyramid_is_built_there_as_it_would_be_here(engine):
    """The window's process gets the 8-bit images the child built from its mel, the
    very ones this process would build from the same mel (the padding left out)."""
    from dataclasses import replace

    from whisperscope.audio.spectrogram import whisper_input_mel
    from whisperscope.audio.spectrogram_pyramid import SpectrogramPyramid

    process, audio, mel = engine
    longer = replace(audio, samples=np.tile(audio.samples, 3))  # 57 s: two levels
    remote = process.spectrogram_pyramid(longer, 80)
    local = SpectrogramPyramid(whisper_input_mel(longer.samples, 80)[:, : len(longer.samples)
                                                                       // 160])
    assert len(local.images) == 2
    assert (remote.n_mels, remote.n_frames, remote.levels, remote.factors) == (
        local.n_mels, local.n_frames, local.levels, local.factors)
    for there, here in zip(remote.images, local.images, strict=True):
        assert there.dtype == np.uint8
        np.testing.assert_array_equal(there, here)
    np.testing.assert_array_equal(remote.view(2.0, 50.0, 300)[0], local.view(2.0, 50.0, 300)[0])
    # the child keeps the mel it analyses with; the other tests' recording goes back
    np.testing.assert_array_equal(process.spectrogram(audio, 80), mel)


def test_a_missing_model_is_a_model_error(engine):
    process, _, _ = engine
    with pytest.raises(ModelError):
        process.load_model("no-such-model.pt", "cpu")


def test_the_parent_never_imports_torch(tiny_en_dir):
    code = ("import sys\n"
            "from whisperscope.engine.process import EngineProcess\n"
            "if __name__ == '__main__':\n"
            "    p = EngineProcess(threads=1)\n"
            "    print(sorted(p.available_devices().items()))\n"
            "    p.close()\n"
            "    print([m for m in ('torch', 'whisper', 'numba') if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    lines = out.stdout.strip().splitlines()
    assert "('cpu', True)" in lines[0]
    assert lines[-1] == "[]"


def test_the_child_lets_the_samples_go_and_reads_them_again_for_other_bands(tmp_path):
    """After the spectrogram the child keeps the mel, not the samples (230 MB an hour): a
    model that reads 128 bands gets them read again from the file, which must not have
    changed since it was opened."""
    import shutil

    import soundfile as sf

    from whisperscope.audio.spectrogram import whisper_input_mel
    from whisperscope.errors import AudioError

    path = tmp_path / "speech.flac"
    shutil.copy(files("whisperscope.resources") / "sample.flac", path)
    audio = load_audio(path)
    process = EngineProcess(threads=1)
    try:
        mel80 = process.spectrogram(audio, 80)
        np.testing.assert_array_equal(mel80, whisper_input_mel(audio.samples, 80))
        mel128 = process.mel(128)
        np.testing.assert_array_equal(mel128, whisper_input_mel(audio.samples, 128))
        sf.write(path, audio.samples[::-1], 16000)  # another recording under the same name
        with pytest.raises(AudioError, match="changed on disk"):
            process.mel(80)
    finally:
        process.close()


def test_a_window_is_realigned_in_the_child_as_it_would_be_here(engine, tiny_en):
    """Editing a word re-aligns its window where the model is: the child's records are the
    ones the same request gives in this process, and splicing them in needs no torch."""
    from whisperscope.engine.realign import realign_records
    from whisperscope.engine.window_splice import realign_request, splice_done, window_words

    process, audio, mel = engine
    analysis = list(process.analyze(AnalysisSettings(), CancelToken()))[-1].analysis
    words = [analysis.words[i].text for i in window_words(analysis, 0)]
    words[1] = " Giraffes"
    request = realign_request(analysis, 0, words)
    there = process.realign(request, "cpu")
    here = realign_records(request, audio.samples, tiny_en, mel=mel)
    assert [(w.text, w.start, w.end) for w in there.words] == [
        (w.text, w.start, w.end) for w in here.words]
    spliced = splice_done(analysis, there)
    assert spliced.words[1].text == " Giraffes"
    assert [w.text for w in spliced.words[len(words):]] == [
        w.text for w in analysis.words[len(words):]]


def test_splicing_and_the_word_list_import_no_torch():
    code = ("import sys\n"
            "import whisperscope.engine.window_splice, whisperscope.ui.transcript_align\n"
            "print([m for m in ('torch', 'whisper', 'numba') if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "[]"

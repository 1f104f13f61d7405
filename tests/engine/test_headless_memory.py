"""Headless runs let the samples go once the log-mel is computed (issue 15: memory
proportional to what is kept), and time exactly as before."""

from importlib.resources import files

import numpy as np

from whisperscope.audio.loader import load_audio
from whisperscope.audio.spectrogram import whisper_input_mel


def test_reuse_is_taken_without_samples_and_checked_with_them():
    mel = np.ones((80, 3500), np.float32)
    assert whisper_input_mel(np.zeros(0, np.float32), 80, reuse=mel) is mel
    samples = np.zeros(160 * 10, np.float32)  # 10 frames + 3000 of padding, not 3500
    recomputed = whisper_input_mel(samples, 80, reuse=mel)
    assert recomputed is not mel and recomputed.shape == (80, 3010)
    assert whisper_input_mel(samples, 80, reuse=np.ones((80, 3010), np.float32)).shape == (
        80, 3010)
    # a mel of the wrong band count is never reused, samples or not
    assert whisper_input_mel(samples, 128, reuse=np.ones((80, 3010), np.float32)).shape == (
        128, 3010)


def test_without_samples_keeps_what_the_analysis_reports():
    audio = load_audio(files("whisperscope.resources") / "sample.flac")
    light = audio.without_samples()
    assert light.samples.size == 0 and light.original.shape == (0, audio.channels)
    assert light.info() == audio.info()
    assert audio.samples.size > 0  # the original is untouched


def test_a_released_run_times_the_same_words(tiny_en):
    from whisperscope.engine.run import mel_and_release, run_to_completion

    audio = load_audio(files("whisperscope.resources") / "sample.flac")
    plain = run_to_completion(audio, tiny_en)
    mel, light = mel_and_release(audio, tiny_en)
    released = run_to_completion(light, tiny_en, mel=mel)
    assert light.samples.size == 0
    assert [(w.text, w.start, w.end) for w in released.words] == [
        (w.text, w.start, w.end) for w in plain.words]
    assert released.audio == plain.audio

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


def test_kept_attention_is_the_full_attentions_cut(small_whisper):
    """`keep_attention` cuts each layer as it is made: the same numbers as cutting after."""
    import torch

    from whisperscope.engine.decoding.decoder import CachedDecoder

    features = torch.randn(1, 8, 16)
    tokens = torch.tensor([[1, 5, 7, 9, 11, 3]])
    full = CachedDecoder(small_whisper, features).step(tokens)
    kept = CachedDecoder(small_whisper, features).step(
        tokens, logit_rows=[2, 3, 4], keep_attention=(slice(2, 5), 6))
    assert kept.cross_attention.shape == (3, 1, 4, 3, 6)
    torch.testing.assert_close(kept.cross_attention, full.cross_attention[:, :, :, 2:5, :6])
    torch.testing.assert_close(kept.logits, full.logits[:, 2:5])


def test_chunked_target_logprobs_equal_log_softmax():
    import torch

    from whisperscope.engine.timing.forced_pass import _target_logprobs

    torch.manual_seed(1)
    logits = torch.randn(70, 500) * 5
    targets = torch.randint(0, 500, (70,))
    want = torch.log_softmax(logits, dim=-1)[torch.arange(70), targets].numpy()
    np.testing.assert_allclose(_target_logprobs(logits, targets, rows=32), want, rtol=1e-5,
                               atol=1e-5)


def test_a_run_for_a_text_format_keeps_no_attention_and_writes_the_same(tiny_en):
    """`align` to a text format reads no attention: the run keeps none (an hour of base's
    is ~300 MB), and every text format comes out byte for byte as with it kept. The events
    carry it all the same (the engine's process keeps none and sends them)."""
    from whisperscope.engine.run import run_to_completion
    from whisperscope.session import exporters

    audio = load_audio(files("whisperscope.resources") / "sample.flac")
    from whisperscope.engine.events import WindowDone

    kept = run_to_completion(audio, tiny_en)
    done = []
    light = run_to_completion(audio, tiny_en, keep_attention=False, on_event=lambda e: (
        done.append(e) if isinstance(e, WindowDone) else None))
    assert all(w.heads.shape[-1] > 0 for w in kept.windows)
    assert all(w.heads.nbytes == 0 and w.pass_rows is None for w in light.windows)
    # the events still carry each window's arrays (the engine's process sends them on)
    for event, window in zip(done, kept.windows, strict=True):
        np.testing.assert_array_equal(event.attention.heads, window.heads)
        np.testing.assert_array_equal(event.attention.pass_rows, window.pass_rows)
    assert [len(w.token_ids) for w in light.windows] == [len(w.token_ids) for w in kept.windows]
    light.elapsed = kept.elapsed
    for fmt in exporters.TEXT_FORMATS:
        assert exporters.to_text(light, fmt) == exporters.to_text(kept, fmt), fmt
    assert exporters.reads_attention("npz") and not exporters.reads_attention("srt")

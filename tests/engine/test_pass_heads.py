"""The alignment pass keeps only the heads it is asked for (issue 15: memory proportional to
what is kept), and picks the same head with the same weights as keeping every head would.
Real tiny.en on the bundled sample's first window."""

from importlib.resources import files

import numpy as np
import pytest
import torch
from whisper.tokenizer import get_tokenizer

from whisperscope.audio.loader import load_audio
from whisperscope.audio.spectrogram import whisper_input_mel
from whisperscope.engine.decoding.decoder import CachedDecoder
from whisperscope.engine.timing.forced_pass import HeadRequest, run_alignment_pass
from whisperscope.engine.timing.heads import best_aligned_head
from whisperscope.engine.timing.spelling import spell
from whisperscope.engine.timing.voicing import encoder_frames, mel_level_db, voiced_frames
from whisperscope.units import WINDOW_MEL_FRAMES

WORDS = (" Gas", " is", " colorless,", " odorless", " and", " tasteless;", " it", " is",
         " lighter", " than", " air", " and", " easily", " mixed", " with", " the", " oxygen",
         " of", " the", " atmosphere", " to", " make", " an", " explosive", " mixture.")


@pytest.fixture(scope="module")
def window(tiny_en):
    model = tiny_en.model
    audio = load_audio(files("whisperscope.resources") / "sample.flac")
    mel = whisper_input_mel(audio.samples, model.dims.n_mels)
    segment = torch.from_numpy(mel[:, :WINDOW_MEL_FRAMES])[None]
    with torch.no_grad():
        features = model.encoder(segment)
    voiced = encoder_frames(voiced_frames(mel_level_db(mel[:, :WINDOW_MEL_FRAMES]), 45.0))
    tokenizer = get_tokenizer(False, language="en", task="transcribe")
    return CachedDecoder(model, features), tokenizer, voiced


def every_head(decoder) -> tuple[tuple[int, int], ...]:
    return tuple((layer, head) for layer in range(len(decoder.blocks))
                 for head in range(decoder.n_head))


@pytest.mark.parametrize("n_ctx", [None, 120], ids=["one chunk", "several chunks"])
def test_the_chosen_head_is_the_one_all_heads_would_give(window, n_ctx):
    decoder, tokenizer, voiced = window
    units = spell(tokenizer, WORDS)
    n_frames = 1400
    if n_ctx is not None:
        decoder.n_ctx = n_ctx  # a small context splits the window into chunks of words
    try:
        full = run_alignment_pass(decoder, tokenizer, units, n_frames,
                                  HeadRequest(keep=every_head(decoder)), logprobs=False)
        picked = run_alignment_pass(decoder, tokenizer, units, n_frames,
                                    HeadRequest(choose=True, voiced=voiced), logprobs=False)
    finally:
        decoder.n_ctx = decoder.model.dims.n_text_ctx
    all_heads = full.weights.reshape(len(decoder.blocks), decoder.n_head,
                                     *full.weights.shape[1:])
    best = best_aligned_head(all_heads, voiced[:n_frames])
    assert picked.chosen == best and picked.heads == (best,)
    assert picked.weights.shape == (1, len(units) + 1, n_frames)
    np.testing.assert_array_equal(picked.head(*best), full.head(*best))


def test_kept_heads_are_the_asked_ones_with_their_logprobs(window):
    decoder, tokenizer, _ = window
    units = spell(tokenizer, WORDS, "pieces")
    wanted = ((2, 1), (3, 0))
    kept = run_alignment_pass(decoder, tokenizer, units, 1400, HeadRequest(keep=wanted))
    full = run_alignment_pass(decoder, tokenizer, units, 1400,
                              HeadRequest(keep=every_head(decoder)))
    assert kept.heads == wanted and kept.chosen is None
    for head in wanted:
        np.testing.assert_array_equal(kept.head(*head), full.head(*head))
    # the logits do not depend on which layers were captured
    np.testing.assert_allclose(kept.logprobs, full.logprobs, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError):
        kept.head(0, 0)

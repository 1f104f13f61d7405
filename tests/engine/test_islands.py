"""Timing island by island (engine/timing/islands.py): the islands, the first division of
the words, the tried divisions, the decoder hearing only one island, and the pass stamped
at each pause."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
from whisper.tokenizer import get_tokenizer

from whisperscope.engine.decoding.decoder import CachedDecoder
from whisperscope.engine.timing.forced_pass import (
    AlignmentPass,
    HeadRequest,
    _stamped_feed,
    run_alignment_pass,
    run_stamped_pass,
)
from whisperscope.engine.timing.islands import (
    LONG_PAUSE_FRAMES,
    Island,
    candidates,
    first_division,
    held_limits,
    speech_islands,
)
from whisperscope.engine.timing.spelling import spell


def _voiced(n: int, *stretches: tuple[int, int]) -> np.ndarray:
    voiced = np.zeros(n, bool)
    for lo, hi in stretches:
        voiced[lo:hi] = True
    return voiced


def test_a_long_silence_splits_the_sound_into_islands_and_a_short_one_does_not():
    voiced = _voiced(900, (10, 100), (130, 200), (200 + LONG_PAUSE_FRAMES + 1, 400),
                     (800, 850))
    islands = speech_islands(voiced, margin=10)
    assert [i.sound for i in islands] == [(10, 200), (251, 400), (800, 850)]
    # each pass hears its sound and up to the margin of the silence, never past half a pause
    assert [i.span for i in islands] == [(0, 210), (241, 410), (790, 860)]
    assert speech_islands(_voiced(100)) == []
    assert len(speech_islands(_voiced(300, (0, 100), (100 + LONG_PAUSE_FRAMES - 1, 300)))) == 1
    assert len(speech_islands(_voiced(300, (0, 100), (100 + LONG_PAUSE_FRAMES, 300)))) == 2


def test_the_margin_never_reaches_past_half_the_pause():
    voiced = _voiced(200, (0, 50), (50 + LONG_PAUSE_FRAMES + 2, 150))
    left, right = speech_islands(voiced, long_pause=LONG_PAUSE_FRAMES, margin=40)
    assert left.span[1] <= (left.sound[1] + right.sound[0]) / 2 <= right.span[0]


def test_the_first_division_counts_the_words_before_each_pause():
    islands = [Island((0, 100), (0, 110)), Island((300, 400), (290, 410)),
               Island((600, 700), (590, 710))]
    spans = [(0, 40), (40, 95), (-1, -1), (99, 101), (300, 350), (350, 400), (600, 700)]
    # the punctuation-only word follows the word before it; "(99, 101)" is before the pause
    assert first_division(spans, islands) == [4, 6]
    # a word glued to the end of the first island counts as before the pause: that is the
    # division the judgement then tries either side of
    assert first_division([(0, 90), (90, 91), (300, 400)], islands[:2]) == [2]


def test_the_divisions_tried_stay_between_the_neighbouring_ones():
    assert list(candidates(5, 0, 20, reach=2)) == [3, 4, 5, 6, 7]
    assert list(candidates(1, 0, 20, reach=2)) == [0, 1, 2, 3]
    assert list(candidates(5, 4, 6, reach=2)) == [4, 5, 6]


def test_anchors_keep_their_words_on_their_side_of_a_pause():
    """Two islands apart at frame 200 (the pause's middle); five words of two units each.
    Word 1 is anchored after the pause (its rows may start at 260 at the earliest), word 3
    before it is free: the words before the pause are at most 1. An anchor before the
    pause (word 0 ending by 90) says at least 1."""
    from whisperscope.engine.timing.anchors import Anchor, anchor_band
    from whisperscope.engine.timing.island_division import divide_words

    islands = [Island((0, 150), (0, 160)), Island((250, 400), (240, 410))]
    word_of_unit = [-1, 0, 0, -1, 1, 1, -1, 2, 2, -1, 3, 3, -1, 4, 4]
    n_frames = 500
    assert held_limits(None, word_of_unit, 5, islands) == [(0, 5)]
    after = anchor_band(word_of_unit, [None, Anchor(5.2, 5.6), None, None, None], 0.0,
                        n_frames)
    assert held_limits(after, word_of_unit, 5, islands) == [(0, 1)]
    both = anchor_band(word_of_unit, [Anchor(0.5, 1.8), Anchor(5.2, 5.6), None, None, None],
                       0.0, n_frames)
    assert held_limits(both, word_of_unit, 5, islands) == [(1, 1)]
    # the first pass guessed 3 words before the pause: the limits leave only 1 to try, so
    # the model is not even asked (no decoder needed)
    assert divide_words(None, None, ["a", "b", "c", "d", "e"], islands, [3], [(1, 1)]) == [1]


def _small_decoder() -> CachedDecoder:
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=32, n_audio_head=2,
                           n_audio_layer=1, n_vocab=51864, n_text_ctx=64, n_text_state=32,
                           n_text_head=4, n_text_layer=2)
    model = Whisper(dims).eval()
    with torch.no_grad():
        model.decoder.positional_embedding.normal_(0, 1.0)  # torch.empty until loaded
        features = model.encoder(torch.randn(1, 80, 3000))
    return CachedDecoder(model, features)


def test_a_decoder_that_hears_one_island_gives_every_other_frame_no_weight():
    decoder = _small_decoder()
    tokens = torch.tensor([[50257, 50362, 262, 290, 257]])
    whole = decoder.step(tokens).cross_attention
    decoder.reset(1)
    heard = decoder.step(tokens, audio_span=(0, 1500)).cross_attention
    assert torch.equal(whole, heard)  # the whole window is the default
    decoder.reset(1)
    island = decoder.step(tokens, audio_span=(300, 420)).cross_attention
    assert float(island[..., :300].abs().max()) == 0.0
    assert float(island[..., 420:].abs().max()) == 0.0
    torch.testing.assert_close(island.sum(-1), torch.ones_like(island.sum(-1)))
    # the layers not captured (SDPA) hear the same island: the logits agree
    decoder.reset(1)
    explicit = decoder.step(tokens, audio_span=(300, 420)).logits
    decoder.reset(1)
    sdpa = decoder.step(tokens, audio_span=(300, 420), capture_layers=[]).logits
    torch.testing.assert_close(explicit, sdpa, rtol=1e-4, atol=1e-4)


def _two_words_pass(tokenizer, n_frames: int) -> AlignmentPass:
    units = spell(tokenizer, [" go", " on"])
    return AlignmentPass(units, ((1, 2),), np.zeros((1, len(units) + 1, n_frames), np.float32),
                         np.zeros(0, np.float32), (1, 2))


def test_a_stamped_feed_writes_a_timestamp_pair_at_each_pause():
    tokenizer = get_tokenizer(multilingual=False)
    units = spell(tokenizer, [" go", " on"])  # " ", g, o, " ", o, n
    fed, rows, ends = _stamped_feed(tokenizer, units, ((3, 40, 700),), starts_at=12)
    stamp = tokenizer.timestamp_begin
    start = len(tokenizer.sot_sequence)
    assert fed == [*tokenizer.sot_sequence, stamp + 12, *units.ids[:3], stamp + 40,
                   stamp + 700, *units.ids[3:], tokenizer.eot]
    # unit 3 (the space after the pause) is predicted by the row fed its opening stamp
    assert rows == [start, start + 1, start + 2, start + 5, start + 6, start + 7, start + 8]
    # the text before the pause ends where the row fed its last letter predicts the stamp
    assert ends == [(3, start + 3)]
    assert all(fed[r + 1] == t for r, t in zip(rows, [*units.ids, tokenizer.eot],
                                                 strict=True))


def test_a_stamped_pass_keeps_the_rows_that_predict_each_unit_and_each_islands_end():
    decoder = _small_decoder()
    tokenizer = get_tokenizer(multilingual=False)
    first = _two_words_pass(tokenizer, 1500)
    stamped = run_stamped_pass(decoder, tokenizer, first, 1500, ((3, 40, 700),), 12)
    fed, rows, ends = _stamped_feed(tokenizer, first.units, ((3, 40, 700),), 12)
    decoder.reset(1)
    every = decoder.step(torch.tensor([fed])).cross_attention  # (layers, 1, heads, rows, frames)
    want = every[1, 0, 2][[*rows, ends[0][1]]].numpy()
    assert stamped.weights.shape == (1, len(first.units) + 2, 1500)
    np.testing.assert_allclose(stamped.weights[0], want, rtol=1e-5, atol=1e-6)
    assert stamped.island_ends == ((3, len(first.units) + 1),)
    assert stamped.chosen == first.chosen and stamped.heads == first.heads
    # a text that does not fit the decoder's context in one piece is left as it was
    long = _two_words_pass(tokenizer, 1500)
    long = AlignmentPass(spell(tokenizer, [" word"] * 20), long.heads, long.weights,
                         long.logprobs, long.chosen)
    assert run_stamped_pass(decoder, tokenizer, long, 1500, ((3, 40, 700),), 12) is None


def test_a_stamped_pass_goes_on_from_the_first_pass_as_if_made_whole():
    """The text before the first pause is fed as the first pass fed it: going on from that
    pass's decoder state gives the rows a pass made from the start gives."""
    decoder = _small_decoder()
    tokenizer = get_tokenizer(multilingual=False)
    units = spell(tokenizer, [" go", " on", " now"])
    first = run_alignment_pass(decoder, tokenizer, units, 1500, HeadRequest(choose=True),
                               logprobs=False, starts_at=12)
    assert first.state is not None and first.state.owner is decoder
    breaks = ((3, 40, 700), (6, 760, 900))
    resumed = run_stamped_pass(decoder, tokenizer, first, 1500, breaks, 12)
    whole = run_stamped_pass(decoder, tokenizer, replace(first, state=None), 1500, breaks, 12)
    assert resumed.island_ends == whole.island_ends == ((3, len(units) + 1),
                                                         (6, len(units) + 2))
    np.testing.assert_allclose(resumed.weights, whole.weights, rtol=1e-5, atol=1e-7)
    # the rows before the first pause are the first pass's own, the ones after are not
    np.testing.assert_array_equal(resumed.weights[:, :3], first.weights[:, :3])
    assert not np.allclose(resumed.weights[:, 4], first.weights[:, 4])
    # a state is its own decoder's only: on another, the pass is made whole
    other = _small_decoder()
    np.testing.assert_array_equal(
        run_stamped_pass(other, tokenizer, first, 1500, breaks, 12).weights,
        run_stamped_pass(other, tokenizer, replace(first, state=None), 1500, breaks, 12).weights)

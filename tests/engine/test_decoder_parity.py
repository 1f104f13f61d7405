"""Our decoder against whisper's own, on a small random Whisper (no weights needed).

The random model has the real vocabulary and 1500 encoder frames, so whisper's timestamp
rules and tokenizer apply unchanged; its positional embedding is large enough that the
greedy path does not repeat one token, and its final layer norm leans towards EOT so that
beams finish at different lengths.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import whisper
from whisper.decoding import DecodingOptions
from whisper.model import ModelDimensions, Whisper, disable_sdpa

from whisperscope.engine.decoding.decoder import CachedDecoder
from whisperscope.engine.decoding.window_decoding import (
    GeneratedToken,
    HypothesisSwitched,
    decode_window,
)
from whisperscope.engine.timing import dtw as alignment

EOT = 50256
HEADS = ((1, 0), (1, 3), (0, 2))


def _random_whisper(query_key_scale: float = 1.0) -> Whisper:
    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80, n_audio_ctx=1500, n_audio_state=32, n_audio_head=2, n_audio_layer=1,
        n_vocab=51864, n_text_ctx=64, n_text_state=32, n_text_head=4, n_text_layer=2,
    )  # fmt: skip
    m = Whisper(dims).eval()
    with torch.no_grad():
        m.decoder.positional_embedding.normal_(0, 3.0)
        eot = m.decoder.token_embedding.weight[EOT]
        m.decoder.ln.bias.add_(2.4 * eot / eot.norm())
        for block in m.decoder.blocks:
            block.cross_attn.query.weight.mul_(query_key_scale)
            block.cross_attn.key.weight.mul_(query_key_scale)
    return m


@pytest.fixture(scope="module")
def model():
    return _random_whisper()


@pytest.fixture(scope="module")
def mel():
    return torch.randn(80, 3000, generator=torch.Generator().manual_seed(1))


def _features(model, mel):
    with torch.no_grad():
        return model.encoder(mel[None])


def _run(model, mel, options, seed=0):
    """(DecodedWindow, what the generator yielded)."""
    steps = decode_window(CachedDecoder(model, _features(model, mel)), options, HEADS, 1500,
                          seed=seed)
    yielded = []
    while True:
        try:
            yielded.append(next(steps))
        except StopIteration as stop:
            return stop.value, yielded


def _reference_logits_and_qk(model, features, tokens):
    """model.decoder's logits, and each cross-attention's softmax (SDPA off, a hook on
    every block's cross-attention reads whisper's qk)."""
    captured = []
    hooks = [block.cross_attn.register_forward_hook(
        lambda _m, _i, out: captured.append(out[1].softmax(-1)))
        for block in model.decoder.blocks]
    try:
        with disable_sdpa(), torch.no_grad():
            logits = model.decoder(tokens, features)
    finally:
        for hook in hooks:
            hook.remove()
    return logits, torch.stack(captured)


def test_cached_steps_give_the_decoders_logits_and_cross_attention(model, mel):
    features = _features(model, mel)
    tokens = torch.tensor([[50257, 50362, 50363, 11, 345, 9000, 50414, 262]])
    want_logits, want_qk = _reference_logits_and_qk(model, features, tokens)
    decoder = CachedDecoder(model, features)
    first = decoder.step(tokens[:, :5])  # a prompt at once, then one token per step
    rest = [decoder.step(tokens[:, i: i + 1]) for i in range(5, tokens.shape[1])]
    logits = torch.cat([first.logits, *(r.logits for r in rest)], dim=1)
    qk = torch.cat([first.cross_attention, *(r.cross_attention for r in rest)], dim=3)
    assert torch.allclose(logits, want_logits, atol=1e-4, rtol=1e-4)
    assert torch.allclose(qk[:, 0], want_qk[:, 0], atol=1e-6)


def test_an_attention_only_step_stops_after_the_deepest_captured_layer(model, mel):
    features = _features(model, mel)
    tokens = torch.tensor([[50257, 50362, 50363, 11, 345, 9000]])
    _, want_qk = _reference_logits_and_qk(model, features, tokens)
    decoder = CachedDecoder(model, features)
    ran = []
    hook = model.decoder.blocks[1].mlp.register_forward_hook(lambda *_: ran.append(1))
    try:
        got = []
        out = decoder.step(tokens, capture_layers=[0], attention_only=True,
                           attention_sink=lambda layer, w: got.append((layer, w.clone())))
    finally:
        hook.remove()
    assert ran == [] and out.logits.numel() == 0  # layer 1 never ran
    assert [layer for layer, _ in got] == [0]
    assert torch.allclose(got[0][1], want_qk[0], atol=1e-6)
    with pytest.raises(ValueError, match="reset"):  # its cache lacks layer 1
        decoder.step(tokens[:, :1])
    decoder.reset(1)
    assert torch.allclose(decoder.step(tokens).cross_attention, want_qk, atol=1e-6)


def test_positions_not_yet_fed_are_never_read(model, mel):
    # the cache is left unset on reset: garbage (here NaN) after the fed positions must
    # change nothing, in a prompt step, a step after it and a batch
    features = _features(model, mel)
    tokens = torch.tensor([[50257, 50362, 50363, 11, 345, 9000]] * 2)
    want_logits, want_qk = _reference_logits_and_qk(model, features, tokens[:1])
    decoder = CachedDecoder(model, features)
    decoder.reset(2)
    for cache in (*decoder.self_keys, *decoder.self_values):
        cache.fill_(float("nan"))
    first = decoder.step(tokens[:, :4])
    rest = decoder.step(tokens[:, 4:])
    logits = torch.cat([first.logits, rest.logits], dim=1)
    assert torch.isfinite(logits).all()
    assert torch.allclose(logits[0], want_logits[0], atol=1e-4, rtol=1e-4)
    assert torch.equal(logits[0], logits[1])
    assert torch.allclose(rest.cross_attention[:, 0], want_qk[:, 0, :, 4:], atol=1e-6)


def test_a_mask_of_logit_rows_gives_each_hypothesis_its_own_rows(model, mel):
    features = _features(model, mel)
    tokens = torch.tensor([[50257, 50362, 50363, 11, 345], [50257, 50362, 50363, 999, 7]])
    decoder = CachedDecoder(model, features)
    every = decoder.step(tokens, capture_layers=[]).logits  # (2, 5, n_vocab)
    read = torch.tensor([[False, True, False, False, True], [False, False, True, True, True]])
    decoder.reset(2)
    picked = decoder.step(tokens, capture_layers=[], logit_rows=read).logits
    assert picked.shape == (1, 5, every.shape[-1])
    want = torch.stack([every[0, 1], every[0, 4], every[1, 2], every[1, 3], every[1, 4]])
    assert torch.allclose(picked[0], want, atol=1e-5)


def test_hypotheses_in_one_batch_keep_their_own_caches(model, mel):
    features = _features(model, mel)
    a = torch.tensor([[50257, 50362, 50363, 11, 345]])
    b = torch.tensor([[50257, 50362, 50363, 11, 999]])
    want_a, _ = _reference_logits_and_qk(model, features, a)
    want_b, _ = _reference_logits_and_qk(model, features, b)
    decoder = CachedDecoder(model, features)
    decoder.step(a[:, :4])
    decoder.select([0, 0, 0])  # one prompt, three hypotheses
    decoder.step(torch.tensor([[345], [999], [345]]))
    decoder.select([1, 2])  # keep the second and third, swapped places
    out = decoder.step(torch.tensor([[7], [7]]))
    want_b7, _ = _reference_logits_and_qk(model, features, torch.cat([b, b[:, :1] * 0 + 7], 1))
    want_a7, _ = _reference_logits_and_qk(model, features, torch.cat([a, a[:, :1] * 0 + 7], 1))
    assert torch.allclose(out.logits[0, -1], want_b7[0, -1], atol=1e-4)
    assert torch.allclose(out.logits[1, -1], want_a7[0, -1], atol=1e-4)
    assert not torch.allclose(want_a[0, -1], want_b[0, -1])


def test_float16_cross_attention_equals_whispers_where_q_dot_k_would_overflow():
    """whisper scales q and k by d^-0.25 each; scaling q·k by d^-0.5 afterwards overflows
    float16 (max 65504) first. Large query/key weights make that happen here."""
    model = _random_whisper(query_key_scale=150)
    model.half()
    for module in model.modules():  # whisper's LayerNorm runs in float32 (CPU needs that)
        if isinstance(module, torch.nn.LayerNorm):
            module.float()
    mel = torch.randn(80, 3000, generator=torch.Generator().manual_seed(1)).half()
    features = _features(model, mel)
    tokens = torch.tensor([[50257, 50362, 50363, 11, 345]])
    want_logits, want_qk = _reference_logits_and_qk(model, features, tokens)
    decoder = CachedDecoder(model, features)
    out = decoder.step(tokens)
    block = model.decoder.blocks[1]
    with torch.no_grad():
        x = (model.decoder.token_embedding(tokens)
             + model.decoder.positional_embedding[:5]).half()
        q = decoder._split_heads(block.cross_attn.query(block.cross_attn_ln(x)))
        unscaled = q @ decoder.cross_keys_values(1)[0].transpose(-1, -2)
    assert not torch.isfinite(unscaled).all()  # the old order would have overflowed
    assert torch.isfinite(want_qk).all() and torch.isfinite(out.cross_attention).all()
    assert torch.allclose(out.cross_attention[:, 0], want_qk[:, 0], atol=1e-3)
    assert torch.allclose(out.logits, want_logits, atol=0.1, rtol=0.01)


@pytest.mark.parametrize("options", [
    DecodingOptions(language="en", fp16=False),
    DecodingOptions(language="en", fp16=False, beam_size=3),
    DecodingOptions(language="en", fp16=False, beam_size=5, patience=2.0, length_penalty=0.5),
    DecodingOptions(language="en", fp16=False, prompt=[100, 200, 300], prefix=" hello"),
    DecodingOptions(language="en", fp16=False, suppress_tokens="", suppress_blank=False),
    DecodingOptions(language="en", fp16=False, suppress_tokens=[28028, 23997], sample_len=12),
], ids=["greedy", "beam3", "beam5-patience-penalty", "prompt-prefix", "no-suppression",
        "suppress-ids"])
def test_decode_window_equals_whisper_decode_token_for_token(model, mel, options):
    want = whisper.decode(model, mel, options)
    got, _ = _run(model, mel, options)
    assert [t for t in got.token_ids if t != EOT] == want.tokens
    assert got.avg_logprob == pytest.approx(want.avg_logprob, abs=1e-5)
    assert got.no_speech_prob == pytest.approx(want.no_speech_prob, rel=1e-4, abs=1e-12)
    assert got.text == want.text
    assert got.compression_ratio == pytest.approx(want.compression_ratio)


def test_the_options_make_a_difference_here(model, mel):
    """Else the parity above would prove little: beams, prefix and suppression each change
    this model's output."""
    greedy = whisper.decode(model, mel, DecodingOptions(language="en", fp16=False)).tokens
    for options in ({"beam_size": 3}, {"prefix": " hello"}, {"suppress_tokens": [greedy[1]]}):
        other = whisper.decode(model, mel, DecodingOptions(language="en", fp16=False,
                                                           **options)).tokens
        assert other != greedy, options


def _replay(yielded) -> list[GeneratedToken]:
    shown: list[GeneratedToken] = []
    for item in yielded:
        if isinstance(item, HypothesisSwitched):
            shown = list(item.tokens)
        else:
            assert item.row == len(shown)
            shown.append(item)
    return shown


def test_beam_search_shows_the_best_so_far_and_settles_on_the_winner(model, mel):
    got, yielded = _run(model, mel, DecodingOptions(language="en", fp16=False, beam_size=3))
    assert any(isinstance(item, HypothesisSwitched) for item in yielded)
    shown = _replay(yielded)
    assert tuple(t.token_id for t in shown) == got.token_ids
    np.testing.assert_array_equal(np.stack([t.attention for t in shown], axis=1), got.attention)
    assert got.attention.shape == (len(HEADS), len(got.token_ids), 1500)


def test_attention_rows_are_the_decoders_own_for_the_winner(model, mel):
    got, _ = _run(model, mel, DecodingOptions(language="en", fp16=False, beam_size=3))
    features = _features(model, mel)
    fed = torch.tensor([[*got.prompt_ids, *got.token_ids[:-1]]])
    _, qk = _reference_logits_and_qk(model, features, fed)
    first = len(got.prompt_ids) - 1
    for i, (layer, head) in enumerate(HEADS):
        want = qk[layer, 0, head, first: first + len(got.token_ids)].numpy()
        np.testing.assert_allclose(got.attention[i], want, atol=1e-5)


def test_token_probability_is_whispers_word_probability_softmax(model, mel):
    got, _ = _run(model, mel, DecodingOptions(language="en", fp16=False))
    fed = torch.tensor([[*got.prompt_ids, *got.token_ids[:-1]]])
    logits, _ = _reference_logits_and_qk(model, _features(model, mel), fed)
    first = len(got.prompt_ids) - 1
    text_probs = logits[0, first:, :EOT].softmax(-1)
    for row, token in enumerate(got.token_ids):
        if token < EOT:
            assert got.probabilities[row] == pytest.approx(text_probs[row, token].item(),
                                                           rel=1e-4)


def test_best_of_keeps_the_sample_whispers_ranker_prefers_and_is_seeded(model, mel):
    options = DecodingOptions(language="en", fp16=False, temperature=1.0, best_of=4)
    got, yielded = _run(model, mel, options, seed=3)
    again, _ = _run(model, mel, options, seed=3)
    assert got.token_ids == again.token_ids
    singles = [_run(model, mel, DecodingOptions(language="en", fp16=False, temperature=1.0),
                    seed=s)[0] for s in (3, 4)]
    assert singles[0].token_ids != singles[1].token_ids  # sampling does sample
    assert tuple(t.token_id for t in _replay(yielded)) == got.token_ids


def test_decoding_leaves_the_callers_grad_mode_alone(model, mel):
    assert torch.is_grad_enabled()
    steps = decode_window(CachedDecoder(model, _features(model, mel)),
                          DecodingOptions(language="en", fp16=False), HEADS, 1500)
    next(steps)
    assert torch.is_grad_enabled()  # suspended at a yield: the consumer's mode is its own
    assert all(p.requires_grad for p in model.parameters())  # the shared model is untouched
    steps.close()


def test_whispers_option_checks_apply(model, mel):
    with pytest.raises(ValueError, match="best_of"):
        _run(model, mel, DecodingOptions(language="en", fp16=False, best_of=2))
    with pytest.raises(ValueError, match="patience"):
        _run(model, mel, DecodingOptions(language="en", fp16=False, patience=2.0))


def test_dtw_equals_whispers():
    from whisper.timing import dtw as whisper_dtw

    rng = np.random.default_rng(0)
    for shape in ((5, 40), (12, 12), (30, 300), (1, 7)):
        cost = rng.random(shape).astype(np.float32)
        rows, frames = alignment.dtw(cost)
        want = whisper_dtw(torch.from_numpy(cost))
        np.testing.assert_array_equal(rows, want[0])
        np.testing.assert_array_equal(frames, want[1])


def test_median_filter_equals_whispers():
    from whisper.timing import median_filter as whisper_median

    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 50)).astype(np.float32)
    for width in (3, 5, 7):
        want = whisper_median(torch.from_numpy(x), width).numpy()
        np.testing.assert_array_equal(alignment.median_filter(x, width), want)

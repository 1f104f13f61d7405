import numpy as np
import torch

from whisperscope.engine.half import as_float16


def test_softmax_weights_round_to_the_same_float16_bits_as_numpy():
    # a softmax over 1500 frames: most weights are subnormal in float16 (< 6.1e-5)
    logits = np.random.default_rng(0).normal(0, 4, (3, 7, 1500)).astype(np.float32)
    weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    edges = np.array([0.0, -0.0, 5.96e-8, 2.98e-8, 2.99e-8, 6.1e-5, 65504.0, 65520.0, 1e-3,
                      np.inf, -np.inf], np.float32)
    for array in (weights, weights[:, ::2, 100:900], edges):
        want = array.astype(np.float16)
        got = as_float16(array)
        assert got.dtype == np.float16 and got.shape == want.shape
        assert np.array_equal(got.view(np.uint16), want.view(np.uint16))
    assert (weights.astype(np.float16) < 6.1e-5).mean() > 0.5  # the slow case is the test
    from_torch = as_float16(torch.from_numpy(weights))
    assert np.array_equal(from_torch.view(np.uint16), weights.astype(np.float16).view(np.uint16))

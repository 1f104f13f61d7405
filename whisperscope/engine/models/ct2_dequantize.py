"""Undo CTranslate2's weight quantization, so a quantized model converts like a float one.

CTranslate2 (`ct2-transformers-converter --quantization int8|int16|int8_float16|...`)
stores a quantized weight `X/weight` as integers next to a float32 `X/weight_scale` with
`weight = rint(float_weight * scale)`:

- int8 (and int8_float16/int8_float32): one scale per output row, shape = (n_rows,),
  `scale = 127 / max(abs(row))`;
- int16: one scale for the whole tensor (rank 0), `scale = 2**10 / max(abs(weight))`.

So the float weight is `weight / scale` (per row for int8). Linear layers and the token
embeddings are quantized; convolutions, layer norms, biases and position encodings stay
float (float16 or float32 as the quantization name says).
"""

from __future__ import annotations

import numpy as np

from whisperscope.engine.models.ct2_reader import CT2Model
from whisperscope.errors import ModelError

SCALE_SUFFIX = "_scale"
QUANTIZED_DTYPES = (np.dtype("i1"), np.dtype("<i2"))


def dequantize(ct2: CT2Model) -> CT2Model:
    """`ct2` with every quantized weight replaced by float32 `weight / scale` and the
    `*_scale` variables dropped; returned as it is when nothing is quantized.

    Raises `ModelError` when a scale has no weight, a quantized weight has no scale, or a
    scale's shape fits neither layout above."""
    scales = {name for name in ct2.variables if name.endswith(SCALE_SUFFIX)}
    quantized = {
        name
        for name, array in ct2.variables.items()
        if array.dtype in QUANTIZED_DTYPES and array.ndim >= 2
    }
    if not scales and not quantized:
        return ct2
    variables = {name: array for name, array in ct2.variables.items() if name not in scales}
    for scale_name in sorted(scales):
        name = scale_name[: -len(SCALE_SUFFIX)]
        if name not in ct2.variables:
            raise ModelError(f"{ct2.source}: {scale_name!r} scales a missing variable {name!r}.")
        variables[name] = _dequantized(ct2.source, name, ct2.variables[name],
                                       ct2.variables[scale_name])
        quantized.discard(name)
    if quantized:
        shown = ", ".join(sorted(quantized)[:3])
        raise ModelError(f"{ct2.source}: quantized weights without a *_scale: {shown}.")
    aliases = {a: t for a, t in ct2.aliases.items() if not a.endswith(SCALE_SUFFIX)}
    return CT2Model(ct2.source, ct2.version, ct2.spec, ct2.revision, variables, aliases)


def _dequantized(source: str, name: str, weight: np.ndarray, scale: np.ndarray) -> np.ndarray:
    scale = np.asarray(scale, dtype=np.float32)
    if scale.ndim == 0 or scale.size == 1:  # int16: one scale per tensor
        factor = scale.reshape(())
    elif scale.shape == weight.shape[:1]:  # int8: one scale per output row
        factor = scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    else:
        raise ModelError(
            f"{source}: {name!r} of shape {weight.shape} has a scale of shape {scale.shape} "
            "(expected one per row, or one)."
        )
    if not np.all(np.isfinite(factor)) or np.any(factor == 0):
        raise ModelError(f"{source}: the scale of {name!r} holds zeros or non-finite values.")
    out = weight.astype(np.float32)
    out /= factor  # in place: one float32 copy of a large weight, not two
    return out

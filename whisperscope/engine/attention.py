"""Recompute every layer and head of a finished window's cross-attention.

Live decoding keeps only the alignment heads. Any other layer/head is recovered exactly by
one teacher-forced pass: feed the window's prompt and generated tokens at once and read the
cross-attention at each position, which is what the live steps computed one at a time.
"""

from __future__ import annotations

import numpy as np
import torch

from whisperscope.audio.spectrogram import whisper_input_mel
from whisperscope.engine.decoding.decoder import CachedDecoder
from whisperscope.engine.models import LoadedModel
from whisperscope.session.model import WindowAttention
from whisperscope.units import WINDOW_MEL_FRAMES, seconds_to_mel_frames


def recompute_window_attention(
    model: LoadedModel,
    samples_16k: np.ndarray,
    window: WindowAttention,
    mel: np.ndarray | None = None,
) -> np.ndarray:
    """All cross-attention of `window`: shape = (n_layers, n_heads, n_rows, n_frames), float32.

    `mel` is the whole recording's log-mel as the analysis computed it, with whisper's 30 s
    of padding (n_mels, n_mel_frames + 3000); pass it when you have it, to skip recomputing.
    One with another band count than the model reads (80 shown, 128 for large-v3) is
    ignored.
    """
    n_rows = len(window.token_ids)
    dims = model.model.dims
    if n_rows == 0:
        return np.zeros((dims.n_text_layer, dims.n_text_head, 0, window.n_frames), np.float32)
    mel_t = torch.from_numpy(np.ascontiguousarray(
        whisper_input_mel(samples_16k, dims.n_mels, reuse=mel)))
    # the same mel frames the analysis fed: up to 30 s from the window start, and no further
    # than the end of the audio (the padding after it is not part of any window)
    first = seconds_to_mel_frames(window.start)
    content_frames = mel_t.shape[-1] - WINDOW_MEL_FRAMES
    segment = mel_t[:, first: first + min(WINDOW_MEL_FRAMES, content_frames - first)]
    segment = torch.nn.functional.pad(segment, (0, WINDOW_MEL_FRAMES - segment.shape[-1]))
    whisper_model = model.model
    dtype = torch.float16 if model.info.dtype == "float16" else torch.float32
    with torch.no_grad():
        features = whisper_model.encoder(segment[None].to(whisper_model.device, dtype))
    decoder = CachedDecoder(whisper_model, features)
    fed = [*window.prompt_ids.tolist(), *window.token_ids[:-1].tolist()]
    first_row = len(window.prompt_ids) - 1
    rows = slice(first_row, first_row + n_rows)
    # the logits are not read; each layer's weights are cut to the window's rows at once
    out = decoder.step(torch.tensor([fed], device=whisper_model.device), logit_rows=[0],
                       keep_attention=(rows, window.n_frames))
    return out.cross_attention[:, 0].float().cpu().numpy()

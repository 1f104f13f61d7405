"""The analyzer with the real tiny.en on the bundled sample: live events, cancel, recompute."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pytest

from whisperscope.audio.loader import load_audio
from whisperscope.engine.analyzer import analyze
from whisperscope.engine.attention import recompute_window_attention
from whisperscope.engine.cancel import CancelToken
from whisperscope.engine.events import (
    AnalysisStarted,
    Failed,
    Finished,
    Progress,
    TokenDecoded,
    WindowDone,
    WindowStarted,
)

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def sample():
    return load_audio(files("whisperscope.resources") / "sample.flac")


@pytest.fixture(scope="module")
def events(sample, tiny_en):
    return list(analyze(sample, tiny_en))


def test_events_come_in_order(events):
    assert isinstance(events[0], AnalysisStarted)
    assert isinstance(events[-1], Finished)
    assert isinstance(events[1], WindowStarted)
    kinds = [type(e) for e in events]
    # every window: started, then its tokens, then done
    for done in (i for i, k in enumerate(kinds) if k is WindowDone):
        window = events[done].window
        rows = [e.row for e in events[:done] if isinstance(e, TokenDecoded) and e.window == window]
        assert rows == list(range(len(rows)))  # one event per token, in order
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].fraction == 1.0


def test_the_sample_is_transcribed_and_timed(events, sample):
    analysis = events[-1].analysis
    text = analysis.text.lower()
    for word in ("children", "playing", "garden", "window", "tomorrow"):
        assert word in text, text
    truth = __import__("json").loads((files("whisperscope.resources") / "sample.json")
                                     .read_text())
    words = truth["words"] if isinstance(truth, dict) else truth
    onsets = sorted({w["start"] for w in words if w.get("phrase", 0) != words[0].get("phrase")}
                    | {words[0]["start"]})
    assert abs(analysis.words[0].start - onsets[0]) <= 0.2
    assert analysis.audio.sha256 == sample.sha256


def test_recomputed_attention_equals_the_live_alignment_heads(events, sample, tiny_en):
    analysis = events[-1].analysis
    window = analysis.windows[0]
    every = recompute_window_attention(tiny_en, sample.samples, window)
    n_layers, n_heads = tiny_en.model.dims.n_text_layer, tiny_en.model.dims.n_text_head
    assert every.shape == (n_layers, n_heads, len(window.token_ids), window.n_frames)
    for k, (layer, head) in enumerate(window.head_ids):
        np.testing.assert_allclose(every[layer, head], window.heads[k].astype(np.float32),
                                   atol=2e-3)


def test_cancel_is_honoured_within_one_token(sample, tiny_en):
    cancel = CancelToken()
    seen = []
    for event in analyze(sample, tiny_en, cancel=cancel):
        seen.append(event)
        if sum(isinstance(e, TokenDecoded) for e in seen) == 3:
            cancel.cancel()
    assert isinstance(seen[-1], Failed) and seen[-1].kind == "cancelled"
    assert sum(isinstance(e, TokenDecoded) for e in seen) == 3


def test_english_only_model_refuses_another_language(sample, tiny_en):
    from whisperscope.session.model import AnalysisSettings

    events = list(analyze(sample, tiny_en, AnalysisSettings(language="de")))
    assert isinstance(events[-1], Failed) and "English-only" in events[-1].message


def test_the_consumer_keeps_its_grad_mode_and_the_model_is_untouched(sample, tiny_en):
    import torch

    before = [p.requires_grad for p in tiny_en.model.parameters()]
    events = analyze(sample, tiny_en)
    for event in events:
        assert torch.is_grad_enabled()  # the generator's steps set no mode around a yield
        if isinstance(event, TokenDecoded) and event.row == 3:
            events.close()
            break
    assert [p.requires_grad for p in tiny_en.model.parameters()] == before


def test_token_events_say_what_the_views_show(events):
    """The events carry the facts the window used to re-derive: special or text, where a
    word starts, and the decoding position in seconds."""
    analysis = events[-1].analysis
    tokens = [e for e in events if isinstance(e, TokenDecoded)]
    special = [e for e in tokens if e.is_special]
    assert any(e.text == "<|endoftext|>" for e in special)
    assert all(e.text.startswith("<|") for e in special)
    assert all(e.is_special for e in tokens if e.is_timestamp)
    text = [e for e in tokens if not e.is_special]
    assert text and all(e.starts_word == e.text.startswith(" ") for e in text)  # English
    words = "".join((" " if e.starts_word else "") + e.text.strip() for e in text).split()
    assert len(words) == len(analysis.words)
    for e in text:  # inside its window, never before the window's start
        assert e.window_start <= e.position <= e.window_start + 30.0
    assert max(e.position for e in text) > analysis.audio.duration / 2  # it moves on


def test_each_fallback_attempt_draws_afresh(sample, tiny_en):
    """A window that fails whisper's checks is decoded again with new random draws, as
    whisper's global generator gives them: not the draws that just failed (one seed per
    window made a re-decode at the same temperature the same text)."""
    from whisperscope.engine.window_events import sample_seed
    from whisperscope.session.model import AnalysisSettings

    assert len({sample_seed(w, a, 6) for w in range(200) for a in range(6)}) == 1200
    settings = AnalysisSettings(temperatures=(1.0, 1.0), logprob_threshold=0.0,
                                compression_ratio_threshold=None, no_speech_threshold=None,
                                clip_timestamps=(0.0, 4.0))  # every decode "fails"
    attempts: list[list[int]] = []
    for event in analyze(sample, tiny_en, settings):
        if isinstance(event, WindowStarted) and event.window == 0:
            attempts.append([])
        elif isinstance(event, TokenDecoded) and event.window == 0:
            attempts[-1].append(event.token_id)
    assert len(attempts) == 2
    assert attempts[0] != attempts[1]

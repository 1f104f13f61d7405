"""The alignment pass's matrix on the heatmap's token rows (engine/timing/pass_rows.py): pooling on
a planted matrix, then the real tiny.en on the bundled sample and a timit-dev utterance."""

from __future__ import annotations

import numpy as np
import pytest
from whisper.tokenizer import get_tokenizer

from whisperscope.engine.timing.pass_rows import (
    frame_shares,
    pool_token_rows,
    token_units,
    word_unit_ends,
)
from whisperscope.engine.timing.spelling import spell


@pytest.fixture(scope="module")
def tokenizer():
    return get_tokenizer(False)  # tiny.en's: no model needed


def test_each_token_gets_the_units_of_its_own_characters(tokenizer):
    # two words, the second split into two tokens; a full stop of its own
    units = spell(tokenizer, [" The", " children."], "chars")
    texts = [" The", " child", "ren", "."]
    groups = [(0,), (1, 2, 3)]
    per_token = token_units(units, groups, texts)
    spelled = ["".join(units.texts[u] for u in members) for members in per_token]
    # the leading space is the pause before a word, not the word
    assert spelled == ["The", "child", "ren", "."]
    assert word_unit_ends(units) == [4, len(units)]


def test_a_token_of_only_a_space_keeps_it_and_a_missing_word_gets_nothing(tokenizer):
    units = spell(tokenizer, [" a", " "], "chars")
    assert token_units(units, [(0,), (1,)], [" a", " "]) == [(1,), (2,)]
    assert token_units(units, [(0,)], [" a", " b"]) == [(1,), ()]  # " b" in no group


def test_word_pieces_give_each_token_the_piece_that_holds_it(tokenizer):
    units = spell(tokenizer, [" children"], "pieces")
    texts = [tokenizer.decode([t]) for t in units.ids]
    per_token = token_units(units, [tuple(range(len(texts)))], texts)
    assert per_token == [(i,) for i in range(len(texts))]


def test_pooling_takes_the_mean_of_the_planted_rows():
    # unit u peaks at frame 10 u; the end-of-text row is never pooled
    n_units, n_frames = 6, 80
    rows = np.full((n_units + 1, n_frames), 0.001, np.float32)
    for u in range(n_units + 1):
        rows[u, 10 * u] = 1.0
    pooled = pool_token_rows(rows, [(0, 1, 2), (3,), (), (4, 5)])
    assert pooled.dtype == np.float16 and pooled.shape == (4, n_frames)
    assert set(np.flatnonzero(pooled[0] > 0.3)) == {0, 10, 20}
    assert pooled[0, 10] == pytest.approx((1.0 + 2 * 0.001) / 3, rel=1e-2)
    assert np.argmax(pooled[1]) == 30 and not pooled[2].any()
    assert set(np.flatnonzero(pooled[3] > 0.3)) == {40, 50}
    assert pooled[:, 60].max() < 0.01  # the end row is no token's


def test_frame_shares_keep_the_positive_part_as_a_share_of_the_row():
    z = np.array([[-1.0, 2.0, 6.0, -3.0], [-1.0, -2.0, -0.5, -4.0]], np.float32)
    shares = frame_shares(z)
    np.testing.assert_allclose(shares[0], [0.0, 0.25, 0.75, 0.0])
    assert not shares[1].any()  # nothing above the frame average: no share anywhere


# -- the real tiny.en ----------------------------------------------------------------------

NEAR = 0.06  # s: a word's pass row peaks inside its aligned span, give or take 3 frames


def first_token_peaks(analysis):
    """(word, peak time of the pass row of the word's first spoken token) for every word."""
    out = []
    for word in analysis.words:
        spoken = [analysis.tokens[i] for i in word.tokens if any(c.isalnum()
                                                                 for c in analysis.tokens[i].text)]
        token = (spoken or [analysis.tokens[word.tokens[0]]])[0]
        window = analysis.windows[token.window]
        (i,) = np.flatnonzero(window.text_rows == token.row)
        row = window.pass_rows[i].astype(np.float32)
        out.append((word, window.start + int(np.argmax(row)) * 0.02))
    return out


def check_pass_rows(analysis, min_share: float = 0.9):
    timed = [w for w in analysis.windows if len(w.text_rows)]
    assert timed
    for window in timed:
        assert window.pass_rows is not None
        assert window.pass_rows.shape == (len(window.text_rows), window.n_frames)
        assert window.pass_rows.dtype == np.float16
        assert window.pass_heads and all(len(h) == 2 for h in window.pass_heads)
        sums = window.pass_rows.astype(np.float32).sum(axis=1)
        assert ((np.abs(sums - 1.0) < 0.02) | (sums == 0)).all()  # shares of frames
    peaks = first_token_peaks(analysis)
    inside = [w.start - NEAR <= t <= w.end + NEAR for w, t in peaks]
    report = "\n".join(f"{w.text!r:>14} {w.start:6.2f}-{w.end:6.2f} peak {t:6.2f}"
                       for w, t in peaks)
    # rows given to the wrong tokens (shifted by one, or another window's) peak elsewhere
    assert np.mean(inside) >= min_share, report
    return peaks


@pytest.mark.model
def test_the_sample_shows_the_matrix_its_times_came_from(tiny_en):
    from importlib.resources import files

    from whisperscope.audio.loader import load_audio
    from whisperscope.engine.run import run_to_completion
    from whisperscope.session.model import AnalysisSettings

    sample = load_audio(str(files("whisperscope.resources") / "sample.flac"))
    analysis = run_to_completion(sample, tiny_en,
                                 AnalysisSettings(language="en"))
    assert len(analysis.words) >= 15, analysis.text
    peaks = check_pass_rows(analysis)
    # the check can fail: the same rows one token later mostly peak outside the word
    shifted = [w.start - NEAR <= t <= w.end + NEAR for (w, _), (_, t) in
               zip(peaks, peaks[1:], strict=False)]
    assert np.mean(shifted) < 0.5


@pytest.mark.model
def test_a_given_transcript_keeps_its_pass_rows_too(tiny_en):
    from whisperscope.audio.loader import LoadedAudio
    from whisperscope.engine.run import run_to_completion
    from whisperscope.session.model import AnalysisSettings

    from .test_real_speech_timing import timit

    if not timit.DEFAULT_TIMIT.is_dir():
        pytest.skip("../shared/data/timit-dev absent")
    u = timit.read_utterance(timit.DEFAULT_TIMIT / "dr7-madd0/si1295.wav", timit.DEFAULT_TIMIT)
    audio = LoadedAudio(path=u.name, samples=u.samples, original=u.samples[:, None],
                        original_rate=timit.SAMPLE_RATE, channels=1, duration=u.duration,
                        sha256="")
    analysis = run_to_completion(audio, tiny_en, AnalysisSettings(language="en"),
                                 transcript=u.text)
    check_pass_rows(analysis)

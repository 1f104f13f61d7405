"""The seed's figure: spectrogram on top, token-by-time cross-attention below, one time axis.

One function, `render_png`, draws it for both `whisperscope render` and the window's
File > Export PNG. It uses matplotlib's object API on the Agg canvas (never pyplot, so it
neither picks nor disturbs a GUI backend, and is safe off the main thread).

Rows are the analysis' text tokens in order (timestamp tokens left out), labelled on Y;
columns are 20 ms encoder frames on the recording's global timeline, so every window lands
where it belongs and silences the decoder skipped stay dark. Each row is scaled to its own
maximum: brightness says where that token looks, comparable across tokens whose peak
weights differ tenfold.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from whisperscope.errors import WhisperScopeError
from whisperscope.session.atomic import atomic_write_bytes
from whisperscope.session.attention_store import release_pages
from whisperscope.session.model import Analysis
from whisperscope.units import ENCODER_FRAME_SECONDS as FRAME_SECONDS
from whisperscope.units import SAMPLE_RATE, mel_frames_to_seconds, samples_to_seconds

MAX_COLUMNS = 3000  # wider images are max-pooled in time (a pixel column is ~ 1/2000 wide)
MAX_ROWS = 1200  # more tokens than this are max-pooled in groups
LABEL_FONT_PT = 7.0
SPAN_COLOUR = "#ff6e4a"


@dataclass(frozen=True)
class AlignmentImage:
    """What the heatmap shows. matrix.shape = (n_rows, n_columns), float32 in [0, 1]."""

    matrix: np.ndarray
    start: float  # seconds at the left edge of column 0
    column_seconds: float  # width of a column (FRAME_SECONDS unless pooled)
    labels: tuple[str, ...]  # one per row
    token_index: tuple[int, ...]  # the Analysis.tokens index of each row's first token
    raw_mass: np.ndarray  # (n_rows, n_columns) float32, unnormalised weights, for numbers

    @property
    def end(self) -> float:
        return self.start + self.matrix.shape[1] * self.column_seconds

    def column_times(self) -> np.ndarray:
        """Centre time of each column, seconds."""
        return self.start + (np.arange(self.matrix.shape[1]) + 0.5) * self.column_seconds


@dataclass(frozen=True)
class RenderResult:
    path: Path
    image: AlignmentImage


def alignment_image(
    analysis: Analysis,
    attention: Sequence[np.ndarray | None] | None = None,
    time_range: tuple[float, float] | None = None,
    max_columns: int = MAX_COLUMNS,
    max_rows: int = MAX_ROWS,
) -> AlignmentImage:
    """The token-by-time matrix the figure draws.

    attention: one matrix per window, shape = (n_rows, n_frames) (e.g. one layer/head from
    `recompute_window_attention`); default: each window's alignment-heads average.
    time_range: (start, end) seconds to show; default: the whole recording.
    """
    t0, t1 = time_range or (0.0, max(analysis.audio.duration, _last_time(analysis)))
    n_frames = max(1, math.ceil((t1 - t0) / FRAME_SECONDS - 1e-9))
    tokens = [t for t in analysis.tokens if t.end >= t0 and t.start <= t1] if time_range \
        else list(analysis.tokens)
    raw = np.zeros((len(tokens), n_frames), dtype=np.float32)
    per_window: dict[int, np.ndarray] = {}
    for r, tok in enumerate(tokens):
        if tok.window not in per_window:
            per_window[tok.window] = _window_matrix(analysis, tok.window, attention)
        source = per_window[tok.window]
        window = analysis.windows[tok.window]
        if tok.row >= source.shape[0]:
            continue
        offset = round((window.start - t0) / FRAME_SECONDS)
        lo, hi = max(0, offset), min(n_frames, offset + source.shape[1])
        if hi > lo:
            raw[r, lo:hi] = source[tok.row, lo - offset: hi - offset]
    labels = tuple(_label(t.text) for t in tokens)
    index = tuple(t.index for t in tokens)
    raw, labels, index = _pool_rows(raw, labels, index, max_rows)
    column_seconds = FRAME_SECONDS
    if raw.shape[1] > max_columns:
        factor = math.ceil(raw.shape[1] / max_columns)
        raw = _pool_columns(raw, factor)
        column_seconds *= factor
    peak = raw.max(axis=1, keepdims=True) if raw.size else raw
    matrix = np.divide(raw, peak, out=np.zeros_like(raw), where=peak > 0)
    return AlignmentImage(matrix, t0, column_seconds, labels, index, raw)


def render_png(
    analysis: Analysis,
    path: str | Path,
    samples_16k: np.ndarray | None = None,
    *,
    attention: Sequence[np.ndarray | None] | None = None,
    attention_label: str | None = None,
    time_range: tuple[float, float] | None = None,
    title: str | None = None,
    dpi: int = 150,
    width_in: float = 14.0,
) -> RenderResult:
    """Draw the figure and write it to `path` as PNG, atomically.

    samples_16k: the recording, 16 kHz mono float32, for the spectrogram panel; default:
    loaded from `analysis.audio.path` if it is there, else the panel says it is missing.
    attention, time_range: as in `alignment_image`; attention_label names what `attention`
    is (e.g. "layer 2, head 3"). Raises ExportError if the file cannot be written.
    """
    png = render_png_bytes(analysis, samples_16k, attention=attention,
                           attention_label=attention_label, time_range=time_range,
                           title=title, dpi=dpi, width_in=width_in)
    path = atomic_write_bytes(path, png.data)
    return RenderResult(path, png.image)


@dataclass(frozen=True)
class _Png:
    data: bytes
    image: AlignmentImage


def render_png_bytes(analysis: Analysis, samples_16k: np.ndarray | None = None, *,
                     attention=None, attention_label=None, time_range=None, title=None,
                     dpi: int = 150, width_in: float = 14.0) -> _Png:
    """`render_png` without the file: PNG bytes and the image drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    image = alignment_image(analysis, attention, time_range)
    if samples_16k is None:
        samples_16k = _load_samples(analysis.audio.path)
    n_rows = image.matrix.shape[0]
    heat_in = float(np.clip(0.11 * n_rows + 1.2, 3.2, 13.0))
    spec_in = 2.0
    fig = Figure(figsize=(width_in, heat_in + spec_in + 1.3), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 2, height_ratios=[spec_in, heat_in], width_ratios=[80, 1])
    ax_spec = fig.add_subplot(grid[0, 0])
    ax_heat = fig.add_subplot(grid[1, 0], sharex=ax_spec)
    t0, t1 = image.start, image.end

    _draw_spectrogram(fig, ax_spec, fig.add_subplot(grid[0, 1]), samples_16k, t0, t1)
    _draw_heatmap(fig, ax_heat, fig.add_subplot(grid[1, 1]), image, heat_in)
    _draw_token_spans(ax_heat, analysis, image)
    ax_spec.set_xlim(t0, t1)

    what = attention_label or _heads_label(analysis)
    fig.suptitle(title or f"{Path(analysis.audio.path).name}  ·  {analysis.model.name}",
                 fontsize=12, fontweight="bold")
    ax_spec.set_title(f"Decoder cross-attention: {what}. Rows: tokens; columns: 20 ms "
                      f"encoder frames; each row scaled to its maximum.", fontsize=9,
                      loc="left")
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # a CJK or emoji token drawn as a box is no error
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(buffer, format="png", dpi=dpi)
    return _Png(buffer.getvalue(), image)


# -- drawing ---------------------------------------------------------------------------------


def _draw_spectrogram(fig, ax, cax, samples, t0: float, t1: float) -> None:
    ax.set_ylabel("mel band")
    ax.tick_params(labelbottom=False)
    if samples is None or len(samples) == 0:
        ax.text(0.5, 0.5, "audio not available", ha="center", va="center",
                transform=ax.transAxes, color="0.4")
        ax.set_yticks([])
        cax.set_axis_off()
        return
    from whisperscope.audio.spectrogram import log_mel_spectrogram

    a = max(0, int(t0 * SAMPLE_RATE))
    b = min(len(samples), int(math.ceil(t1 * SAMPLE_RATE)))
    mel = log_mel_spectrogram(np.asarray(samples[a:b], dtype=np.float32))
    shown = (samples_to_seconds(a), samples_to_seconds(a) + mel_frames_to_seconds(mel.shape[1]))
    if mel.shape[1] > MAX_COLUMNS:
        mel = _pool_columns(mel, math.ceil(mel.shape[1] / MAX_COLUMNS), np.mean)
    im = ax.imshow(mel, origin="lower", aspect="auto", cmap="magma", interpolation="nearest",
                   extent=(*shown, 0, mel.shape[0]))
    bar = fig.colorbar(im, cax=cax)
    bar.set_label("log-mel", fontsize=8)
    bar.ax.tick_params(labelsize=7)


def _draw_heatmap(fig, ax, cax, image: AlignmentImage, heat_in: float) -> None:
    n_rows = image.matrix.shape[0]
    ax.set_xlabel("time (s)")
    ax.set_ylabel("token")
    if n_rows == 0:
        ax.text(0.5, 0.5, "no speech: no tokens were decoded", ha="center", va="center",
                transform=ax.transAxes, color="0.4")
        ax.set_yticks([])
        cax.set_axis_off()
        return
    im = ax.imshow(image.matrix, origin="upper", aspect="auto", cmap="viridis",
                   interpolation="nearest", vmin=0.0, vmax=1.0,
                   extent=(image.start, image.end, n_rows - 0.5, -0.5))
    bar = fig.colorbar(im, cax=cax)
    bar.set_label("attention (row max = 1)", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    fits = max(1, int(heat_in * 72 * 0.9 / (LABEL_FONT_PT * 1.35)))
    step = max(1, math.ceil(n_rows / fits))
    ticks = list(range(0, n_rows, step))
    ax.set_yticks(ticks, [image.labels[i] for i in ticks], fontsize=LABEL_FONT_PT)
    if step > 1:
        ax.set_ylabel(f"token (every {_ordinal(step)} labelled, {n_rows} in all)")
    ax.grid(False)


def _draw_token_spans(ax, analysis: Analysis, image: AlignmentImage) -> None:
    """Thin marks of each token's aligned start-end, so the timestamps can be checked
    against the attention they come from."""
    if len(image.token_index) == 0 or len(image.token_index) != len(set(image.token_index)):
        return  # rows were pooled: spans would not line up with single rows
    if len(image.token_index) > 400:
        return
    by_index = {t.index: t for t in analysis.tokens}
    for row, i in enumerate(image.token_index):
        tok = by_index[i]
        ax.plot([tok.start, max(tok.end, tok.start + FRAME_SECONDS)], [row + 0.42, row + 0.42],
                color=SPAN_COLOUR, linewidth=1.0, solid_capstyle="butt",
                label="token start-end (alignment)" if row == 0 else None)
    ax.legend(loc="upper right", fontsize=7, framealpha=0.85, handlelength=1.5)


# -- helpers ---------------------------------------------------------------------------------


def _window_matrix(analysis: Analysis, window: int, attention) -> np.ndarray:
    if attention is not None and window < len(attention) and attention[window] is not None:
        return np.asarray(attention[window], dtype=np.float32)
    w = analysis.windows[window]
    mean = w.mean_heads()
    release_pages(w.heads)  # read from a file (attention_store): one window at a time
    return mean


def _pool_rows(raw: np.ndarray, labels, index, max_rows: int):
    if raw.shape[0] <= max_rows:
        return raw, labels, index
    factor = math.ceil(raw.shape[0] / max_rows)
    pooled = _pool_columns(raw.T, factor).T
    groups = range(0, raw.shape[0], factor)
    return (pooled, tuple("".join(labels[g: g + factor]).strip() for g in groups),
            tuple(index[g] for g in groups))


def _pool_columns(x: np.ndarray, factor: int, reduce=np.max) -> np.ndarray:
    n = x.shape[1]
    padded = math.ceil(n / factor) * factor
    if padded != n:
        x = np.concatenate([x, np.zeros((x.shape[0], padded - n), dtype=x.dtype)], axis=1)
    return reduce(x.reshape(x.shape[0], -1, factor), axis=2)


def _label(text: str) -> str:
    """A token as a tick label: visible, one line, no mathtext."""
    shown = text.replace("\n", "⏎").strip() or "␣"
    return shown.replace("$", r"\$")


def pass_attention(analysis: Analysis) -> tuple[list[np.ndarray | None], str]:
    """The `attention` and its label for drawing the alignment pass that timed the words:
    one matrix per window (its text tokens' rows; None for a window without a pass, which
    then shows the alignment-heads average). WhisperScopeError when no window had one."""
    attention = [w.pass_by_row() for w in analysis.windows]
    heads = sorted({h for w in analysis.windows for h in w.pass_heads})
    if analysis.tokens and not any(a is not None for a in attention):
        raise WhisperScopeError("no window was timed by an alignment pass: nothing to draw "
                                "for the pass (the default heads show the decoding)")
    named = ", ".join(f"L{layer} H{head}" for layer, head in heads)
    return attention, f"alignment pass, the matrix the times came from ({named})"


def _heads_label(analysis: Analysis) -> str:
    heads = analysis.windows[0].head_ids if analysis.windows else analysis.model.alignment_heads
    return f"alignment-heads average ({len(heads)} heads)"


def _last_time(analysis: Analysis) -> float:
    ends = [w.end for w in analysis.windows] + [t.end for t in analysis.tokens]
    return max(ends, default=0.0)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _load_samples(path: str) -> np.ndarray | None:
    if not path or not Path(path).is_file():
        return None
    try:
        from whisperscope.audio.loader import load_audio

        return load_audio(path).samples
    except (ImportError, OSError, WhisperScopeError):  # the figure is useful without it
        return None

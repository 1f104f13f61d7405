"""Heatmap rows from engine events: live rows per token, replaced at WindowDone."""

import numpy as np
import pytest

from whisperscope.engine.events import TokenDecoded, WindowStarted
from whisperscope.ui.attention_rows import MEAN, AttentionRows, HeadChoice

from .conftest import WORDS, synthetic_analysis


def _events():
    return synthetic_analysis("x.wav", 6.0)


def test_rows_appear_one_per_text_token_and_are_replaced_when_the_window_is_done():
    analysis, events = _events()
    rows = AttentionRows()
    seen = []
    for event in events:
        if isinstance(event, WindowStarted):
            rows.start_window(event)
        elif isinstance(event, TokenDecoded):
            rows.add_token(event)
            seen.append(rows.n_rows)
        elif type(event).__name__ == "WindowDone":
            rows.finish_window(event)
    assert seen == [*range(1, len(WORDS) + 1), len(WORDS)]  # EOT adds no row
    assert rows.n_rows == len(analysis.tokens)
    assert all(rows.token_index(r) == r for r in range(rows.n_rows))
    assert rows.row_of_token(4) == 4
    assert rows.label(3) == " fox"


def test_timestamps_and_special_tokens_get_no_row():
    rows = AttentionRows()
    attention = np.ones((2, 50), np.float32)
    rows.add_token(TokenDecoded(0, 0, 50364, "<|0.00|>", 1.0, True, 0.0, attention,
                                is_special=True))
    rows.add_token(TokenDecoded(0, 1, 50256, "<|endoftext|>", 1.0, False, 0.0, attention,
                                is_special=True))
    assert rows.n_rows == 0
    rows.add_token(TokenDecoded(0, 2, 11, " hi", 1.0, False, 0.0, attention))
    assert rows.n_rows == 1


def test_a_retried_window_loses_its_rows():
    _, events = _events()
    rows = AttentionRows()
    for event in events[:5]:
        if isinstance(event, TokenDecoded):
            rows.add_token(event)
    assert rows.n_rows == 3
    rows.void_window(0)
    assert rows.n_rows == 0


def test_normalised_rows_peak_at_one_and_raw_rows_keep_the_weights():
    analysis, _ = _events()
    rows = AttentionRows()
    from whisperscope.engine.events import WindowDone

    rows.finish_window(WindowDone(0, analysis.windows[0], tuple(analysis.segments),
                                  tuple(analysis.words), tuple(analysis.tokens)))
    block = rows.blocks[0]
    normalised = block.values(MEAN, True)
    assert normalised.shape == (len(WORDS), analysis.windows[0].n_frames)
    assert np.allclose(normalised.max(axis=1), 1.0)
    raw = block.values(MEAN, False)
    assert raw.max() == pytest.approx(0.12, abs=1e-3)
    one_head = block.values(HeadChoice("alignment", index=1, layer=3, head=0), False)
    assert one_head.shape == raw.shape
    # a layer/head outside the alignment heads needs a recomputation first
    assert block.values(HeadChoice("layer", layer=0, head=0), False) is None
    full = np.zeros((4, 6, len(WORDS) + 1, block.n_frames), np.float16)
    full[0, 0, :, 7] = 1.0
    rows.set_full(0, full)
    assert block.values(HeadChoice("layer", layer=0, head=0), False)[:, 7].min() == 1.0


def test_visible_rows_follow_the_time_range():
    analysis, _ = _events()
    from whisperscope.engine.events import WindowDone

    rows = AttentionRows()
    rows.finish_window(WindowDone(0, analysis.windows[0], tuple(analysis.segments),
                                  tuple(analysis.words), tuple(analysis.tokens)))
    t = analysis.tokens
    r0, r1 = rows.visible_rows(t[3].start + 0.01, t[5].end - 0.01)
    assert (r0, r1) == (3, 6)
    assert rows.row_span(4) == (t[4].start, t[4].end)


def _rss_file_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("RssFile:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no RssFile line")


def _finished_windows(n_windows: int, rows: int = 120, seed: int = 7):
    """WindowDone events of `n_windows` 30 s windows: 6 heads of random weights, the text
    rows every row but the first and last, an alignment pass for each."""
    from whisperscope.engine.events import WindowDone
    from whisperscope.session.model import TokenTiming, WindowAttention

    rng = np.random.default_rng(seed)
    events, index = [], 0
    for w in range(n_windows):
        text_rows = np.arange(1, rows - 1)
        heads = (rng.random((6, rows, 1500), dtype=np.float32) * 0.02).astype(np.float16)
        att = WindowAttention(w, 30.0 * w, 1500, np.arange(rows), (" w",) * rows, heads,
                              tuple((2, h) for h in range(6)), text_rows)
        att.pass_rows = rng.random((len(text_rows), 1500), dtype=np.float32).astype(np.float16)
        tokens = tuple(TokenTiming(index + i, 1000, " w", 30.0 * w + 0.2 * i,
                                   30.0 * w + 0.2 * i + 0.15, 0.9, w, int(r), w)
                       for i, r in enumerate(text_rows))
        index += len(tokens)
        events.append(WindowDone(w, att, (), (), tokens))
    return events


def test_finished_pass_rows_are_the_windows_own_array_drawn_the_same():
    """A block's pass rows view the window's (no copy), and draw what the copy drew."""
    from whisperscope.ui.attention_rows import PASS

    (event,) = _finished_windows(1)
    block = AttentionRows().finish_window(event)
    assert np.shares_memory(block.pass_rows, event.attention.pass_rows)
    rows = np.array([t.row for t in event.tokens])
    copied = event.attention.pass_by_row()[rows].astype(np.float16)  # what it was
    np.testing.assert_array_equal(block.pass_rows, copied)
    levels = (0.0, 1.0)
    image = block.image(PASS, False, levels).copy()
    block.pass_rows = copied
    block.drop_image()
    np.testing.assert_array_equal(block.image(PASS, False, levels), image)


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"),
                    reason="reads /proc/self/status")
def test_blocks_drawn_from_a_file_give_its_pages_back(tmp_path):
    """Attention kept in a file (as the engine process's parent keeps it): drawing every
    block reads it all once, yet its pages do not stay; the images are the same as from
    memory."""
    from whisperscope.session.attention_store import AttentionStore

    events = _finished_windows(30)  # 30 x 2.2 MB of heads
    in_memory, on_disk = AttentionRows(), AttentionRows()
    with AttentionStore(str(tmp_path)) as store:
        for event in events:
            in_memory.finish_window(event)
            att = event.attention
            mapped = type(att)(**{**vars(att), "heads": store.keep(att.heads),
                                  "pass_rows": store.keep(att.pass_rows)})
            on_disk.finish_window(type(event)(event.window, mapped, (), (), event.tokens))
    before = _rss_file_mb()
    for a, b in zip(in_memory.blocks, on_disk.blocks, strict=True):
        for choice in (MEAN, HeadChoice("alignment", 3, 2, 3)):
            np.testing.assert_array_equal(b.image(choice, True, (0.0, 1.0)),
                                          a.image(choice, True, (0.0, 1.0)))
    assert _rss_file_mb() - before < 12  # 66 MB were read

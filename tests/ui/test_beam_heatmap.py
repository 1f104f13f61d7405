"""Beam search in the window (issue 11): the live heatmap shows the rows of the hypothesis
that is best so far and settles on the winner. Real tiny.en, the bundled sample."""

from dataclasses import replace

from whisperscope.engine.events import Finished, HypothesisChanged, WindowDone
from whisperscope.session.model import AnalysisSettings
from whisperscope.ui.attention_rows import is_text_token


def is_a(kind):
    return lambda event: isinstance(event, kind)


def test_live_rows_follow_the_best_hypothesis_and_settle_on_the_winner(
        qtbot, make_window, real_engine):
    import torch

    from whisperscope.ui.main_window import sample_path

    torch.set_num_threads(1)
    window = make_window(real_engine)
    window.preferences.update(analysis=replace(AnalysisSettings(), beam_size=3))
    switches, settled = [], []

    def after(event) -> None:  # connected after the document: the views have the event
        rows = window.rows
        if isinstance(event, HypothesisChanged):
            live = rows.live_block
            texts = [t.text for t in event.tokens if is_text_token(t)]
            shown = [live.labels[i] for i in range(live.n_rows)] if live else []
            switches.append((len(texts), len(shown), len(texts) == len(shown)))
        elif isinstance(event, WindowDone):
            settled.append(rows.live_block is None)

    window.controller.event.connect(after)
    with qtbot.waitSignal(window.controller.event, check_params_cb=is_a(Finished),
                          timeout=300_000):
        window.open_file(sample_path())
    analysis = window.document.analysis
    assert analysis.settings.beam_size == 3
    assert switches, "beam search never changed its best hypothesis on the sample"
    assert all(same for *_, same in switches), switches  # the rows are the best's, no more
    assert settled and all(settled)  # at each window's end no live rows are left over
    # the finished heatmap is the winner's: one row per timed token, in order
    assert window.rows.n_rows == len(analysis.tokens)
    assert [window.rows.token_index(r) for r in range(window.rows.n_rows)] == list(
        range(len(analysis.tokens)))

"""A finished Analysis (e.g. from a saved session) replayed as the engine events that built
it, so the views fill in through the one path they already know. Qt-free."""

from __future__ import annotations

from collections.abc import Iterator

from whisperscope.engine.events import AnalysisStarted, EngineEvent, Finished, WindowDone
from whisperscope.session.model import Analysis


def replay_events(analysis: Analysis) -> Iterator[EngineEvent]:
    yield AnalysisStarted(analysis.audio.duration, len(analysis.windows), analysis.model)
    for window in analysis.windows:
        tokens = tuple(t for t in analysis.tokens if t.window == window.index)
        segments = tuple(s for s in analysis.segments if s.window == window.index)
        seg_ids = {s.index for s in segments}
        words = tuple(w for w in analysis.words if w.segment in seg_ids)
        yield WindowDone(window.index, window, segments, words, tokens, skipped=not tokens)
    yield Finished(analysis)

"""Run the real window on an X display, analyse a file, and save a screenshot.

    python -m tests.ui._screenshot_app OUT.png SETTINGS.ini [FILE] [--model NAME]
                                                           [--reference REF]

Prints one JSON line: the screen rectangles (in the PNG's pixels) of the spectrogram and
heatmap plot areas, the analysis summary and, with a reference, the comparison. A recording
longer than 30 s is shot past its first 30 s. Exits non-zero if the analysis fails.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QRect, QSettings, QTimer

from whisperscope.engine.events import Failed, Finished
from whisperscope.ui.app import create_app, create_window, parse_args, read_reference_arg
from whisperscope.ui.main_window import sample_path

TIMEOUT_MS = 240_000


def _plot_rect(window, widget, plot) -> list[int]:
    scene_rect = plot.vb.sceneBoundingRect()
    top_left = widget.mapFromScene(scene_rect.topLeft())
    bottom_right = widget.mapFromScene(scene_rect.bottomRight())
    origin = widget.mapTo(window, top_left)
    end = widget.mapTo(window, bottom_right)
    rect = QRect(origin, end)
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def main(argv: list[str]) -> int:
    out, settings_path, *rest = argv
    app = create_app()
    settings = QSettings(settings_path, QSettings.Format.IniFormat)
    args = parse_args(rest or [sample_path()])
    window = create_window(args, settings, reference=read_reference_arg(args))
    window.resize(1440, 880)
    window.show()
    result: dict = {}

    def finished(event) -> None:
        analysis = event.analysis
        result.update(text=analysis.text, tokens=len(analysis.tokens), model=analysis.model.name)
        # a moment of playback: the playhead on a word of the second sentence (past the
        # first 30 s on a longer recording, showing 12 s around it)
        late = [w for w in analysis.words if w.start > 32.0]
        word = late[len(late) // 2] if late else analysis.words[min(10, len(analysis.words) - 1)]
        if late:
            window.timeline.set_view_range(word.start - 6.0, word.start + 6.0)
        window.playback.seek((word.start + word.end) / 2)
        QTimer.singleShot(600, shoot)

    def shoot() -> None:
        window.plots.heatmap.redraw()
        app.processEvents()
        shot = window.screen().grabWindow(window.winId())
        shot.save(out)
        result["size"] = [shot.width(), shot.height()]
        result["spectrogram"] = _plot_rect(window, window.plots.spectrogram_widget,
                                           window.plots.spectrogram)
        result["heatmap"] = _plot_rect(window, window.plots.heatmap_widget,
                                       window.plots.heatmap)
        result["ratio"] = shot.devicePixelRatio()
        result["view"] = list(window.timeline.view_range)
        track = window.plots.spectrogram.words
        result["painted_words"] = [track.texts[i] for i in range(*track.painted)]
        document, comparison = window.document, window.reference.comparison
        lo, hi = window.timeline.view_range
        result["words_in_view"] = [(w.start, w.end) for w in document.shown.words
                                   if w.end > lo and w.start < hi]
        if document.reference is not None:
            result["reference_in_view"] = [(w.start, w.end) for w in document.reference.words
                                           if w.end > lo and w.start < hi]
        if comparison is not None:
            result["tiers"] = window.plots.tiers.tiers.order
            result["summary"] = window.token_list.summary.text()
            result["matched"] = len(comparison.pairs)
        app.quit()

    def failed(event) -> None:
        result["failed"] = event.message
        app.quit()

    window.controller.event.connect(
        lambda event: finished(event) if isinstance(event, Finished) else
        failed(event) if isinstance(event, Failed) else None)
    QTimer.singleShot(TIMEOUT_MS, app.quit)
    app.exec()
    window.shutdown()
    print(json.dumps(result))
    return 0 if "size" in result else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

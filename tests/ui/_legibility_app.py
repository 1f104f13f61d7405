"""Run the real window at a given size on an X display, analyse a file compared with a
reference, and report what can be read in the first view (a screenshot besides).

    python -m tests.ui._legibility_app OUT.png SETTINGS.ini WIDTHxHEIGHT FILE REF [--model M]

Prints one JSON line: the view range and the recording's duration, the words in view and
which of them have their whole label drawn in the words tier, the word list's columns (on
screen or not, and their widths) and the comparison's summary.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QWidget

from whisperscope.engine.events import Failed, Finished
from whisperscope.ui.app import create_app, create_window, parse_args, read_reference_arg
from whisperscope.ui.tier_view import WORDS
from whisperscope.ui.transcript_model import COLUMNS

TIMEOUT_MS = 240_000


def columns_on_screen(view) -> dict[str, dict]:
    header = view.horizontalHeader()
    width = view.viewport().width()
    out = {}
    for col, title in enumerate(COLUMNS):
        x = header.sectionViewportPosition(col)
        w = header.sectionSize(col)
        out[title] = {"shown": not view.isColumnHidden(col), "x": x, "width": w,
                      "on_screen": (not view.isColumnHidden(col)) and x >= 0 and x + w <= width}
    return out


def main(argv: list[str]) -> int:
    out, settings_path, size, *rest = argv
    width, height = (int(v) for v in size.split("x"))
    app = create_app()
    args = parse_args(["--reference", rest[1], rest[0], *rest[2:]])
    window = create_window(args, QSettings(settings_path, QSettings.Format.IniFormat),
                           reference=read_reference_arg(args))
    window.resize(width, height)
    window.show()
    result: dict = {}

    def finished(_event) -> None:
        QTimer.singleShot(800, shoot)  # the first view, painted

    def shoot() -> None:
        window.plots.heatmap.redraw()
        app.processEvents()
        shot = window.screen().grabWindow(window.winId())
        shot.save(out)
        tiers = window.plots.tiers.tiers
        lo, hi = window.timeline.view_range
        words = window.document.shown.words
        in_view = [i for i, w in enumerate(words) if w.end > lo and w.start < hi]
        result.update(
            size=[shot.width(), shot.height()], window=[window.width(), window.height()],
            view=[lo, hi], duration=window.timeline.duration, words_in_view=len(in_view),
            labelled=len(tiers.labelled.get(WORDS, set()) & set(in_view)),
            row_px=window.plots.tiers.vb.height() / max(1, len(tiers.order)),
            columns=columns_on_screen(window.token_list.word_view),
            summary=window.token_list.summary.text(),
            list_width=window.token_list.width(), plots_width=window.plots.width(),
            minimum_widths={name: getattr(window, name).minimumSizeHint().width()
                            for name in ("plots", "token_list", "transport", "analysis_bar")}
            | {"status": window.statusBar().minimumSizeHint().width(),
               "list_min": window.token_list.minimumWidth(),
               "central": window.centralWidget().minimumSizeHint().width()},
            controls={f"{type(c).__name__}:{getattr(c, 'text', lambda: '')()}":
                      c.minimumSizeHint().width()
                      for c in window.plots.controls.findChildren(QWidget)})
        app.quit()

    def failed(event) -> None:
        result["failed"] = event.message
        app.quit()

    window.controller.event.connect(
        lambda event: finished(event) if isinstance(event, Finished) else
        failed(event) if isinstance(event, Failed) else None)
    QTimer.singleShot(TIMEOUT_MS, app.quit)
    app.exec()
    window.document.mark_saved()
    window.shutdown()
    print(json.dumps(result))
    return 0 if "size" in result else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

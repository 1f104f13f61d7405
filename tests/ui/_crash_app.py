"""The real app, to be killed: analyse FILE, drag a word's end as a user would, wait for
the autosave, say so, and run on until killed.

    python -m tests.ui._crash_app SETTINGS.ini FILE

Prints one JSON line once the edit is autosaved: the word moved and its new end.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QSettings

from whisperscope.engine.events import Failed, Finished
from whisperscope.ui.app import create_app, create_window, parse_args


def main(argv: list[str]) -> int:
    settings_path, path = argv
    app = create_app()
    window = create_window(parse_args(["--model", "tiny.en", "--device", "cpu", path]),
                           QSettings(settings_path, QSettings.Format.IniFormat))
    window.show()

    def finished(event) -> None:
        word = event.analysis.words[1]
        end = round(word.end + 0.05, 3)
        window.editing.drop(1, "end", end)  # where a drag of that boundary ends

        def saved(_path) -> None:
            print(json.dumps({"word": 1, "end": window.document.shown.words[1].end}),
                  flush=True)

        window.autosaver.written.connect(saved)

    window.controller.event.connect(
        lambda event: finished(event) if isinstance(event, Finished) else
        app.exit(3) if isinstance(event, Failed) else None)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

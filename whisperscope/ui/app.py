"""`whisperscope [FILE]`: the application object, icon, theme and main window.

Only Qt, pyqtgraph and the Qt-free core data types load here; torch and whisper load in the
engine's own process (`engine.process`), so the window shows quickly and never freezes while
they load.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from importlib import resources

# isort: off
import whisperscope.ui.before_qt  # noqa: F401  (before Qt: see its docstring)
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication
# isort: on

from whisperscope import __version__

ICON_SIZES = (16, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    folder = resources.files("whisperscope.resources")
    icon = QIcon()
    for size in ICON_SIZES:
        png = folder / f"icon-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    if icon.isNull():
        icon = QIcon(str(folder / "icon.svg"))
    return icon


def parse_args(argv: list[str]) -> argparse.Namespace:
    from whisperscope.cli import one_line_parser
    from whisperscope.cli.window_options import add_window_arguments

    parser = one_line_parser(prog="whisperscope", description="Open the window.")
    add_window_arguments(parser)
    return parser.parse_args(argv)


def read_reference_arg(args: argparse.Namespace):
    """The --reference file, read before the window opens (None without one). Raises
    WhisperScopeError for a file that cannot be read or a reference with no recording."""
    if not args.reference:
        return None
    from whisperscope.errors import WhisperScopeError
    from whisperscope.session.reference import read_reference

    if not args.file:
        raise WhisperScopeError("--reference needs a recording to compare: "
                                "whisperscope FILE --reference REF")
    return read_reference(args.reference)


def create_app() -> QApplication:
    from whisperscope.ui import theme

    app = QApplication.instance()
    if app is None:
        QApplication.setApplicationName("WhisperScope")
        QApplication.setOrganizationName("WhisperScope")
        QApplication.setApplicationVersion(__version__)
        QApplication.setDesktopFileName("whisperscope")
        app = QApplication(sys.argv[:1])
    theme.configure_pyqtgraph()
    theme.apply_palette(app)
    app.setWindowIcon(app_icon())
    return app


class AfterFirstPaint(QObject):
    """Calls `then` once, in the event loop's next turn after `widget` first paints."""

    def __init__(self, widget, then) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


def _start_engine(engine) -> None:
    start = getattr(engine, "start", None)  # only ProcessEngine has a process to start
    if start is not None:
        start()


def when_first_painted(window) -> None:
    """What the app does once the window has first painted (in the event loop's next turn):
    - start the engine's own process, which imports torch there: started while the window
      was built, it took a core from it (launch 0.65 -> 0.56 s on two cores,
      bench/ui_latency.py). A file to open starts it at once.
    - freeze the heap made so far (gc.freeze): the ~77 000 objects of the imports and the
      window then sit outside the cyclic collector, whose full collections walked them
      all, a 16 ms stall every so often while playing (bench/ui_latency.py)."""
    def first_painted() -> None:
        _start_engine(window.controller.engine)
        gc.freeze()

    AfterFirstPaint(window.plots.spectrogram_widget.viewport(), first_painted)


def create_window(args: argparse.Namespace, settings: QSettings | None = None,
                  reference=None):
    """The main window for parsed `args` (not shown). A FILE starts its analysis as soon as
    the event loop runs, compared with `reference` (a read --reference) if given; without
    one, work left behind by a crash is offered back."""
    from whisperscope.ui.engine_service import ProcessEngine
    from whisperscope.ui.main_window import MainWindow
    from whisperscope.ui.settings_store import SettingsStore

    window = MainWindow(SettingsStore(settings), engine=ProcessEngine())
    when_first_painted(window)
    if args.model:
        window.analysis_bar.set_model(args.model)
    if args.device:
        window.analysis_bar.set_device(args.device)
    if not args.file:  # work a crashed window left behind is offered back
        QTimer.singleShot(0, window.recovery.offer)
    else:
        path = os.path.abspath(args.file)
        if path.endswith(".wscope"):  # a saved session opens without running the model
            QTimer.singleShot(0, lambda: window.sessions.open_from(path))
        else:
            QTimer.singleShot(0, lambda: _open(window, path, reference))
    return window


def _open(window, path: str, reference) -> None:
    window.open_file(path)
    if reference is not None:
        window.document.set_reference(reference)


def install_excepthook(window) -> None:
    """An unexpected error (a bug) in any slot shows a dialog instead of vanishing: the window,
    its analysis and the user's unsaved work stay as they are. The traceback still goes to
    stderr, for the bug report."""
    import traceback

    previous = sys.excepthook

    def show(kind, error, trace) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, trace)
            return
        traceback.print_exception(kind, error, trace)
        try:
            window.notifier.error(
                "Something went wrong",
                f"{kind.__name__}: {error}\n\nThis is a bug in WhisperScope. Nothing was "
                "lost: the window and your analysis are as they were, and you can save the "
                "session (Ctrl+S). The details are on the terminal (stderr).")
        except RuntimeError:  # the window is already gone (closing)
            previous(kind, error, trace)

    sys.excepthook = show


def run_app(argv: list[str]) -> int:
    from whisperscope.errors import WhisperScopeError

    args = parse_args(argv)
    try:
        reference = read_reference_arg(args)
    except WhisperScopeError as error:  # before any window: one line, exit code 2
        print(f"whisperscope: error: {error}", file=sys.stderr)
        return 2
    app = create_app()
    window = create_window(args, reference=reference)
    install_excepthook(window)
    window.show()
    code = app.exec()
    window.shutdown()
    return code

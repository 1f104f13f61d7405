"""`whisperscope [FILE]` opens the window; subcommands run the same engine headless.

Each subcommand lives in its own module exposing `add_parser(subparsers)`, which registers
the parser and sets `handler=run` on it; `run(args) -> int` returns the exit code. User
errors (WhisperScopeError) become one line on stderr and exit code 2, never a traceback.

Exit codes (README, "Exit codes"): 0 done; 2 bad input or an output that cannot be
written; 130 interrupted (Ctrl+C) or cancelled; 143 terminated (SIGTERM) and 129 hung up
(SIGHUP), stopped as Ctrl+C stops a run (workers stopped, no half-written file); 141 stdout
was closed by its reader (e.g. `| head`), quietly, as a program killed by SIGPIPE; 1 only
for a bug (with its traceback).
"""

# Nothing is imported at module level but sys: Ctrl+C while the imports run (torch takes a
# second) must land inside main's guard, not print a KeyboardInterrupt traceback.
import sys

SUBCOMMAND_MODULES = ("align", "render")
EXIT_USER_ERROR = 2
EXIT_CANCELLED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE
STOPPED = (EXIT_CANCELLED, 143, 129)  # Ctrl+C, SIGTERM, SIGHUP


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_CANCELLED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except BaseException as stop:  # imported here: nothing but sys before main's guard
        from whisperscope.termination import Terminated

        if not isinstance(stop, Terminated):
            raise
        _say(f"stopped by {stop}")  # SIGTERM, SIGHUP
        return stop.exit_code


def run() -> None:
    """The `whisperscope` command: main's exit code, also after Ctrl+C.

    CPython remembers a KeyboardInterrupt that went through code an extension ran with
    `PyRun_*` (torch's import does, through pybind11) even once main has caught it, and then
    ends the process by SIGINT (-2) instead of with main's 130, about one Ctrl+C in four
    during the imports. Every `finally` has run by then (the interrupt came back through
    them to main), so the process ends here, with the code documented, unless it has worker
    processes (`--jobs`): the interpreter's own shutdown stops them, so it must run.

    This is our own process, so numba is deferred here (see `numba_on_demand`)."""
    from whisperscope import numba_on_demand

    numba_on_demand.install()  # before anything imports whisper
    code = main()
    if code in STOPPED and not _has_children():
        import os

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


def _has_children() -> bool:
    if "multiprocessing" not in sys.modules:  # nothing started one
        return False
    import multiprocessing

    return bool(multiprocessing.active_children())


def build_parser(argv: list[str] | None = None):
    """The command line parser; `argv` (what will be parsed) lets errors hint at file
    names that start with '-'."""
    import argparse
    import importlib

    from whisperscope import __version__
    from whisperscope.cli.window_options import window_help

    parser_class = _parser_class()
    parser_class.argv = list(argv or [])
    parser = parser_class(
        prog="whisperscope",
        usage="whisperscope [-h] [--version] [FILE] [--model NAME] [--device DEVICE] "
              "[--reference REF]\n       whisperscope COMMAND ...",
        description="See what Whisper hears. With no subcommand, opens the window.",
        epilog=window_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"whisperscope {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", prog="whisperscope")
    for name in SUBCOMMAND_MODULES:
        module = importlib.import_module(f"whisperscope.cli.{name}")
        module.add_parser(subparsers)
    return parser


def _main(argv: list[str]) -> int:
    from whisperscope.cli.window_options import WINDOW_FLAGS
    from whisperscope.errors import AnalysisCancelled, WhisperScopeError
    from whisperscope.termination import terminations_raised

    # `whisperscope FILE`, `whisperscope --reference REF FILE` and `whisperscope` open the
    # window; anything else is a subcommand.
    first = argv[0].split("=", 1)[0] if argv else ""
    if not argv or argv[0] == "--" or first in WINDOW_FLAGS or (
            argv[0] not in SUBCOMMAND_MODULES and not argv[0].startswith("-")):
        return _open_window(argv)
    args = build_parser(argv).parse_args(argv)
    if args.command is None:
        return _open_window([])
    try:
        # a subcommand stops on SIGTERM and SIGHUP as on Ctrl+C (the window keeps the
        # default: its engine process ends with it)
        with terminations_raised():
            return args.handler(args)
    except AnalysisCancelled:
        _say("cancelled")
        return EXIT_CANCELLED
    except WhisperScopeError as error:
        _say(f"error: {error}")
        return EXIT_USER_ERROR


def _parser_class():
    """argparse's parser, with a hint for a file name that starts with '-' (subparsers
    inherit the class), and a usage error as one line, not the whole usage first."""
    import argparse

    class HintingParser(argparse.ArgumentParser):
        argv: list[str] = []

        def error(self, message):
            dashed = _dash_file(HintingParser.argv)
            if dashed is not None:
                self.exit(EXIT_USER_ERROR, f"whisperscope: error: '{dashed}' is read as an "
                          "option; to name a file that starts with '-', put -- before it "
                          f"(-- {dashed}) or write ./{dashed}\n")
            argv = HintingParser.argv
            prog = f"whisperscope {argv[0]}" if argv and argv[0] in SUBCOMMAND_MODULES \
                else self.prog
            self.exit(EXIT_USER_ERROR, f"whisperscope: error: {message} (see {prog} --help)\n")

    return HintingParser


def one_line_parser(**kwargs):
    """An argparse parser whose usage errors are one line and exit code 2."""
    return _parser_class()(**kwargs)


def _dash_file(argv: list[str]) -> str | None:
    """The first argument before any `--` that starts with '-' and names an existing file."""
    import os

    for arg in argv:
        if arg == "--":
            return None
        if arg.startswith("-") and arg != "-" and os.path.exists(arg):
            return arg
    return None


def _say(text: str) -> None:
    from whisperscope.cli.messages import say

    say(text)




def _quiet_stdout() -> None:
    """The reader closed stdout: point it at /dev/null, so the interpreter's own flush at
    exit finds nothing to complain about."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _no_display() -> bool:
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


GUI_MODULES = ("PySide6", "shiboken6", "pyqtgraph")  # the `gui` extra's: the window needs them


def _gui_missing() -> str | None:
    """The first of the window's packages this install lacks, or None."""
    import importlib.util

    for name in GUI_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except (ImportError, ValueError):  # a broken or blocked package: missing too
            return name
    return None


def _open_window(argv: list[str]) -> int:
    missing = _gui_missing()
    if missing is not None:
        _say(f"the window needs the GUI packages ({missing} is not installed): "
             "pip install 'whisperscope[gui]'; `whisperscope align FILE` runs without them")
        return EXIT_USER_ERROR
    if _no_display():
        # Qt would abort the process with a plugin error; say what to do instead
        _say("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
             "run `whisperscope align FILE` to analyse headless")
        return EXIT_USER_ERROR
    try:
        from whisperscope.ui.app import run_app
    except ImportError as error:  # e.g. no libGL / libEGL on a bare server
        _say(f"cannot open the window ({error}); use `whisperscope align FILE` to run headless")
        return EXIT_USER_ERROR
    return run_app(argv)

"""User-facing errors. Each carries a message a user can act on; no traceback is shown."""


class WhisperScopeError(Exception):
    """Base class for errors that are the user's input, not a bug."""


class AudioError(WhisperScopeError):
    """The audio file is missing, unreadable, empty or not audio."""


class ModelError(WhisperScopeError):
    """No model could be found or the model file is corrupt."""


class AnalysisCancelled(WhisperScopeError):
    """The user cancelled the analysis."""


class ExportError(WhisperScopeError):
    """An export or save could not be written; existing files are untouched."""


def exception_reason(exc: BaseException) -> str:
    """One short line for an exception: its type and the first line of its message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__

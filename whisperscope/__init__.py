"""WhisperScope: see what Whisper hears.

The Python API (whisperscope/api.py) is here by name, loaded on first use, so
`import whisperscope` itself loads no torch, whisper or Qt:

    import whisperscope
    result = whisperscope.transcribe("talk.wav", model="tiny.en")
    whisperscope.write(result, "talk.srt", max_line_width=42, max_line_count=2)

Importing it changes nothing in the importing process: no import hooks, no patched
modules. Our own processes (the command line, the window, the engine process, corpus
workers) defer numba themselves (`numba_on_demand.install()` at their entry points).
"""

__version__ = "0.1.0"

_API = ("Model", "Result", "align", "load_model", "read", "transcribe", "write")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from whisperscope import api

        return getattr(api, name)
    raise AttributeError(f"module 'whisperscope' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})

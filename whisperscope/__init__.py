"""WhisperScope: see what Whisper hears.

Importing it changes nothing in the importing process: no import hooks, no patched
modules. Our own processes (the command line, the window, the engine process, corpus
workers) defer numba themselves (`numba_on_demand.install()` at their entry points).
"""

__version__ = "0.1.0"

"""WhisperScope: see what Whisper hears."""

from whisperscope import numba_on_demand

__version__ = "0.1.0"

# before anything imports whisper, which imports numba (LLVM: 115 MB) for code never run here
numba_on_demand.install()

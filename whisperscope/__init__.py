"""WhisperScope: see what Whisper hears."""

__version__ = "0.1.0"

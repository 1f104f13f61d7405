"""WhisperScope's resources: the sample recording and its transcript, the icons, the
desktop entry and the AppStream metainfo. The folder sits beside `whisperscope/` and is
installed as the package `whisperscope.resources` (setup.py), so code finds it with
`importlib.resources.files("whisperscope.resources")` in a clone, a wheel or a bundle."""

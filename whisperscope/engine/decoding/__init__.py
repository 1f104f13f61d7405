"""whisper's decoding, owned step by step: what the window loop (engine/analyzer.py) runs.

  decoder.py          the kv-cached text decoder over whisper's own modules, returning the
                      cross-attention with every step
  window_decoding.py  one 30 s window decoded token by token as `whisper.decode` does
                      (greedy, best-of sampling, beam search), yielding each token
  options.py          AnalysisSettings -> whisper's DecodingOptions, as `transcribe` does

The loop's own rules (the seek, prompts, no-speech, hallucinated silence, silence
skipping) sit beside the analyzer: engine/transcribe_rules.py, hallucination.py,
silence_skip.py.
"""

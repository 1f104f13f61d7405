"""Where a word's time is decided: the one place, Qt-free and model-free except for the pass.

The path a word's time takes, for each 30 s window the analyzer (engine/analyzer.py) has
decoded:

1. `voicing`: which 20 ms encoder frames hold sound, from the level of Whisper's own log-mel
   judged over the whole recording (`voiced_frames`, `encoder_frames`); a stretch of steady
   noise far under the speech is silence whatever its level (`steady_pauses`), and a
   sound keeps its quiet onset and decay (`_with_edges`).
2. The window's words: the decoding's, grouped as whisper groups them
   (`window.decoded_words`), or a known transcript's share of words (`transcript`; where
   the window's text stops at a long pause, `island_division.share_before_pause` lets the
   model judge where the share ends; the user's anchors, `anchors`, decide last).
3. `spelling.spell`: the words as characters, each space a unit of its own.
4. `forced_pass.run_alignment_pass`: the characters teacher-forced through the decoder on
   the window's encoder output, opening with the timestamp of its first sound
   (`forced_window.force_words` for a transcript, which also makes the heatmap's rows),
   keeping the most alignment-like cross-attention head by
   `heads.head_alignment_scores` (the score the heads grid shows too).
5. `dtw.alignment_matrix`: that head's rows z-scored over rows, median-filtered along time.
6. `boundaries.unit_starts`: DTW over the matrix in which silent frames are free for
   spaces and cost letters `PAUSE_COST` (pause states), sound after the text goes to the
   end of text (open end), and a text that stops at a timestamp pair may not run far past
   it (`window.text_end_band`), and rows of words the user pinned keep to their anchors'
   frames (`anchors.anchor_band`; anchored edges land on the anchors exactly); then
   `boundaries.word_frames`: each word from its first letter to the next word, pulled in
   off silence and cut at a pause; `closures`: a silence of up to 100 ms between two
   words goes to the word whose stop consonant makes it. A window whose sound falls into
   islands 1 s or more apart has its words divided among them by the model
   (`island_division`), the pass made again with whisper's timestamps at each pause
   (`forced_pass.run_stamped_pass`), and each island aligned on its own frames
   (`islands`, `pass_frames`).
7. `window.time_window`: each token starts at its first letter; each word's start moves to
   the strongest change of the 10 ms log-mel within a frame of it (`spectral_edges`: the
   pass's 20 ms frames quantise it), the word before ending there if it ended on that
   frame; words and whisper's segments in global seconds (a `WindowTiming`), which
   `engine/window_record.py` puts into the Analysis.

Without a pass (`AlignmentOptions(alignment_pass=False)`, or a word longer than the
decoder's context) the decoding's own rows are timed instead (`decoder_rows`). `retime`
re-times words with heads picked by hand. Every constant says what it was tuned on.
"""

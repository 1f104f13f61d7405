"""The alignment's options: every refinement can be switched off (the ablation bench does)."""

from __future__ import annotations

from dataclasses import dataclass

from whisperscope.engine.timing.boundaries import PAUSE_COST, TEXT_END_MARGIN
from whisperscope.engine.timing.dtw import MEDIAN_FILTER_WIDTH

# --- timing words from a teacher-forced alignment pass (forced_pass.py) ---
#
# Measured on ../shared/data/timit-dev (64 utterances, 8 speakers): with the window's words
# spelled as characters, the alignment heads of whisper's table average heads whose rows lag
# the sound by different amounts (tiny.en: 93 ms mean word-start error, 3 heads of the
# best-scored ones averaged: 64 ms); the one head of all layers that scores best, chosen per
# window from the attention alone, times word starts within 31 ms with tiny.en and base.
# Peakedness alone chose a layer-0 head parked on a few frames in 12 of base's 64 windows
# (457 ms); peakedness x coverage never did. Median filter width 3 was best of 1, 3, 5, 7.
PASS_MEDIAN_FILTER_WIDTH = 3


@dataclass(frozen=True)
class AlignmentOptions:
    medfilt_width: int = MEDIAN_FILTER_WIDTH
    refine: bool = True  # False: plain openai-whisper-style boundaries (the reference)
    attention_floor: float = 0.25  # a frame belongs to a token where its attention exceeds
    #                                this fraction of the token's peak (after smoothing)
    silence_db: float = 45.0  # frames this far below the window's loudest are silence
    max_onset_shift: int = 25  # frames an onset may move earlier (0.5 s)
    min_gap: int = 3  # a silence of this many frames (60 ms) separates words
    alignment_pass: bool = True  # time words from a teacher-forced pass over the window's
    #                              words (forced_pass.py) rather than the decoding's rows
    alignment_units: str = "chars"  # what that pass feeds: "chars" or "pieces"
    choose_heads: bool = True  # that pass's best-scored head, else the model's heads
    pass_medfilt_width: int = PASS_MEDIAN_FILTER_WIDTH
    pause_states: bool = True  # spaces absorb pauses in that pass (see unit_starts)
    pause_cost: float = PAUSE_COST
    open_end: bool = True  # untranscribed sound after the text goes to its end (unit_starts)
    islands: bool = True  # speech apart by long silences timed island by island (islands.py)
    island_stamps: bool = True  # that timing's pass made again with whisper's timestamps at
    #                             each pause (island_division.island_timing)
    opening_timestamp: bool = True  # the pass's text opens with the timestamp of the first
    #                                 sound (forced_pass.opening_frame), not <|notimestamps|>
    silence_padding: bool = True  # the timing passes hear silence after a short window's end,
    #                               not whisper's zero padding (hearing.py)
    spectral_edges: bool = True  # a word's start at the strongest spectral change within
    #                              a frame of the pass's (spectral_edges.py)
    stop_closures: bool = True  # a short silence between two words goes to the stop
    #                             consonant that makes it (closures.py)
    text_end_margin: int = TEXT_END_MARGIN  # frames the last letters may run past a
    #                                         timestamp pair that ends the text; 0: no bound

"""Force a window's share of a known transcript through the decoder.

Two teacher-forced passes on the window's encoder output: one with the words as Whisper's
own word pieces, which become the window's tokens and its heatmap rows (the alignment heads'
attention, as the decoding's rows would be), and one with the words spelled as characters,
which times them (forced_pass.py). The pieces' probabilities say whether the audio
supports each word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from whisperscope.engine.decoding.decoder import CachedDecoder
from whisperscope.engine.decoding.window_decoding import DecodedWindow
from whisperscope.engine.timing.forced_pass import AlignmentPass, HeadRequest, run_alignment_pass
from whisperscope.engine.timing.spelling import spell

# A transcript word whose pieces the model finds less likely than this, on average, given
# the audio, is flagged `unaligned`. On ../shared/data/timit-dev with base and tiny.en, the
# utterances' own sentences give 0-2 % of words below it and another utterance's sentence
# most of them (bench/real_speech.py --transcript and tests/engine/test_transcript_*.py).
UNALIGNED_PROBABILITY = 0.05
# ... and every word of a window whose words' median probability is below this: on the
# first utterances of timit-dev with tiny.en, own sentences gave medians of 0.5 and more,
# another utterance's sentence 0.04 and less.
DOUBTFUL_WINDOW_PROBABILITY = 0.1
# ... and a word longer than this: the longest word in timit-dev takes 1.04 s
# ("universality"); one over twice that is text the alignment could not place, e.g. a
# sentence in a script without spaces taken as one word, spread over all it was given.
MAX_WORD_SECONDS = 2.5


@dataclass(frozen=True)
class ForcedWindow:
    decoded: DecodedWindow  # the transcript's pieces as if decoded, then the end of text
    words: tuple[tuple[str, int], ...]  # (word as written, its number of pieces), in order
    timing_pass: AlignmentPass  # the characters' pass


def force_words(
    decoder: CachedDecoder,
    tokenizer,
    words: Sequence[str],
    head_ids: Sequence[tuple[int, int]],
    n_frames: int,
    no_speech_prob: float,
    units: str = "chars",
    timing_heads: HeadRequest | None = None,
    starts_at: int | None = None,
) -> ForcedWindow:
    """The window whose encoder output `decoder` holds, given its `words`; the pass that
    times them keeps `timing_heads` (default: the model's `head_ids`) and opens at
    `starts_at` (forced_pass.opening_frame)."""
    head_ids = tuple(head_ids)
    timing_heads = timing_heads or HeadRequest(keep=head_ids)
    pieces = spell(tokenizer, words, "pieces")
    if units == "pieces":  # one pass gives the rows and the times
        piece_heads = replace(timing_heads, keep=tuple(dict.fromkeys(
            (*head_ids, *timing_heads.keep))))
        piece_pass = timing_pass = run_alignment_pass(decoder, tokenizer, pieces, n_frames,
                                                      piece_heads, starts_at=starts_at)
    else:
        piece_pass = run_alignment_pass(decoder, tokenizer, pieces, n_frames,
                                        HeadRequest(keep=head_ids))
        timing_pass = run_alignment_pass(decoder, tokenizer, spell(tokenizer, words, units),
                                         n_frames, timing_heads, logprobs=False,
                                         starts_at=starts_at)
    # (n_heads, n_pieces + 1, n_frames): the rows the decoding's alignment heads would give
    attention = np.stack([piece_pass.head(*h) for h in head_ids])
    logprobs = piece_pass.logprobs.astype(np.float64)
    ids = (*pieces.ids, tokenizer.eot)
    decoded = DecodedWindow(
        prompt_ids=(*tokenizer.sot_sequence, tokenizer.no_timestamps),
        token_ids=ids,
        probabilities=tuple(float(p) for p in np.exp(logprobs)),
        attention=attention.astype(np.float32),
        avg_logprob=float(logprobs.sum() / len(ids)),
        no_speech_prob=no_speech_prob,
        temperature=0.0,
        text="".join(words),
    )
    given = tuple((word, len(tokenizer.encode(word))) for word in words)
    return ForcedWindow(decoded, given, timing_pass)

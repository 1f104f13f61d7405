"""Words matched by their text: how recognised words are paired with reference words (the
benches', the workbench's reference comparison), and the word error rate. Pure text, no
numpy or audio libraries: the window imports it before Qt."""

from __future__ import annotations

import difflib
import re


def match_by_text(truth: list, found: list) -> list[tuple]:
    """Pairs (truth word, recognised word) whose texts agree, in order (difflib's longest
    matching runs over lower-case letters, digits and apostrophes). Both lists hold objects
    with a `.text`; recognised words the model merged or misheard are left out."""

    def normalise(word: str) -> str:
        return re.sub(r"[^a-z0-9']", "", word.lower())

    a = [normalise(w.text) for w in truth]
    b = [normalise(w.text) for w in found]
    blocks = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks()
    return [(truth[m.a + k], found[m.b + k]) for m in blocks for k in range(m.size)]


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """(substitutions + deletions + insertions) / len(reference), over words compared as
    lower-case letters, digits and apostrophes (1.0 per extra word if reference is empty)."""

    def normalise(words: list[str]) -> list[str]:
        out = [re.sub(r"[^a-z0-9']", "", w.lower()) for w in words]
        return [w for w in out if w]

    ref, hyp = normalise(reference), normalise(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        row = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (r != h))
        previous = row
    return previous[-1] / max(len(ref), 1) if ref else float(len(hyp))

"""Reference word times: the four readers, text matching, the error summary, the CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from whisperscope.session.model import Word
from whisperscope.session.reference import (
    Reference,
    ReferenceFileError,
    RefWord,
    compare,
    comparison_csv,
    read_reference,
    summary_text,
    write_comparison_csv,
)

TIMIT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "timit-dev"
PLANTED = [("she", 0.10, 0.40), ("had", 0.40, 0.62), ("your", 0.62, 0.80),
           ("dark", 0.80, 1.20)]


def words_of(reference):
    return [(w.text, round(w.start, 4), round(w.end, 4)) for w in reference.words]


def test_reads_a_praat_textgrid_word_tier(tmp_path):
    import textgrid as tg

    grid = tg.TextGrid(minTime=0, maxTime=2.0)
    phones = tg.IntervalTier("phones", 0, 2.0)
    phones.add(0.1, 0.2, "sh")
    words = tg.IntervalTier("words", 0, 2.0)
    words.add(0.0, 0.1, "")  # silence intervals are not words
    for text, start, end in PLANTED:
        words.add(start, end, text)
    words.add(1.2, 2.0, "sil")
    grid.append(phones)
    grid.append(words)
    path = tmp_path / "ref.TextGrid"
    grid.write(str(path))
    reference = read_reference(path)
    assert reference.kind == "textgrid" and words_of(reference) == PLANTED


def test_reads_timit_audacity_and_our_json(tmp_path):
    wrd = tmp_path / "a.wrd"
    wrd.write_text("".join(f"{round(s * 16000)} {round(e * 16000)} {t}\n"
                           for t, s, e in PLANTED))
    labels = tmp_path / "labels.txt"
    labels.write_text("".join(f"{s}\t{e}\t{t}\n\\\t100\t2000\n" for t, s, e in PLANTED))
    ours = tmp_path / "ours.json"
    ours.write_text('{"words": [' + ", ".join(
        f'{{"text": " {t.title()},", "start": {s}, "end": {e}}}' for t, s, e in PLANTED) + "]}")
    assert words_of(read_reference(wrd)) == PLANTED
    assert words_of(read_reference(labels)) == PLANTED
    assert [w.text for w in read_reference(ours).words] == ["She,", "Had,", "Your,", "Dark,"]


@pytest.mark.parametrize("name, text, message", [
    ("x.doc", "", "cannot tell"), ("x.wrd", "12 x word\n", "not a readable TIMIT"),
    ("x.txt", "no tabs here\n", "not a readable Audacity"), ("x.json", "{", "json"),
    ("x.wrd", "", "holds no words"), ("x.txt", "2.0\t1.0\tbackwards\n", "impossible"),
    ("x.TextGrid", "not a grid", "TextGrid"),
])
def test_bad_references_are_one_clear_error(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ReferenceFileError, match=message):
        read_reference(path)


def test_missing_reference(tmp_path):
    with pytest.raises(ReferenceFileError, match="no such reference"):
        read_reference(tmp_path / "gone.TextGrid")


def hyp(*items):
    return [Word(text, start, end, 0.9, (), 0) for text, start, end in items]


def test_compare_matches_by_text_and_measures_errors():
    reference = Reference("r", "timit", tuple(RefWord(*w) for w in PLANTED))
    # " She" 20 ms late; "had" misheard; " your" 60 ms early at its end; an extra " oh"
    ours = hyp((" She", 0.12, 0.40), (" hat", 0.40, 0.60), (" oh", 0.61, 0.62),
               (" your", 0.62, 0.74), (" dark.", 0.90, 1.20), (" -", 1.3, 1.4))
    comparison = compare(ours, reference)
    assert [(p.word, p.ref) for p in comparison.pairs] == [(0, 0), (3, 2), (4, 3)]
    assert comparison.error_of(0).start_error == pytest.approx(0.02)
    assert comparison.error_of(3).end_error == pytest.approx(-0.06)
    assert comparison.error_of(1) is None
    assert comparison.n_words == 5 and comparison.n_ref == 4  # " -" has no letters
    assert comparison.unmatched_words == 2 and comparison.unmatched_ref == 1
    assert comparison.mean_abs("start") == pytest.approx((0.02 + 0 + 0.1) / 3)
    # boundaries: starts 20, 0, 100 ms; ends 0, 60, 0 ms
    assert comparison.within(0.020) == pytest.approx(4 / 6)
    assert comparison.within(0.050) == pytest.approx(4 / 6)
    assert comparison.within(0.100) == pytest.approx(1.0)
    text = summary_text(comparison)
    assert "3 matched" in text and "start 40 ms" in text and "67% / 67% / 100%" in text
    assert "unmatched: 2 ours, 1 reference" in text


def test_the_comparison_exports_as_csv(tmp_path):
    reference = Reference("r", "timit", tuple(RefWord(*w) for w in PLANTED))
    ours = hyp((" She", 0.12, 0.40), (" hat", 0.40, 0.60), (" dark", 0.80, 1.25))
    comparison = compare(ours, reference)
    rows = list(csv.DictReader(io.StringIO(comparison_csv(ours, reference, comparison))))
    assert [r["word"] or r["ref_word"] for r in rows] == ["She", "hat", "had", "your", "dark"]
    assert rows[0]["start_error_ms"] == "20.0" and rows[-1]["end_error_ms"] == "50.0"
    assert rows[1]["ref_word"] == "" and rows[2]["word"] == ""
    path = write_comparison_csv(tmp_path / "c.csv", ours, reference, comparison)
    assert path.read_text().startswith("word,start,end,ref_word")


def test_timit_word_files_read_in_place():
    files = sorted(TIMIT.glob("*/*.wrd"))
    if not files:
        pytest.skip("no TIMIT sample in ../shared/data/timit-dev")
    for path in files:
        reference = read_reference(path)
        first = path.read_text().split()
        assert reference.words[0].start == pytest.approx(int(first[0]) / 16000)
        transcript = path.with_suffix(".txt").read_text().split(maxsplit=2)[2].lower()
        assert all(w.text in transcript for w in reference.words)
        # itself: every word matched with no error
        comparison = compare(reference.words, reference)
        assert len(comparison.pairs) == len(reference.words)
        assert comparison.mean_abs("start") == 0.0

"""ELAN, Audacity labels, whisper's plain text and subtitles that fit: each written, then read
back by an independent parser (pympi, srt, webvtt, whisper's own writers)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import srt
import webvtt
from pympi.Elan import Eaf
from whisper.utils import WriteSRT, WriteTXT, WriteVTT

from whisperscope.errors import ExportError
from whisperscope.session import exporters
from whisperscope.session.exporters import milliseconds as ms
from whisperscope.session.importers import read_document, timed_words

ALL = ["analysis", "odd_analysis", "empty_analysis", "long_analysis"]


@pytest.fixture(params=ALL)
def any_analysis(request):
    return request.getfixturevalue(request.param)


def visible(items):
    return [x for x in items if x.text.strip()]


# -- ELAN ----------------------------------------------------------------------------------


def test_eaf_opens_with_pympi_with_the_words_and_tokens(analysis, tmp_path):
    out = tmp_path / "talk.eaf"
    reference = [(0.3, 1.2, "hello world"), (3.3, 4.6, "second")]
    exporters.export(analysis, out, tiers={"reference": reference})
    eaf = Eaf(str(out))
    assert set(eaf.get_tier_names()) == {"words", "tokens", "reference"}
    words = sorted(eaf.get_annotation_data_for_tier("words"))
    assert [(s, e, v) for s, e, v in words] == [
        (ms(w.start), ms(w.end), w.text.strip()) for w in analysis.words]
    tokens = sorted(eaf.get_annotation_data_for_tier("tokens"))
    assert "".join(v for _, _, v in tokens).replace(" ", "") == "".join(
        t.text for t in analysis.tokens).replace(" ", "")
    assert sorted(eaf.get_annotation_data_for_tier("reference")) == [
        (300, 1200, "hello world"), (3300, 4600, "second")]
    media = eaf.media_descriptors[0]
    assert media["MEDIA_URL"] == Path(analysis.audio.path).as_uri()
    assert media["MIME_TYPE"] == "audio/x-wav"
    assert eaf.adocument["DATE"] == "1970-01-01T00:00:00+00:00"  # the audio is missing
    assert exporters.to_text(analysis, "eaf") == exporters.to_text(analysis, "eaf")


def test_eaf_of_odd_and_empty_analyses_opens(any_analysis, tmp_path):
    out = exporters.export(any_analysis, tmp_path / "talk.eaf")
    eaf = Eaf(str(out))
    for tier in ("words", "tokens"):
        spans = sorted(eaf.get_annotation_data_for_tier(tier))
        assert all(s < e for s, e, _ in spans)  # ELAN's rules: positive length,
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))  # no overlap
    words, _ = timed_words(read_document(out)) if any_analysis.words else ([], False)
    assert re.sub(r"\s", "", "".join(w.text for w in words)) == re.sub(
        r"\s", "", "".join(w.text for w in any_analysis.words))  # no text lost


# -- Audacity labels, plain text -------------------------------------------------------------


@pytest.mark.parametrize("word_level", [False, True])
def test_audacity_labels(any_analysis, word_level):
    text = exporters.to_text(any_analysis, "aud", word_level=word_level)
    spans = visible(any_analysis.words if word_level else any_analysis.segments)
    rows = [line.split("\t") for line in text.splitlines()]
    assert all(len(row) == 3 for row in rows)
    assert [(round(float(a) * 1000), round(float(b) * 1000)) for a, b, _ in rows] == [
        (ms(s.start), ms(s.end)) for s in spans]
    assert all(re.fullmatch(r"\d+\.\d{6}", a) for a, _, _ in rows)  # as Audacity writes


def test_txt_is_whispers_plain_text(analysis):
    out = io.StringIO()
    WriteTXT(".").write_result(json.loads(exporters.to_text(analysis, "json")), file=out)
    assert exporters.to_text(analysis, "txt") == out.getvalue()
    assert exporters.to_text(analysis, "txt").splitlines() == [
        s.text.strip() for s in analysis.segments]


# -- subtitles that fit ----------------------------------------------------------------------


def test_srt_lines_fit_42_characters_and_two_lines(long_analysis):
    text = exporters.to_text(long_analysis, "srt", max_line_width=42, max_line_count=2)
    cues = list(srt.parse(text))
    lines = [line for cue in cues for line in cue.content.splitlines()]
    assert max(len(line) for line in lines) <= 42
    assert max(len(cue.content.splitlines()) for cue in cues) == 2  # it did break lines
    words = [w.text.strip() for w in long_analysis.words]
    assert " ".join(c.content.replace("\n", " ") for c in cues).split() == words


def test_vtt_lines_fit_too(long_analysis):
    text = exporters.to_text(long_analysis, "vtt", max_line_width=30, max_line_count=1)
    captions = webvtt.from_string(text).captions
    assert all(len(c.text.splitlines()) == 1 and len(c.text) <= 30 for c in captions)
    assert all(c.start_time.in_milliseconds() < c.end_time.in_milliseconds()
               for c in captions)


@pytest.mark.parametrize("writer, fmt", [(WriteSRT, "srt"), (WriteVTT, "vtt")])
@pytest.mark.parametrize("options", [
    {"max_line_width": 42, "max_line_count": 2},
    {"max_line_width": 20, "max_line_count": 1, "highlight_words": True},
    {"max_words_per_line": 3},
    {"max_line_width": 25},  # no effect without max_line_count: whisper's rule, kept
])
def test_cues_are_whispers_own_for_these_options(long_analysis, writer, fmt, options):
    """Whisper's writer, run on our JSON with the same options, writes the same cues."""
    out = io.StringIO()
    writer(".").write_result(json.loads(exporters.to_text(long_analysis, "json")), file=out,
                             options={"max_line_width": None, "max_line_count": None,
                                      "max_words_per_line": None, "highlight_words": False,
                                      **options})
    assert exporters.to_text(long_analysis, fmt, **options) == out.getvalue()


def test_max_words_per_line(long_analysis):
    cues = list(srt.parse(exporters.to_text(long_analysis, "srt", max_words_per_line=4)))
    assert max(len(c.content.split()) for c in cues) == 4
    assert all(c.start < c.end for c in cues)


@pytest.mark.parametrize("options, message", [
    ({"max_line_width": 0}, "whole number of 1 or more"),
    ({"max_line_count": -2}, "whole number"),
    ({"max_line_width": 4.5}, "whole number"),
    ({"word_level": True, "max_words_per_line": 3}, "one word"),
])
def test_impossible_limits_are_refused_before_the_analysis(options, message):
    with pytest.raises(ExportError, match=message):
        exporters.check_options("srt", **options)


def test_limits_do_not_apply_to_other_formats(analysis):
    with pytest.raises(ExportError, match="'max-line-width' does not apply to tsv"):
        exporters.check_options("tsv", max_line_width=42)
    exporters.check_options("json", max_line_width=None, max_line_count=None)

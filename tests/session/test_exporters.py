"""Every format written, then read back by an independent parser, times equal to the ms."""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import re
import shutil
import subprocess
import textwrap
from datetime import timedelta

import jsonschema
import numpy as np
import pytest
import srt
import textgrid
import textgrids
import webvtt

from whisperscope.errors import ExportError
from whisperscope.session import exporters
from whisperscope.session.exporters import json as json_format
from whisperscope.session.exporters import milliseconds as ms
from whisperscope.session.exporters import npz

ALL = ["analysis", "odd_analysis", "empty_analysis", "long_analysis"]


def one_line(text: str) -> str:
    return re.sub(r"\r\n|[\r\n\v\f\x85\u2028\u2029]", " ", text)


def td_ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


def visible(items):
    return [x for x in items if x.text.strip()]


@pytest.fixture(params=ALL)
def any_analysis(request):
    return request.getfixturevalue(request.param)


# -- JSON --------------------------------------------------------------------------------------


def test_json_validates_and_round_trips(any_analysis, tmp_path):
    a = any_analysis
    path = exporters.export(a, tmp_path / "out.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(json_format.SCHEMA)
    jsonschema.validate(data, json_format.SCHEMA,
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert data["version"] == json_format.FORMAT_VERSION
    assert data["audio"]["path"] == a.audio.path
    assert data["model"]["name"] == a.model.name
    assert data["settings"]["initial_prompt"] == a.settings.initial_prompt
    assert data["text"] == "".join(s.text for s in a.segments)  # whisper's, not stripped

    back = json_format.read(path)
    assert back.audio == a.audio and back.model == a.model and back.settings == a.settings
    for mine, theirs in [(a.segments, back.segments), (a.words, back.words),
                         (a.tokens, back.tokens)]:
        assert len(mine) == len(theirs)
        for x, y in zip(mine, theirs, strict=True):
            assert (ms(x.start), ms(x.end), x.text) == (ms(y.start), ms(y.end), y.text)
    assert [w.tokens for w in a.words] == [w.tokens for w in back.words]
    assert [t.probability for t in a.tokens] == [t.probability for t in back.tokens]
    assert len(data["windows"]) == len(a.windows)
    assert [s.words for s in back.segments] == [s.words for s in a.segments]
    assert [w.segment for w in back.words] == [w.segment for w in a.words]
    assert [s.seek for s in back.segments] == [
        round(a.windows[s.window].start * 100) for s in a.segments]


WHISPER_SEGMENT_KEYS = ["id", "seek", "start", "end", "text", "tokens", "temperature",
                        "avg_logprob", "compression_ratio", "no_speech_prob", "words"]


def test_json_is_whispers_result_with_ours_beside_it(analysis):
    data = json.loads(exporters.to_text(analysis, "json"))
    assert {"text", "segments", "language"} <= set(data)
    assert data["language"] == "en"
    for segment, ours in zip(data["segments"], analysis.segments, strict=True):
        assert [k for k in segment if k in WHISPER_SEGMENT_KEYS] == WHISPER_SEGMENT_KEYS
        assert segment["id"] == ours.index
        assert segment["tokens"] == [k.token_id for k in analysis.tokens
                                     if k.segment == ours.index]
        words = [analysis.words[i] for i in ours.words]
        assert [w["word"] for w in segment["words"]] == [w.text for w in words]
        assert [(w["start"], w["end"]) for w in segment["words"]] == [
            (ms(w.start) / 1000, ms(w.end) / 1000) for w in words]  # ms, not whisper's 10 ms
        assert [w["probability"] for w in segment["words"]] == [w.probability for w in words]
        for word, ours_word in zip(segment["words"], words, strict=True):
            assert [analysis.tokens[k].text for k in word["token_indices"]] == [
                analysis.tokens[k].text for k in ours_word.tokens]
    assert data["segments"][2]["seek"] == 3000  # the second window starts at 30 s


def test_json_says_which_times_were_moved_by_hand(analysis):
    data = json.loads(exporters.to_text(analysis, "json", edited_words={3, 1},
                                        edited_tokens=[4]))
    jsonschema.validate(data, json_format.SCHEMA)
    assert data["edits"] == {"words": [1, 3], "tokens": [4]}
    assert "edits" not in json.loads(exporters.to_text(analysis, "json"))
    with pytest.raises(ExportError, match="does not apply to srt"):
        exporters.to_text(analysis, "srt", edited_words={1})


def test_json_seek_of_an_older_analysis_comes_from_its_window(analysis):
    older = dataclasses.replace(analysis, segments=[
        dataclasses.replace(s, seek=None) for s in analysis.segments])
    data = json.loads(exporters.to_text(older, "json"))
    assert [s["seek"] for s in data["segments"]] == [0, 0, 3000]


def test_json_version_1_still_loads(analysis):
    """A file written before whisper's layout (flat words with `text`, linked by index)."""
    v1 = {"format": "whisperscope.analysis", "version": 1, "audio": {
        "path": "a.wav", "sha256": "", "duration": 2.0, "sample_rate": 16000, "channels": 1},
        "model": {"name": "tiny.en", "source": "x", "device": "cpu", "dtype": "float32",
                  "multilingual": False, "alignment_heads": [[1, 0]]},
        "settings": {}, "language": "en", "text": "Hi there.",
        "segments": [{"index": 0, "start": 0.1, "end": 0.9, "text": " Hi there.",
                      "words": [0, 1], "window": 0, "avg_logprob": -0.2}],
        "words": [{"index": 0, "text": " Hi", "start": 0.1, "end": 0.4, "probability": 0.9,
                   "tokens": [0], "segment": 0},
                  {"index": 1, "text": " there.", "start": 0.4, "end": 0.9,
                   "probability": 0.8, "tokens": [1], "segment": 0}],
        "tokens": [{"index": i, "token_id": 10 + i, "text": t, "start": s, "end": e,
                    "probability": 0.9, "window": 0, "row": i + 1, "segment": 0}
                   for i, (t, s, e) in enumerate([(" Hi", 0.1, 0.4), (" there.", 0.4, 0.9)])]}
    back = json_format.analysis_from_dict(v1)
    assert [(w.text, w.start, w.end, w.tokens) for w in back.words] == [
        (" Hi", 0.1, 0.4, (0,)), (" there.", 0.4, 0.9, (1,))]
    assert back.segments[0].words == (0, 1) and back.segments[0].avg_logprob == -0.2
    again = json.loads(json_format.to_text(back))
    assert again["version"] == 2 and again["segments"][0]["words"][1]["word"] == " there."


def test_json_schema_rejects_a_broken_file(analysis, tmp_path):
    data = json.loads(exporters.to_text(analysis, "json"))
    data["tokens"][0]["start"] = "soon"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_format.SCHEMA)


def test_json_never_writes_nan_or_infinity(analysis):
    text = exporters.to_text(analysis, "json")
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert '"logprob_threshold": "-inf"' in text


# -- SRT / VTT ---------------------------------------------------------------------------------


def test_srt_segments(any_analysis):
    a = any_analysis
    cues = list(srt.parse(exporters.to_text(a, "srt")))
    segments = visible(a.segments)
    assert len(cues) == len(segments)
    for cue, seg in zip(cues, segments, strict=True):
        assert (td_ms(cue.start), td_ms(cue.end)) == (ms(seg.start), ms(seg.end))
        assert cue.content == one_line(seg.text).strip().replace("-->", "->")


def test_srt_words(any_analysis):
    a = any_analysis
    cues = list(srt.parse(exporters.to_text(a, "srt", word_level=True)))
    words = visible(a.words)
    assert [(td_ms(c.start), td_ms(c.end)) for c in cues] == [
        (ms(w.start), ms(w.end)) for w in words]
    assert [c.content for c in cues] == [
        one_line(w.text).strip().replace("-->", "->") for w in words]


def test_srt_highlighted_words(analysis):
    cues = list(srt.parse(exporters.to_text(analysis, "srt", highlight_words=True)))
    underlined = [c for c in cues if "<u>" in c.content]
    assert len(underlined) == len(analysis.words)
    for cue, word in zip(underlined, analysis.words, strict=True):
        assert re.findall(r"<u>(.*?)</u>", cue.content) == [word.text.strip()]
        assert (td_ms(cue.start), td_ms(cue.end)) == (ms(word.start), ms(word.end))
        segment = analysis.segments[word.segment]
        assert cue.content.replace("<u>", "").replace("</u>", "") == segment.text.strip()


def vtt_cues(text: str):
    return webvtt.from_string(text).captions


def test_vtt_segments(any_analysis):
    a = any_analysis
    text = exporters.to_text(a, "vtt")
    cues = vtt_cues(text)
    segments = visible(a.segments)
    assert len(cues) == len(segments)
    for cue, seg in zip(cues, segments, strict=True):
        assert cue.start_time.in_milliseconds() == ms(seg.start)
        assert cue.end_time.in_milliseconds() == ms(seg.end)
        # markup-looking text is escaped, so it is text, not tags: nothing is stripped
        assert cue.text == cue.raw_text
        assert html.unescape(cue.text) == one_line(seg.text).strip()


def test_vtt_words_and_highlight(any_analysis):
    a = any_analysis
    words = visible(a.words)
    cues = vtt_cues(exporters.to_text(a, "vtt", word_level=True))
    assert [(c.start_time.in_milliseconds(), c.end_time.in_milliseconds()) for c in cues] == [
        (ms(w.start), ms(w.end)) for w in words]
    assert [html.unescape(c.text) for c in cues] == [one_line(w.text).strip() for w in words]
    lit = vtt_cues(exporters.to_text(a, "vtt", highlight_words=True))
    underlined = [c for c in lit if "<u>" in c.raw_text]
    assert [html.unescape(re.search(r"<u>(.*?)</u>", c.raw_text)[1]) for c in underlined] == [
        one_line(w.text).strip() for w in words]


def test_odd_text_cannot_break_cues(odd_analysis):
    """`-->` and line breaks inside the transcript must not make extra cues or lines."""
    for fmt in ("srt", "vtt"):
        for opts in ({}, {"word_level": True}, {"highlight_words": True}):
            text = exporters.to_text(odd_analysis, fmt, **opts)
            timing_lines = [ln for ln in text.splitlines() if "-->" in ln]
            assert all(re.fullmatch(r"[\d:.,]+ --> [\d:.,]+", ln) for ln in timing_lines)
            blocks = [b for b in text.split("\n\n") if b.strip() and b.strip() != "WEBVTT"]
            assert all(len(b.strip("\n").split("\n")) == (3 if fmt == "srt" else 2)
                       for b in blocks), fmt


# -- TSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("word_level", [False, True])
def test_tsv(any_analysis, word_level):
    a = any_analysis
    rows = list(csv.reader(exporters.to_text(a, "tsv", word_level=word_level).splitlines(),
                           delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["start", "end", "text"]
    spans = visible(a.words if word_level else a.segments)
    assert [(int(r[0]), int(r[1])) for r in rows[1:]] == [(ms(s.start), ms(s.end))
                                                          for s in spans]
    assert [r[2] for r in rows[1:]] == [one_line(s.text).replace("\t", " ").strip()
                                        for s in spans]


# -- TextGrid ----------------------------------------------------------------------------------


def labelled(tier):
    return [(round(i.minTime * 1000), round(i.maxTime * 1000), i.mark) for i in tier if i.mark]


def expected(items):
    return [(ms(x.start), ms(x.end), one_line(x.text).strip()) for x in items
            if x.text.strip()]


def test_textgrid_read_by_textgrid_package(any_analysis, tmp_path):
    a = any_analysis
    path = exporters.export(a, tmp_path / "out.TextGrid")
    grid = textgrid.TextGrid.fromFile(str(path))
    assert grid.getNames() == ["words", "tokens"]
    assert labelled(grid.getFirst("words")) == expected(a.words)
    assert labelled(grid.getFirst("tokens")) == expected(a.tokens)
    for tier in grid:  # Praat's rules: intervals tile [xmin, xmax], each one longer than 0
        assert tier[0].minTime == 0 and tier[-1].maxTime == grid.maxTime
        assert all(i.minTime < i.maxTime for i in tier)
        assert all(x.maxTime == y.minTime for x, y in
                   zip(tier.intervals, tier.intervals[1:], strict=False))


def test_textgrid_read_by_praat_textgrids(analysis, tmp_path):
    """A second, independent reader (praat-textgrids)."""
    path = exporters.export(analysis, tmp_path / "out.TextGrid")
    grid = textgrids.TextGrid(str(path))
    assert list(grid) == ["words", "tokens"]
    got = [(round(i.xmin * 1000), round(i.xmax * 1000), str(i.text)) for i in grid["words"]
           if str(i.text)]
    assert got == expected(analysis.words)


def test_textgrid_overlapping_and_empty_tokens_keep_their_text(analysis, tmp_path):
    import dataclasses

    tokens = list(analysis.tokens)
    tokens[1] = dataclasses.replace(tokens[1], start=tokens[0].start + 0.05)  # overlaps 0
    tokens[2] = dataclasses.replace(tokens[2], end=tokens[2].start)  # zero length
    broken = dataclasses.replace(analysis, tokens=tokens)
    path = exporters.export(broken, tmp_path / "out.TextGrid")
    tier = textgrid.TextGrid.fromFile(str(path)).getFirst("tokens")
    marks = [i.mark for i in tier if i.mark]
    assert len(marks) == len(tokens) - 1  # the empty token joined its neighbour
    assert "".join(marks).replace(" ", "") == "".join(t.text for t in tokens).replace(" ", "")
    assert tokens[1].text.strip() + tokens[2].text in marks  # ... the one before it
    assert all(i.minTime < i.maxTime for i in tier)


@pytest.mark.skipif(shutil.which("praat") is None, reason="praat is not installed "
                    "(Debian: apt install praat)")
def test_textgrid_read_by_praat(odd_analysis, tmp_path):
    """Praat itself reads it, quotes and all."""
    path = exporters.export(odd_analysis, tmp_path / "odd.TextGrid")
    out = tmp_path / "read.tsv"
    script = tmp_path / "read.praat"
    script.write_text(textwrap.dedent(f"""
        Read from file: "{path}"
        n = Get number of intervals: 1
        for i to n
            label$ = Get label of interval: 1, i
            if label$ <> ""
                t0 = Get start time of interval: 1, i
                t1 = Get end time of interval: 1, i
                appendFileLine: "{out}", fixed$(t0, 3), tab$, fixed$(t1, 3), tab$, label$
            endif
        endfor
    """), encoding="utf-8")
    subprocess.run(["praat", "--run", "--no-pref-files", str(script)], check=True,
                   capture_output=True, timeout=60)
    raw = out.read_bytes()  # Praat writes UTF-16 (with BOM) when the text is not ASCII
    text = raw.decode("utf-16" if raw[:2] in (b"\xfe\xff", b"\xff\xfe") else "utf-8")
    rows = [line.split("\t", 2) for line in text.splitlines()]
    assert [(round(float(a) * 1000), round(float(b) * 1000), label) for a, b, label in rows] \
        == expected(odd_analysis.words)


# -- NPZ ---------------------------------------------------------------------------------------


def test_npz(any_analysis, tmp_path):
    a = any_analysis
    captured = {(2, 3): [np.full((len(w.token_ids), w.n_frames), 0.5, np.float32)
                         for w in a.windows]}
    path = exporters.export(a, tmp_path / "attention.npz", captured=captured)
    with np.load(path) as archive:  # allow_pickle=False: no object arrays inside
        meta = json.loads(str(archive["meta"]))
        assert meta["format"] == npz.FORMAT_NAME and meta["model"]["name"] == a.model.name
        assert len(meta["windows"]) == len(a.windows)
        for i, w in enumerate(a.windows):
            key = lambda name, i=i: npz.window_key(i, name)  # noqa: E731
            np.testing.assert_array_equal(archive[key("token_ids")], w.token_ids)
            assert tuple(archive[key("token_texts")]) == w.token_texts
            np.testing.assert_array_equal(archive[key("heads")], w.heads)
            np.testing.assert_array_equal(archive[key("alignment_heads")], w.mean_heads())
            np.testing.assert_allclose(archive[key("frame_times")], w.frame_times())
            assert [tuple(h) for h in archive[key("head_ids")]] == list(w.head_ids)
            np.testing.assert_array_equal(archive[key("L2H3")], captured[(2, 3)][i])
            assert meta["windows"][i]["captured"] == [[2, 3]]
        assert [ms(t) for t in archive["token_start"]] == [ms(t.start) for t in a.tokens]
        assert [ms(t) for t in archive["token_end"]] == [ms(t.end) for t in a.tokens]
        assert list(archive["token_text"]) == [t.text for t in a.tokens]


def test_npz_rejects_mismatched_capture(analysis, tmp_path):
    with pytest.raises(ValueError, match="expected"):
        exporters.export(analysis, tmp_path / "a.npz", captured={(0, 0): [np.zeros((1, 1))]})
    assert not (tmp_path / "a.npz").exists()


# -- the registry ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, fmt", [("a.JSON", "json"), ("b.srt", "srt"), ("c.vtt", "vtt"),
                                       ("d.tsv", "tsv"), ("e.TextGrid", "textgrid"),
                                       ("f.npz", "npz"), ("g.eaf", "eaf"), ("h.aud", "aud"),
                                       ("i.txt", "txt")])
def test_guess_format(name, fmt):
    assert exporters.guess_format(name) == fmt


def test_unknown_suffix_and_format():
    with pytest.raises(ExportError, match="cannot tell the format"):
        exporters.guess_format("notes.docx")
    with pytest.raises(ExportError, match="unknown export format"):
        exporters.format_module("docx")


def test_options_that_do_not_apply(analysis):
    # flags left at their defaults are ignored, so the CLI can pass them to every format
    exporters.to_text(analysis, "json", word_level=False, highlight_words=False)
    with pytest.raises(ExportError, match="'word-level' does not apply to json"):
        exporters.to_text(analysis, "json", word_level=True)
    exporters.check_options("srt", word_level=True, highlight_words=True)
    with pytest.raises(ExportError, match="'highlight-words' does not apply to tsv"):
        exporters.check_options("tsv", highlight_words=True)
    with pytest.raises(ExportError, match="not a text format"):
        exporters.to_text(analysis, "npz")

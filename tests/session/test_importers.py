"""Importers: each format written by its own tool (or by ours, read back by the reader), read
into tiers of timed labels with the planted words and times; as a reference and as a starting
document."""

from __future__ import annotations

import datetime
import json
import math

import numpy as np
import pytest
import srt
import webvtt
from praatio import textgrid as praatio_textgrid
from pympi.Elan import Eaf, to_eaf
from whisper.utils import WriteSRT, WriteVTT

from whisperscope.session import exporters
from whisperscope.session.exporters import milliseconds as ms
from whisperscope.session.importers import (
    SEGMENTS,
    WORDS,
    ImportFileError,
    read_analysis,
    read_document,
    timed_words,
    transcript_text,
)
from whisperscope.session.reference import SPREAD, compare, read_reference

# two sentences, a pause between them; times deliberately not round
SENTENCES = [
    [("She", 0.112, 0.398), ("had", 0.398, 0.623), ("your", 0.623, 0.8), ("dark", 0.81, 1.2),
     ("suit.", 1.2, 1.677)],
    [("Don't", 3.05, 3.31), ("ask", 3.31, 3.6), ("me.", 3.6, 4.012)],
]
PLANTED = [w for sentence in SENTENCES for w in sentence]


def words_in(document):
    words, spread = timed_words(document)
    assert not spread
    return [(w.text, round(w.start, 6), round(w.end, 6)) for w in words]


def whisper_result(score_key="probability", **extra):
    segments = []
    for i, sentence in enumerate(SENTENCES):
        segments.append({
            "id": i, "seek": 0, "start": sentence[0][1], "end": sentence[-1][2],
            "text": "".join(" " + w for w, _, _ in sentence), "tokens": [1, 2],
            "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.1,
            "no_speech_prob": 0.01,
            "words": [{"word": " " + w, "start": s, "end": e, score_key: 0.9}
                      for w, s, e in sentence]})
    return {"text": "".join(s["text"] for s in segments), "segments": segments,
            "language": "en", **extra}


# -- each format ---------------------------------------------------------------------------


def test_whisper_json(tmp_path):
    path = tmp_path / "talk.json"
    path.write_text(json.dumps(whisper_result()))
    document = read_document(path)
    assert document.kind == "whisper JSON" and document.language == "en"
    assert words_in(document) == PLANTED
    assert [s.text for s in document.tier(SEGMENTS).labels] == [
        "She had your dark suit.", "Don't ask me."]


def test_whisperx_json_leaves_out_words_it_could_not_align(tmp_path):
    data = whisper_result("score")
    data["segments"][1]["words"].insert(1, {"word": "2", "score": 0.1})  # no times
    data["word_segments"] = [w for s in data["segments"] for w in s["words"]]
    path = tmp_path / "talk.json"
    path.write_text(json.dumps(data))
    document = read_document(path)
    assert document.kind == "WhisperX JSON"
    assert words_in(document) == PLANTED
    assert document.tier(WORDS).labels[0].probability == 0.9


def test_stable_ts_json(tmp_path):
    path = tmp_path / "talk.json"
    path.write_text(json.dumps(whisper_result(ori_dict={}, time_scale=None)))
    document = read_document(path)
    assert document.kind == "stable-ts JSON" and words_in(document) == PLANTED


def test_srt_cues_of_one_word_are_words(tmp_path):
    path = tmp_path / "talk.srt"
    path.write_text(srt.compose([
        srt.Subtitle(i, datetime.timedelta(seconds=s), datetime.timedelta(seconds=e), w)
        for i, (w, s, e) in enumerate(PLANTED, 1)]))
    assert words_in(read_document(path)) == PLANTED


def test_vtt_cues_of_sentences_spread_their_words(tmp_path):
    path = tmp_path / "talk.vtt"
    captions = []
    for sentence in SENTENCES:
        text = " ".join(w for w, _, _ in sentence)
        captions.append(webvtt.Caption(_vtt_time(sentence[0][1]), _vtt_time(sentence[-1][2]),
                                       text.replace("your dark", "your\ndark") + " &amp;"))
    webvtt.WebVTT(captions=captions).save(str(path))
    document = read_document(path)
    assert document.tier(SEGMENTS).labels[0].text == "She had your dark suit. &"
    words, spread = timed_words(document)
    assert spread and [w.text for w in words][:3] == ["She", "had", "your"]
    assert words[0].start == 0.112 and words[5].end == 1.677  # the cue's own edges
    assert all(a.end == pytest.approx(b.start) for a, b in zip(words[:4], words[1:5],
                                                               strict=True))
    reference = read_reference(path)
    assert reference.kind == "vtt" + SPREAD


def _vtt_time(seconds: float) -> str:
    whole = int(seconds)
    return f"00:00:{whole:02d}.{round((seconds - whole) * 1000):03d}"


@pytest.mark.parametrize("writer, suffix", [(WriteSRT, ".srt"), (WriteVTT, ".vtt")])
def test_whispers_highlighted_subtitles_give_back_the_words(writer, suffix, tmp_path):
    path = tmp_path / f"talk{suffix}"
    with open(path, "w", encoding="utf-8") as f:
        writer(str(tmp_path)).write_result(whisper_result(), f, {"highlight_words": True})
    document = read_document(path)
    assert words_in(document) == [(w, round(ms(s) / 1000, 3), round(ms(e) / 1000, 3))
                                  for w, s, e in PLANTED]
    assert [s.text for s in document.tier(SEGMENTS).labels] == [
        "She had your dark suit.", "Don't ask me."]


def test_textgrid_any_tier_named_as_words(tmp_path):
    grid = praatio_textgrid.Textgrid()
    grid.addTier(praatio_textgrid.IntervalTier("phones", [(0.1, 0.2, "sh")], 0, 5))
    grid.addTier(praatio_textgrid.IntervalTier("ORT", [(s, e, w) for w, s, e in PLANTED],
                                                 0, 5))
    grid.addTier(praatio_textgrid.PointTier("events", [(2.0, "cough")], 0, 5))
    path = tmp_path / "talk.TextGrid"
    grid.save(str(path), format="short_textgrid", includeBlankSpaces=True)
    document = read_document(path)
    assert [t.name for t in document.tiers] == ["phones", "ORT", "events"]
    assert words_in(document) == PLANTED
    assert document.tiers[2].labels[0].start == document.tiers[2].labels[0].end == 2.0


def test_our_textgrid_export_reads_back(analysis, tmp_path):
    path = exporters.export(analysis, tmp_path / "talk.TextGrid")
    words, _ = timed_words(read_document(path))
    assert [(w.text, ms(w.start), ms(w.end)) for w in words] == [
        (w.text.strip(), ms(w.start), ms(w.end)) for w in analysis.words]


def test_elan_words_tier_and_utterances(tmp_path):
    eaf = Eaf()
    eaf.add_tier("utterance")
    eaf.add_tier("words")
    for sentence in SENTENCES:
        eaf.add_annotation("utterance", ms(sentence[0][1]), ms(sentence[-1][2]),
                           " ".join(w for w, _, _ in sentence))
    for w, s, e in PLANTED:
        eaf.add_annotation("words", ms(s), ms(e), w)
    path = tmp_path / "talk.eaf"
    to_eaf(str(path), eaf)
    document = read_document(path)
    assert document.kind == "eaf" and words_in(document) == PLANTED
    assert {t.name for t in document.tiers} >= {"utterance", "words"}


def test_elan_without_words_tier_is_utterances(tmp_path):
    eaf = Eaf()
    eaf.add_tier("A")
    eaf.add_annotation("A", 500, 2500, "hello there world")
    path = tmp_path / "talk.eaf"
    to_eaf(str(path), eaf)
    document = read_document(path)
    assert document.tier(WORDS) is None
    assert transcript_text(document) == "hello there world"


def test_audacity_labels_and_whisperx_aud(tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("".join(f"{s:.6f}\t{e:.6f}\t{w}\n\\\t100\t2000\n" for w, s, e in PLANTED))
    assert words_in(read_document(labels)) == PLANTED
    aud = tmp_path / "talk.aud"
    aud.write_text("0.112\t1.677\t[[SPEAKER_00]]She had your dark suit.\n")
    document = read_document(aud)
    assert document.kind == "audacity" and document.tiers[0].role == SEGMENTS


def test_our_tsv_export_reads_back(analysis, tmp_path):
    path = exporters.export(analysis, tmp_path / "talk.tsv", word_level=True)
    document = read_document(path)
    assert document.kind == "tsv"
    words, _ = timed_words(document)
    assert [(w.text, ms(w.start), ms(w.end)) for w in words] == [
        (w.text.strip(), ms(w.start), ms(w.end)) for w in analysis.words]


@pytest.mark.parametrize("name, text, message", [
    ("x.srt", "1\n00:00:01,000 --> nonsense\nhi\n", "not a readable SRT"),
    ("x.vtt", "not a vtt\n", "not a readable WebVTT"),
    ("x.eaf", "<ANNOTATION_DOCUMENT", "not a readable ELAN"),
    ("x.json", '{"segments": [{"start": "soon", "end": 1, "text": "a"}]}', "JSON"),
    ("x.json", '{"segments": [{"start": 2, "end": 1, "text": "a"}]}', "impossible"),
    ("x.tsv", "start\tend\ttext\n100\tx\thi\n", "not a readable TSV"),
    ("x.doc", "", "cannot tell"),
])
def test_unreadable_files_are_one_clear_error(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ImportFileError, match=message):
        read_document(path)


# -- as a reference, as a starting document ------------------------------------------------


def test_our_json_round_trips_through_the_reference(analysis, tmp_path):
    path = exporters.export(analysis, tmp_path / "talk.json")
    reference = read_reference(path)
    assert reference.kind == "WhisperScope JSON"
    assert [(w.text, ms(w.start), ms(w.end)) for w in reference.words] == [
        (w.text.strip(), ms(w.start), ms(w.end)) for w in analysis.words]
    comparison = compare(analysis.words, reference)
    assert len(comparison.pairs) == len(analysis.words)
    assert comparison.mean_abs("both") < 0.0006  # rounded to the millisecond, no more


def test_our_json_is_read_back_whole_as_a_starting_document(analysis, tmp_path):
    path = exporters.export(analysis, tmp_path / "talk.json")
    back = read_analysis(path)
    assert [t.text for t in back.tokens] == [t.text for t in analysis.tokens]
    assert back.model == analysis.model and back.settings == analysis.settings


def test_a_whisper_result_becomes_an_analysis_and_exports_again(tmp_path):
    path = tmp_path / "talk.json"
    path.write_text(json.dumps(whisper_result()))
    analysis = read_analysis(path, audio_path="/data/talk.wav")
    assert analysis.audio.path == "/data/talk.wav"
    assert [(w.text, w.start, w.end) for w in analysis.words] == [
        (" " + w, s, e) for w, s, e in PLANTED]
    assert [s.words for s in analysis.segments] == [(0, 1, 2, 3, 4), (5, 6, 7)]
    assert analysis.segments[1].text == " Don't ask me."
    data = json.loads(exporters.to_text(analysis, "json"))
    assert [w["word"] for s in data["segments"] for w in s["words"]] == [
        " " + w for w, _, _ in PLANTED]


def test_words_without_segments_are_grouped_at_sentence_ends_and_pauses(tmp_path):
    path = tmp_path / "talk.txt"
    words = [("one", 0.1, 0.3), ("two.", 0.3, 0.6), ("three", 0.7, 0.9), ("four", 2.5, 2.9)]
    path.write_text("".join(f"{s}\t{e}\t{w}\n" for w, s, e in words))
    analysis = read_analysis(path)
    assert [s.text for s in analysis.segments] == [" one two.", " three", " four"]
    assert all(math.isnan(w.probability) for w in analysis.words)  # unknown, not invented


def test_cues_become_segments_with_spread_words(tmp_path):
    path = tmp_path / "talk.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nab cd\n\n"
                    "2\n00:00:03,000 --> 00:00:04,500\nlonger words\n")
    analysis = read_analysis(path)
    assert [s.text for s in analysis.segments] == [" ab cd", " longer words"]
    assert [(w.text, w.start, w.end) for w in analysis.words[:2]] == [
        (" ab", 1.0, 1.5), (" cd", 1.5, 2.0)]
    assert analysis.words[-1].end == 4.5


# -- damaged files ---------------------------------------------------------------------------


def _seeds(analysis, tmp_path) -> list:
    """One good file of each kind, written by our exporters and by whisper's writers."""
    paths = [exporters.export(analysis, tmp_path / f"seed.{suffix}", **options)
             for suffix, options in (("json", {}), ("srt", {"highlight_words": True}),
                                     ("vtt", {}), ("TextGrid", {}), ("eaf", {}),
                                     ("aud", {}), ("tsv", {"word_level": True}))]
    whisper_json = tmp_path / "whisper.json"
    whisper_json.write_text(json.dumps(whisper_result("score", word_segments=[])))
    return [*paths, whisper_json]


def test_damaged_files_are_one_clear_error_or_read(analysis, tmp_path):
    """Bytes flipped, cut or repeated anywhere: an ImportFileError or a document, nothing
    else (no traceback for the user)."""
    rng = np.random.default_rng(26)
    for seed in _seeds(analysis, tmp_path):
        good = seed.read_bytes()
        case = tmp_path / f"case{seed.suffix}"
        for _ in range(60):
            data = bytearray(good)
            for _ in range(int(rng.integers(1, 4))):
                at = int(rng.integers(len(data)))
                kind = rng.integers(3)
                if kind == 0:
                    data[at] = int(rng.integers(256))
                elif kind == 1:
                    del data[at:at + int(rng.integers(1, 40))]
                else:
                    data[at:at] = data[at:at + int(rng.integers(1, 40))]
            case.write_bytes(bytes(data))
            try:
                read_document(case)
            except ImportFileError as error:
                assert case.name in str(error) and "\n" not in str(error), error

"""The decoding settings travel with the session and the JSON export; files written before
a setting existed load with its default."""

from __future__ import annotations

import dataclasses
import json
import zipfile

import jsonschema

from whisperscope.session.exporters import json as json_format
from whisperscope.session.model import AnalysisSettings
from whisperscope.session.store import MANIFEST, load_session, save_session

CHANGED = AnalysisSettings(
    language="de", task="translate", temperatures=(0.0, 0.5), no_speech_threshold=None,
    logprob_threshold=None, compression_ratio_threshold=None, initial_prompt="Namen: Ada.",
    carry_initial_prompt=True, beam_size=4, patience=1.5, length_penalty=0.3, best_of=2,
    prefix="Also", suppress_tokens="", suppress_blank=False, clip_timestamps=(1.0, 2.5),
    hallucination_silence_threshold=2.0, condition_on_previous_text=False)


def _with(analysis, audio_file, settings):
    path, sha = audio_file
    audio = dataclasses.replace(analysis.audio, path=str(path), sha256=sha)
    return dataclasses.replace(analysis, audio=audio, settings=settings)


def test_every_setting_survives_a_session(analysis, audio_file, tmp_path):
    saved = save_session(_with(analysis, audio_file, CHANGED), tmp_path / "a.wscope")
    assert load_session(saved).analysis.settings == CHANGED


def test_the_json_export_holds_them_and_keeps_its_schema(analysis):
    data = json_format.analysis_to_dict(dataclasses.replace(analysis, settings=CHANGED))
    jsonschema.validate(data, json_format.SCHEMA)
    assert data["settings"]["clip_timestamps"] == [1.0, 2.5]
    assert json_format.analysis_from_dict(data).settings == CHANGED


def test_a_session_from_before_the_options_loads_with_the_defaults(analysis, audio_file,
                                                                   tmp_path):
    saved = save_session(_with(analysis, audio_file, AnalysisSettings(language="en")),
                         tmp_path / "old.wscope")
    old = tmp_path / "older.wscope"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(old, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == MANIFEST:
                manifest = json.loads(data)
                settings = manifest["analysis"]["settings"]
                for name in ("beam_size", "best_of", "patience", "length_penalty", "prefix",
                             "suppress_tokens", "suppress_blank", "clip_timestamps",
                             "hallucination_silence_threshold", "carry_initial_prompt"):
                    del settings[name]
                data = json.dumps(manifest).encode()
            target.writestr(item, data)
    assert load_session(old).analysis.settings == AnalysisSettings(language="en")

"""A full analysis reads what `whisper.transcribe` reads, on the same real weights.

Float32 on the CPU (whisper's own choice there), greedy at temperature 0. The whole of
`timit-dev` is measured by `bench/whisper_parity.py`; here the bundled sample and a few
utterances, plus the options that change what is read: beam search, clips, prompts, and
translation of German speech (made with espeak-ng) into English.
"""

from __future__ import annotations

import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest
import whisper

from whisperscope.audio.loader import load_audio
from whisperscope.engine.run import run_to_completion
from whisperscope.session.model import AnalysisSettings

pytestmark = pytest.mark.model

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "timit-dev"
UTTERANCES = ("dr1-fvmh0/si1466.wav", "dr5-mbgt0/si1341.wav", "dr7-madd0/si1295.wav")
GREEDY = AnalysisSettings(temperatures=(0.0,))


@pytest.fixture(scope="module")
def sample():
    return load_audio(files("whisperscope.resources") / "sample.flac")


@pytest.fixture(scope="module")
def base(base_files, torch_threads):
    from whisperscope.engine.models import load_model

    return load_model("base", "cpu", download=False)


def _theirs(model, audio, **options) -> str:
    options.setdefault("temperature", 0.0)
    return whisper.transcribe(model.model, audio.samples, fp16=False, **options)["text"].strip()


def _ours(model, audio, settings=GREEDY) -> str:
    return run_to_completion(audio, model, settings).text


@pytest.mark.parametrize("name", ["tiny_en", "base"])
def test_the_sample_reads_as_whisper_reads_it(name, sample, request):
    model = request.getfixturevalue(name)
    assert _ours(model, sample) == _theirs(model, sample)


@pytest.mark.parametrize("utterance", UTTERANCES)
def test_timit_utterances_read_as_whisper_reads_them(utterance, tiny_en):
    path = DATA / utterance
    if not path.is_file():
        pytest.skip("../shared/data/timit-dev is not here")
    audio = load_audio(path)
    assert _ours(tiny_en, audio) == _theirs(tiny_en, audio)


def test_beam_search_reads_as_whispers(sample, tiny_en):
    settings = AnalysisSettings(temperatures=(0.0,), beam_size=3, patience=1.5)
    assert _ours(tiny_en, sample, settings) == _theirs(tiny_en, sample, beam_size=3,
                                                       patience=1.5)


def test_clip_timestamps_analyse_only_the_clips(sample, tiny_en):
    settings = AnalysisSettings(temperatures=(0.0,), clip_timestamps=(8.0,))
    analysis = run_to_completion(sample, tiny_en, settings)
    assert analysis.text == _theirs(tiny_en, sample, clip_timestamps="8")
    assert "children" not in analysis.text.lower()  # the first sentence is before 8 s
    assert analysis.words and min(w.start for w in analysis.words) >= 8.0


def test_the_initial_prompt_is_fed_and_can_be_carried(sample, tiny_en):
    prompt = "Kids playing outdoors."
    for carry in (False, True):
        settings = AnalysisSettings(temperatures=(0.0,), initial_prompt=prompt,
                                    carry_initial_prompt=carry)
        analysis = run_to_completion(sample, tiny_en, settings)
        assert analysis.text == _theirs(tiny_en, sample, initial_prompt=prompt,
                                        carry_initial_prompt=carry)
        encoded = whisper.tokenizer.get_tokenizer(False).encode(" " + prompt)
        fed = analysis.windows[0].prompt_ids.tolist()
        assert fed[1: 1 + len(encoded)] == encoded


# German and French speech (espeak-ng), translated into English; the sentences' words
# are not in the expected text, so a translation that fell back to transcribing fails
FOREIGN = (
    ("de", "Ich möchte gerne eine Tasse Kaffee und ein Stück Kuchen, bitte.", "coffee"),
    ("de", "Heute Abend finden die Lieferungen im Garten statt, mit einer wichtigen "
           "Ankündigung.", "important"),
    ("fr", "Je voudrais un café et un croissant, s'il vous plaît.", "coffee"),
    ("fr", "Bonjour, je m'appelle Marie et j'habite à Lyon.", "call"),
)  # (espeak-ng's French is heard as French by base in these two, as Thai in others)
TRANSLATE = AnalysisSettings(temperatures=(0.0,), task="translate")


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    """espeak-ng's speech of each FOREIGN sentence, loaded."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("foreign")
    spoken = []
    for i, (voice, sentence, _) in enumerate(FOREIGN):
        wav = folder / f"{i}-{voice}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), sentence], check=True)
        spoken.append(load_audio(wav))
    return spoken


@pytest.mark.parametrize("index", range(len(FOREIGN)), ids=[f"{v}{i}" for i, (v, *_) in
                                                            enumerate(FOREIGN)])
def test_translation_reads_as_whisper_translates(index, foreign, base):
    audio = foreign[index]
    ours = run_to_completion(audio, base, TRANSLATE)
    theirs = whisper.transcribe(base.model, audio.samples, fp16=False, temperature=0.0,
                                task="translate")
    assert ours.text == theirs["text"].strip()
    assert ours.language == theirs["language"] == FOREIGN[index][0]  # detected alike
    assert FOREIGN[index][2] in ours.text.lower()  # English, not the sentence itself
    # the numbers whisper's fallback decides on are whisper's too
    for segment, their in zip(ours.segments, theirs["segments"], strict=True):
        assert segment.avg_logprob == pytest.approx(their["avg_logprob"], abs=2e-3)
        assert segment.no_speech_prob == pytest.approx(their["no_speech_prob"], abs=2e-3)
        assert segment.compression_ratio == pytest.approx(their["compression_ratio"])


def test_translation_with_whispers_command_line_search(foreign, base):
    """Beam search with 5 beams, as `whisper --task translate` decodes at temperature 0."""
    audio = foreign[1]
    settings = AnalysisSettings(temperatures=(0.0,), task="translate", beam_size=5)
    assert _ours(base, audio, settings) == _theirs(base, audio, task="translate",
                                                   beam_size=5)


def test_a_translated_window_is_whispers_decode_token_for_token(foreign, base):
    """One window, given its language: the prompt (SOT, language, translate), the
    suppressions and every step's choice are `whisper.decode`'s."""
    import torch
    from whisper.decoding import DecodingOptions, DecodingTask, decode

    from whisperscope.audio.spectrogram import whisper_input_mel
    from whisperscope.engine.decoding.decoder import CachedDecoder
    from whisperscope.engine.decoding.window_decoding import decode_window

    mel = torch.from_numpy(whisper_input_mel(foreign[0].samples, 80)[:, :3000])
    options = DecodingOptions(task="translate", language="de", temperature=0.0, fp16=False)
    want = decode(base.model, mel, options)
    with torch.no_grad():
        decoder = CachedDecoder(base.model, base.model.encoder(mel[None]))
        steps = decode_window(decoder, options, base.alignment_heads, 1500)
        while True:
            try:
                next(steps)
            except StopIteration as stop:
                got = stop.value
                break
    task = DecodingTask(base.model, options)
    assert got.prompt_ids == tuple(task.initial_tokens)
    assert task.tokenizer.translate in got.prompt_ids  # the task token is fed
    assert [t for t in got.token_ids if t != task.tokenizer.eot] == want.tokens
    assert got.text == want.text
    assert got.avg_logprob == pytest.approx(want.avg_logprob, abs=1e-3)
    assert got.no_speech_prob == pytest.approx(want.no_speech_prob, abs=1e-3)

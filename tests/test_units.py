"""The units module says what whisper's own constants say."""

import whisper.audio as wa

from whisperscope import units


def test_units_are_whispers():
    assert units.SAMPLE_RATE == wa.SAMPLE_RATE
    assert units.MEL_HOP_SAMPLES == wa.HOP_LENGTH
    assert units.MEL_FRAMES_PER_SECOND == wa.FRAMES_PER_SECOND
    assert units.ENCODER_FRAMES_PER_SECOND == wa.TOKENS_PER_SECOND
    assert units.MEL_FRAMES_PER_ENCODER_FRAME == wa.N_SAMPLES_PER_TOKEN // wa.HOP_LENGTH
    assert units.WINDOW_MEL_FRAMES == wa.N_FRAMES
    assert units.WINDOW_SAMPLES == wa.N_SAMPLES
    assert units.ENCODER_FRAME_SECONDS == wa.N_SAMPLES_PER_TOKEN / wa.SAMPLE_RATE


def test_conversions_round_trip_with_units_in_their_names():
    assert units.seconds_to_mel_frames(1.234) == 123
    assert units.mel_frames_to_seconds(123) == 1.23
    assert units.seconds_to_encoder_frames(1.234) == 62
    assert units.encoder_frames_to_seconds(62) == 1.24
    assert units.mel_to_encoder_frames(3001) == 1500  # a trailing odd mel frame has none
    assert units.encoder_to_mel_frames(1500) == 3000
    assert units.seconds_to_samples(0.5) == 8000 and units.samples_to_seconds(8000) == 0.5

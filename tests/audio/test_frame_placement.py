"""The pure parts of reading damaged audio: placing frames by timestamp, finding damaged
stretches in raw MP3 and FLAC bytes, the end of an Ogg stream, the decoder's words."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf

from whisperscope.audio import flac_frames, mpeg_frames
from whisperscope.audio.container_end import ogg_is_cut
from whisperscope.audio.damage import decoder_detail
from whisperscope.audio.placement import apply, place


def test_frames_go_where_their_timestamps_say():
    # frames of 100 samples; the third was lost (no frame at 200), the fifth has no
    # timestamp, the seventh claims a time far ahead that its successor contradicts
    starts = [0, 100, 300, 400, None, 600, 5000, 700]
    sizes = [100] * 8
    placement = place(starts, sizes, max_length=10_000)
    assert placement.targets == (0, 100, 300, 400, -1, 600, -1, 700)
    assert placement.holes == ((200, 300), (500, 600))
    assert placement.length == 800
    frames = np.repeat(np.arange(1, 9, dtype=np.float32), 100)[:, None]
    out = apply(frames, placement)
    assert out.shape == (800, 1)
    assert (out[200:300] == 0).all() and (out[300:400] == 3).all() and (out[700:] == 8).all()


def test_rounded_timestamps_are_back_to_back_and_nothing_moves():
    placement = place([0, 101, 199, 300], [100] * 4, max_length=1000, jitter=2)
    assert placement.holes == () and placement.is_contiguous
    frames = np.ones((400, 2), np.float32)
    assert apply(frames, placement) is frames


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_a_cbr_mp3_gap_is_counted_in_frames(tmp_path):
    tone = 0.3 * np.sin(np.arange(16000 * 3) * 0.07).astype(np.float32)
    sf.write(tmp_path / "t.wav", tone, 16000)
    mp3 = tmp_path / "t.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "t.wav"), "-b:a", "32k",
                    str(mp3)], check=True)
    data = mp3.read_bytes()
    clean = mpeg_frames.scan(data, "mp3")
    assert clean is not None and clean.gaps == () and not clean.cut_at_end
    assert clean.claimed_frames == clean.n_frames  # the Xing count
    frame = 72 * 32000 // 16000  # bytes of one 576-sample frame at 32 kbit/s, 16 kHz
    junk = bytes(range(256)) * 4  # no sync words in it
    at = 20 * frame + 200
    damaged = data[:at] + junk + data[at + len(junk):]
    scan = mpeg_frames.scan(damaged, "mp3")
    (gap,) = scan.gaps
    # the frame the junk starts in, and every frame it covers, are lost
    assert gap.lost_frames == round((gap.end - gap.start) / frame)
    assert scan.n_frames + gap.lost_frames == clean.n_frames
    assert mpeg_frames.scan(data[:len(data) // 2 + 7], "mp3").cut_at_end


def test_flac_damage_is_found_between_frame_numbers(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "t.flac"
    sf.write(path, (0.2 * rng.standard_normal((16000 * 4, 2))).astype(np.float32), 16000,
             subtype="PCM_16")
    data = bytearray(path.read_bytes())
    clean = flac_frames.scan(bytes(data))
    assert clean is not None and clean.damaged == () and clean.n_frames == 16  # 4096 each
    frame = len(data) // 16
    third = len(data) // 3
    data[third:third + frame] = bytes(frame)  # at least one frame header is gone
    scan = flac_frames.scan(bytes(data))
    ((start, end),) = scan.damaged
    # from the frame the zeros start in (its end is unknown) to the next good header
    assert third - frame * 1.2 < start < third and third + frame <= end < third + frame * 2.2
    assert scan.n_frames == clean.n_frames - round((end - start) / frame)


def test_an_ogg_stream_ends_with_a_whole_end_of_stream_page(tmp_path):
    path = tmp_path / "t.ogg"
    sf.write(path, np.zeros(16000, np.float32), 16000, format="OGG", subtype="VORBIS")
    assert not ogg_is_cut(path)
    data = path.read_bytes()
    for n in (len(data) - 1, len(data) - 30, len(data) // 2):
        (tmp_path / "cut.ogg").write_bytes(data[:n])
        assert ogg_is_cut(tmp_path / "cut.ogg")


def test_decoder_words_are_shortened_and_counted():
    said = ("[mp3float @ 0x55d0c0ffee00] Header missing\n"
            "Error while decoding stream #0:0: Invalid data found when processing input\n"
            "[mp3float @ 0x55d0c0ffee00] Header missing\n"
            "Note: Illegal Audio-MPEG-Header 0xfb52ec06 at offset 16461.\n"
            "Note: Trying to resync...\n")
    assert decoder_detail(said) == ("Header missing (×2); "
                                    "Illegal Audio-MPEG-Header … at offset 16461")
    assert decoder_detail("") == ""

"""Run by test_player.py in a subprocess whose $HOME/.asoundrc defines ALSA devices rec0..recN
that record to WAV files (ALSA's "file" plugin over its "null" device). PortAudio reads that
configuration when sounddevice is imported, hence the separate process.

    python _alsa_player.py AUDIO_FILE  ->  prints one JSON object of observations
"""

from __future__ import annotations

import json
import sys
import time

from whisperscope.audio.loader import load_audio
from whisperscope.audio.player import create_player
from whisperscope.audio.sounddevice_player import SoundDevicePlayer


def wait_done(player, limit: float = 20.0) -> None:
    t0 = time.monotonic()
    while player.is_playing and time.monotonic() - t0 < limit:
        time.sleep(0.005)


def main() -> None:
    audio = load_audio(sys.argv[1])
    report: dict = {}

    chosen = create_player()
    report["create_player"] = [
        type(chosen).__name__,
        chosen.sound_available,
        chosen.unavailable_reason,
    ]
    chosen.close()

    # rec0: the whole file at speed 1
    p = SoundDevicePlayer(device="rec0")
    p.load(audio)
    p.play()
    wait_done(p)
    report["full"] = {"position": p.position(), "playing": p.is_playing, "duration": p.duration}
    p.close()

    # rec1: one word's worth, then stop
    p = SoundDevicePlayer(device="rec1")
    p.load(audio)
    p.play_range(0.5, 0.75)
    wait_done(p)
    report["range"] = {"position": p.position(), "playing": p.is_playing}
    p.close()

    # rec2: twice as fast
    p = SoundDevicePlayer(device="rec2")
    p.load(audio)
    p.set_speed(2.0)
    p.play()
    wait_done(p)
    report["speed"] = {"position": p.position(), "speed": p.speed}
    p.close()

    # rec3: seek, play to the end; play again starts from 0
    p = SoundDevicePlayer(device="rec3")
    p.load(audio)
    p.seek(1.0)
    p.play()
    wait_done(p)
    report["seek"] = {"position": p.position()}
    # where the replay starts is read from rec3's recording, not from position(): ALSA's
    # null device takes samples as fast as they come, so how far the callback got by the
    # time position() is read depends on the scheduler (it failed once on a loaded CI box)
    p.play()
    wait_done(p)
    report["replayed"] = {"position": p.position(), "playing": p.is_playing}
    p.close()

    print(json.dumps(report))


if __name__ == "__main__":
    main()

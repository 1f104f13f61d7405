"""Settings as data, and their round trip through QSettings."""

import pytest

from whisperscope.settings import MAX_RECENT_FILES, Settings


def test_recent_files_are_unique_newest_first_and_bounded():
    s = Settings()
    for i in range(MAX_RECENT_FILES + 3):
        s = s.with_recent(f"/a/{i}.wav")
    s = s.with_recent("/a/5.wav")
    assert s.recent_files[0] == "/a/5.wav"
    assert len(s.recent_files) == MAX_RECENT_FILES
    assert len(set(s.recent_files)) == MAX_RECENT_FILES


def test_out_of_range_values_fall_back():
    s = Settings(device="tpu", speed=7.0).validated()
    assert s.device == "auto" and s.speed == 2.0


@pytest.mark.gui
def test_round_trip_through_qsettings(qsettings):
    from whisperscope.ui.settings_store import SettingsStore

    store = SettingsStore(qsettings)
    assert store.load() == Settings()
    saved = Settings(model="base", device="cpu", recent_files=("/x.wav", "/y.flac"),
                     speed=1.5, follow_playhead=False, normalised_attention=False)
    store.save(saved)
    assert SettingsStore(qsettings).load() == saved

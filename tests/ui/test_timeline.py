"""The shared time axis: ranges clamp, zoom keeps the pointer's time still, follow scrolls."""

import pytest

from whisperscope.ui.timeline import INITIAL_SPAN, MIN_SPAN, Timeline

pytestmark = pytest.mark.gui


def test_a_new_recording_is_first_shown_whole(qtbot):
    timeline = Timeline()
    assert timeline.view_range == (0.0, INITIAL_SPAN)  # nothing open yet
    with qtbot.waitSignal(timeline.view_range_changed):
        timeline.set_duration(12.0)
    assert timeline.view_range == (0.0, 12.0)
    timeline.set_duration(42.0)  # the 42 s file first showed only 0-30 s
    assert timeline.view_range == (0.0, 42.0)
    timeline.set_duration(3600.0)
    assert timeline.view_range == (0.0, 3600.0)
    assert timeline.playhead == 0.0


def test_zoom_keys_centre_on_the_selection_else_the_playhead():
    timeline = Timeline()
    timeline.set_duration(100.0)
    timeline.set_view_range(0.0, 40.0)
    timeline.set_playhead(2.0)  # at the view's left edge
    timeline.zoom_on_focus(0.25)
    assert timeline.view_range == pytest.approx((0.0, 10.0))  # clamped at 0, not 2-12
    timeline.set_playhead(30.0)
    timeline.zoom_on_focus(0.5)
    assert timeline.view_range == pytest.approx((27.5, 32.5))  # the playhead in the middle
    timeline.set_selection(60.0, 62.0)
    timeline.zoom_on_focus(2.0)
    assert timeline.view_range == pytest.approx((56.0, 66.0))


def test_ranges_clamp_to_the_recording():
    timeline = Timeline()
    timeline.set_duration(20.0)
    timeline.set_view_range(-5.0, 5.0)
    assert timeline.view_range == (0.0, 10.0)
    timeline.set_view_range(15.0, 40.0)
    assert timeline.view_range == (0.0, 20.0)
    timeline.set_view_range(18.0, 18.01)
    start, end = timeline.view_range
    assert end - start == pytest.approx(MIN_SPAN) and end <= 20.0


def test_zoom_keeps_the_centre_time_in_place():
    timeline = Timeline()
    timeline.set_duration(100.0)
    timeline.set_view_range(10.0, 30.0)
    timeline.zoom(0.5, center=15.0)
    start, end = timeline.view_range
    assert (start, end) == pytest.approx((12.5, 22.5))
    assert (15.0 - start) / (end - start) == pytest.approx(0.25)


def test_follow_scrolls_to_keep_the_playhead_in_view():
    timeline = Timeline()
    timeline.set_duration(100.0)
    timeline.set_view_range(0.0, 10.0)
    timeline.set_playhead(4.0, follow=True)
    assert timeline.view_range == (0.0, 10.0)  # before the middle: no scrolling
    timeline.set_playhead(42.0, follow=True)
    assert timeline.view_range == pytest.approx((37.0, 47.0))
    timeline.set_playhead(99.0, follow=True)
    assert timeline.view_range == pytest.approx((90.0, 100.0))


def test_seek_requests_are_clamped(qtbot):
    timeline = Timeline()
    timeline.set_duration(10.0)
    with qtbot.waitSignal(timeline.seek_requested) as blocker:
        timeline.request_seek(25.0)
    assert blocker.args == [10.0]


def test_seconds_map_to_pixels_and_back():
    timeline = Timeline()
    timeline.set_duration(60.0)
    timeline.set_view_range(10.0, 20.0)
    assert timeline.time_to_x(15.0, 800) == pytest.approx(400.0)
    assert timeline.x_to_time(200.0, 800) == pytest.approx(12.5)

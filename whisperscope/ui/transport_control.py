"""Playing and moving around: the Playback menu, the transport bar, and the clicks that seek
(a row of the word list, a row of the heatmap), wired to the player; speed and following
the playhead are remembered."""

from __future__ import annotations

from PySide6.QtCore import QObject

from whisperscope.settings import SPEEDS
from whisperscope.ui.actions import WindowActions
from whisperscope.ui.attention_rows import AttentionRows
from whisperscope.ui.heatmap_view import HeatmapPlot
from whisperscope.ui.notifier import STATUS_MS, Notifier
from whisperscope.ui.playback import PlaybackController
from whisperscope.ui.settings_store import Preferences
from whisperscope.ui.timeline import Timeline
from whisperscope.ui.token_list import TokenListPanel
from whisperscope.ui.transport import TransportBar


class TransportControl(QObject):
    def __init__(self, actions: WindowActions, transport: TransportBar,
                 playback: PlaybackController, timeline: Timeline, rows: AttentionRows,
                 token_list: TokenListPanel, heatmap: HeatmapPlot, preferences: Preferences,
                 notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.transport = transport
        self.playback = playback
        self.timeline = timeline
        self.rows = rows
        self.preferences = preferences
        self.notifier = notifier
        a, tr = actions, transport
        a.follow.toggled.connect(self.set_follow)
        a.play.triggered.connect(playback.toggle)
        a.back.triggered.connect(lambda: playback.step(-1.0))
        a.forward.triggered.connect(lambda: playback.step(1.0))
        a.slower.triggered.connect(lambda: self.nudge_speed(-1))
        a.faster.triggered.connect(lambda: self.nudge_speed(1))
        tr.play_toggled.connect(playback.toggle)
        tr.step_requested.connect(playback.step)
        tr.seek_requested.connect(playback.seek)
        tr.speed_changed.connect(self.set_speed)
        tr.follow_changed.connect(a.follow.setChecked)
        playback.playing_changed.connect(tr.set_playing)
        playback.sound_unavailable.connect(self._on_sound_unavailable)
        timeline.playhead_moved.connect(tr.set_position)
        token_list.seek_requested.connect(self.seek_and_show)
        token_list.play_requested.connect(playback.play_range)
        heatmap.row_clicked.connect(self._on_row_clicked)

    def restore(self) -> None:
        s = self.preferences.settings
        self.transport.set_speed(s.speed)
        self.playback.set_speed(s.speed)
        self.actions.follow.setChecked(s.follow_playhead)
        self.set_follow(s.follow_playhead)

    def seek_and_show(self, seconds: float) -> None:
        self.playback.seek(seconds)
        self.timeline.ensure_visible(seconds)

    def _on_row_clicked(self, row: int) -> None:
        span = self.rows.row_span(row)
        if span is not None:
            self.seek_and_show(span[0])

    def set_follow(self, follow: bool) -> None:
        self.playback.follow = follow
        self.transport.follow.setChecked(follow)
        self.preferences.update(follow_playhead=follow)

    def set_speed(self, speed: float) -> None:
        self.playback.set_speed(speed)
        self.preferences.update(speed=speed)

    def nudge_speed(self, direction: int) -> None:
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.playback.speed))
        speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + direction))]
        self.transport.set_speed(speed)
        self.set_speed(speed)

    def _on_sound_unavailable(self, reason: str) -> None:
        self.transport.set_sound_available(False, reason)
        self.notifier.status(f"Sound is unavailable ({reason}): playback runs silently, in "
                             "real time.", STATUS_MS * 2)

"""Praat-style editing of the tiers, from the keyboard as well as the mouse.

A click in a tier selects that tier (and puts the cursor there); a double-click selects the
interval under the pointer and edits its label in place. In the selected tier:

- Enter adds a boundary at the cursor: in the words tier it splits the word there (at its
  token boundary nearest the cursor), in a tier of the user's own it splits the interval;
- Alt+Backspace removes the boundary nearest the cursor (in view): merges two words, or two
  intervals of a tier of one's own;
- F2 (or the double-click) edits the label of the interval under the cursor: a word's text
  is aligned again (its window, keeping every pin), a label of one's own is just set;
- P pins the word under the cursor where it is (or frees it): re-alignment keeps it.

Tiers of one's own (Annotation › Add Tier…) are Praat interval tiers under ours; their
boundaries are dragged like the words'. Every change is one command on the document, one
undo step. Tab plays the selection (or the interval under the cursor), Ctrl+N zooms to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QMenuBar, QWidget

from whisperscope.session import commands
from whisperscope.session.document import AnnotationDocument
from whisperscope.session.edits import JOINED
from whisperscope.ui.boundary_lines import BoundaryLines
from whisperscope.ui.notifier import Notifier
from whisperscope.ui.playback import PlaybackController
from whisperscope.ui.plots_panel import PlotsPanel
from whisperscope.ui.tier_view import REFERENCE, TOKENS, WORDS
from whisperscope.ui.timefmt import format_time
from whisperscope.ui.timeline import Timeline

PLOT_KEYS = Qt.ShortcutContext.WidgetWithChildrenShortcut  # keys that act in the plots only


@dataclass(frozen=True)
class Interval:
    start: float
    end: float
    text: str


class TierEditing(QObject):
    def __init__(self, document: AnnotationDocument, plots: PlotsPanel, timeline: Timeline,
                 playback: PlaybackController, edit_word: Callable[[int, str], bool],
                 notifier: Notifier, menu_bar: QMenuBar, host: QWidget) -> None:
        super().__init__(host)
        self.document = document
        self.plots = plots
        self.timeline = timeline
        self.playback = playback
        self.edit_word = edit_word
        self.notifier = notifier
        self.host = host
        self.selected = WORDS  # the tier the keys act on
        self.lines: dict[str, BoundaryLines] = {}  # a tier of one's own's boundaries
        self.editor: QLineEdit | None = None
        self._editing: tuple[str, int] | None = None
        self.menu = QMenu("A&nnotation", host)
        menu_bar.insertMenu(menu_bar.actions()[-1], self.menu)  # before Help

        def action(text: str, keys, slot, tip: str = "", plot_only: bool = True) -> QAction:
            a = QAction(text, host)
            if keys:
                a.setShortcuts([QKeySequence(k) for k in keys])
                a.setShortcutContext(PLOT_KEYS if plot_only else
                                     Qt.ShortcutContext.WindowShortcut)
            if tip:
                a.setStatusTip(tip)
            a.triggered.connect(slot)
            (plots if plot_only else host).addAction(a)
            self.menu.addAction(a)
            return a

        self.add_boundary = action("Add &Boundary at Cursor", ["Return", "Enter"],
                                   lambda: self.add_boundary_at(self.timeline.playhead),
                                   "In the selected tier; in the words tier it splits the word")
        self.remove_boundary = action("&Remove Boundary at Cursor", ["Alt+Backspace"],
                                      lambda: self.remove_boundary_near(self.timeline.playhead),
                                      "In the selected tier; in the words tier it merges two "
                                      "words")
        self.edit_label = action("&Edit Label…", ["F2"],
                                 lambda: self.start_label_edit(self.timeline.playhead))
        self.pin = action("&Pin / Free Word at Cursor", ["P"],
                          lambda: self.toggle_pin_at(self.timeline.playhead),
                          "A pinned word keeps its times when anything is aligned again")
        self.menu.addSeparator()
        self.play_selection = action("Play &Selection", ["Tab"], self.play_selected,
                                     plot_only=False)
        self.zoom_selection = action("&Zoom to Selection", ["Ctrl+N"], self.zoom_to_selection,
                                     plot_only=False)
        self.menu.addSeparator()
        self.add_tier_action = action("Add &Tier…", ["Ctrl+Shift+T"], self.ask_add_tier,
                                      plot_only=False)
        self.rename_tier_action = action("Re&name Tier…", None, self.ask_rename_tier)
        self.remove_tier_action = action("Remove Tier", None, self.remove_selected_tier)
        plots.tiers.vb.clicked.connect(self._clicked)
        plots.tiers.vb.double_clicked.connect(self._double_clicked)
        document.events.tiers_changed.connect(self._show_tiers)
        document.events.analysis_changed.connect(lambda _a: self._show_tiers())
        document.events.recording_opened.connect(lambda _p: self.select(WORDS))
        self._show_tiers()

    # --- which tier ----------------------------------------------------------------------
    def select(self, name: str) -> None:
        self.selected = name
        self.plots.tiers.tiers.set_selected(name)
        user = self._user_index(name) is not None
        self.rename_tier_action.setEnabled(user)
        self.remove_tier_action.setEnabled(user)

    def _row_name(self, y: float) -> str | None:
        order = self.plots.tiers.tiers.order
        row = int(np.floor(y))
        return order[row] if 0 <= row < len(order) else None

    def _clicked(self, _t: float, y: float) -> None:
        name = self._row_name(y)
        if name is not None:
            self.select(name)

    def _double_clicked(self, t: float, y: float) -> None:
        name = self._row_name(y)
        if name is None:
            return
        self.select(name)
        found = self._interval_at(name, t)
        if found is not None:
            _index, interval = found
            self.timeline.set_selection(interval.start, interval.end)
            self.start_label_edit(t)

    def _user_index(self, name: str) -> int | None:
        return next((i for i, tier in enumerate(self.document.annotation.tiers)
                     if tier.name == name), None)

    def _duration(self) -> float:
        shown = self.document.shown
        if self.document.audio is not None:
            return float(self.document.audio.duration)
        return float(shown.audio.duration) if shown is not None else self.timeline.duration

    def _intervals(self, name: str) -> list[Interval]:
        shown = self.document.shown
        if name == WORDS:
            return [] if shown is None else [Interval(w.start, w.end, w.text.strip())
                                             for w in shown.words]
        if name == TOKENS:
            return [] if shown is None else [Interval(k.start, k.end, k.text.strip())
                                             for k in shown.tokens]
        if name == REFERENCE:
            ref = self.document.reference
            return [] if ref is None else [Interval(w.start, w.end, w.text) for w in ref.words]
        index = self._user_index(name)
        if index is None:
            return []
        tier = self.document.annotation.tiers[index]
        return [Interval(a, b, text) for a, b, text in tier.intervals(self._duration())]

    def _interval_at(self, name: str, t: float) -> tuple[int, Interval] | None:
        for i, interval in enumerate(self._intervals(name)):
            if interval.start <= t < interval.end:
                return i, interval
        return None

    # --- commands ------------------------------------------------------------------------
    def _apply(self, change: Callable[[], object], text: str) -> bool:
        document = self.document
        if document.running:
            self.notifier.status("Edits wait until the analysis has finished")
            return False
        try:
            after = change()
        except commands.CommandError as error:
            self.notifier.status(str(error))
            return False
        return document.apply(after, text)

    def add_boundary_at(self, t: float) -> bool:
        name, a = self.selected, self.document.annotation
        if name == WORDS:
            found = self._interval_at(WORDS, t)
            if found is None:
                self.notifier.status("The cursor is not inside a word: nothing to split")
                return False
            return self._apply(lambda: commands.split_word(a, found[0], t),
                               f"split “{found[1].text}” at {format_time(t, 3)}")
        index = self._user_index(name)
        if index is None:
            self.notifier.status(f"The {name} tier is not edited here: select a tier of "
                                 "your own or the words")
            return False
        return self._apply(lambda: commands.add_tier_boundary(a, index, t, self._duration()),
                           f"add a boundary to {name} at {format_time(t, 3)}")

    def remove_boundary_near(self, t: float) -> bool:
        name, a = self.selected, self.document.annotation
        tolerance = max(self.timeline.span / 100, 0.01)
        if name == WORDS:
            shown = self.document.shown
            if shown is None:
                return False
            joints = [(abs(w.end - t), i) for i, w in enumerate(shown.words[:-1])
                      if shown.words[i + 1].start - w.end <= JOINED + 0.2]
            near = min(joints, default=None)
            if near is None or near[0] > tolerance:
                self.notifier.status("No boundary between two words near the cursor")
                return False
            i = near[1]
            return self._apply(lambda: commands.merge_words(a, i),
                               f"merge “{shown.words[i].text.strip()}” and "
                               f"“{shown.words[i + 1].text.strip()}”")
        index = self._user_index(name)
        if index is None:
            return False
        bounds = a.tiers[index].boundaries
        if not bounds:
            self.notifier.status(f"{name} has no boundary to remove")
            return False
        k = int(np.argmin([abs(b - t) for b in bounds]))
        if abs(bounds[k] - t) > tolerance:
            self.notifier.status("No boundary near the cursor")
            return False
        return self._apply(lambda: commands.remove_tier_boundary(a, index, k),
                           f"remove a boundary of {name}")

    def toggle_pin_at(self, t: float) -> bool:
        found = self._interval_at(WORDS, t)
        if found is None:
            self.notifier.status("The cursor is not on a word")
            return False
        i, interval = found
        return self._apply(lambda: commands.toggle_pin(self.document.annotation, i),
                           f"pin or free “{interval.text}”")

    def set_label(self, name: str, interval: int, text: str) -> bool:
        if name == WORDS:
            return bool(self.edit_word(interval, text))
        index = self._user_index(name)
        if index is None:
            return False
        return self._apply(lambda: commands.set_interval_text(
            self.document.annotation, index, interval, text), f"label an interval of {name}")

    # --- tiers of one's own --------------------------------------------------------------
    def add_tier(self, name: str) -> bool:
        done = self._apply(lambda: commands.add_tier(self.document.annotation, name),
                           f"add the tier “{name.strip()}”")
        if done:
            self.select(name.strip())
        return done

    def rename_tier(self, name: str) -> bool:
        index = self._user_index(self.selected)
        if index is None:
            return False
        done = self._apply(lambda: commands.rename_tier(self.document.annotation, index,
                                                        name), f"rename a tier to “{name}”")
        if done:
            self.select(name.strip())
        return done

    def remove_selected_tier(self) -> bool:
        index = self._user_index(self.selected)
        if index is None:
            return False
        done = self._apply(lambda: commands.remove_tier(self.document.annotation, index),
                           f"remove the tier “{self.selected}”")
        if done:
            self.select(WORDS)
        return done

    def ask_add_tier(self) -> None:
        name, ok = QInputDialog.getText(self.host, "Add tier", "Name of the new tier:",
                                        text=f"tier {len(self.document.annotation.tiers) + 1}")
        if ok:
            self.add_tier(name)

    def ask_rename_tier(self) -> None:
        if self._user_index(self.selected) is None:
            return
        name, ok = QInputDialog.getText(self.host, "Rename tier", "New name:",
                                        text=self.selected)
        if ok:
            self.rename_tier(name)

    def _show_tiers(self, *_args) -> None:
        tiers = self.document.annotation.tiers
        duration = self._duration()
        names = [t.name for t in tiers]
        for name in list(self.lines):
            if name not in names:
                self.plots.tiers.removeItem(self.lines.pop(name))
        items = self.plots.tiers.tiers
        for tier in tiers:
            items.set_tier(tier.name, [Interval(a, b, text) for a, b, text
                                       in tier.intervals(duration)])
        self.plots.set_user_tiers(names)
        order = items.order
        for tier in tiers:
            lines = self.lines.get(tier.name)
            if lines is None:
                lines = self.lines[tier.name] = self._tier_lines(tier.name)
            lines.set_spans(tier.boundaries, tier.boundaries)
            row = order.index(tier.name)
            lines.set_rows((row, row + 1))
        if self.selected not in order:
            self.select(WORDS)
        else:
            items.set_selected(self.selected)

    def _tier_lines(self, name: str) -> BoundaryLines:
        lines = BoundaryLines(dash=1.2)
        lines.setZValue(self.plots.tiers.token_boundaries.zValue() + 1)
        self.plots.tiers.addItem(lines, ignoreBounds=True)

        def moved(k: int, _side: str, t: float, finished: bool) -> None:
            index, document = self._user_index(name), self.document
            if index is None or document.running:
                return
            after = commands.move_tier_boundary(document.drag_origin, index, k, t)
            if finished:
                document.apply(after, f"move a boundary of {name} to {format_time(t, 3)}")
            else:
                document.preview(after)

        lines.dragged.connect(lambda k, side, t: moved(k, side, t, False))
        lines.drag_finished.connect(lambda k, side, t: moved(k, side, t, True))
        return lines

    # --- labels in place -----------------------------------------------------------------
    def start_label_edit(self, t: float) -> bool:
        name = self.selected
        if name not in (WORDS,) and self._user_index(name) is None:
            self.notifier.status(f"The {name} tier's labels are not edited here")
            return False
        found = self._interval_at(name, t)
        if found is None:
            return False
        index, interval = found
        widget = self.plots.tier_widget
        vb = self.plots.tiers.vb
        row = self.plots.tiers.tiers.order.index(name)
        left = widget.mapFromScene(vb.mapViewToScene(QPointF(max(interval.start,
                                                                 self.timeline.view_range[0]),
                                                             row)))
        right = widget.mapFromScene(vb.mapViewToScene(QPointF(min(interval.end,
                                                                  self.timeline.view_range[1]),
                                                              row + 1)))
        editor = self.editor = QLineEdit(interval.text, widget)
        editor.setObjectName("tier_label_editor")
        editor.setGeometry(left.x(), left.y(), max(120, right.x() - left.x()),
                           max(22, right.y() - left.y()))
        editor.selectAll()
        editor.installEventFilter(self)
        self._editing = (name, index)
        editor.returnPressed.connect(self.commit_label_edit)
        editor.show()
        editor.setFocus()
        return True

    def commit_label_edit(self) -> bool:
        editor, editing = self.editor, self._editing
        self._close_editor()
        if editor is None or editing is None:
            return False
        name, index = editing
        text = " ".join(editor.text().split())
        current = self._intervals(name)[index].text if index < len(self._intervals(name)) \
            else None
        if text == current or (name == WORDS and not text):
            return False
        return self.set_label(name, index, text)

    def cancel_label_edit(self) -> None:
        self._close_editor()

    def _close_editor(self) -> None:
        editor, self.editor, self._editing = self.editor, None, None
        if editor is not None:
            editor.removeEventFilter(self)
            editor.hide()
            editor.deleteLater()
            self.plots.spectrogram_widget.setFocus()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Esc cancels, leaving too)
        if watched is self.editor:
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()  # every key is the editor's (Enter is not "add a boundary")
                return False
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
                self.cancel_label_edit()
                return True
            if event.type() == QEvent.Type.FocusOut and self.editor is not None:
                self.commit_label_edit()
        return super().eventFilter(watched, event)

    # --- playing and zooming the selection -----------------------------------------------
    def play_selected(self) -> None:
        """Tab: the selection, else the interval of the selected tier under the cursor."""
        selection = self.timeline.selection
        if selection is None:
            found = self._interval_at(self.selected, self.timeline.playhead)
            if found is None:
                self.notifier.status("Nothing selected: Shift+drag, or double-click an "
                                     "interval")
                return
            selection = (found[1].start, found[1].end)
        self.playback.play_range(*selection)

    def zoom_to_selection(self) -> None:
        selection = self.timeline.selection
        if selection is None:
            self.notifier.status("Nothing selected to zoom to")
            return
        self.timeline.set_view_range(*selection)


"""Nothing lost: the document's unsaved work is autosaved as it changes, a launch after a
crash offers to restore it, and quitting, closing or opening another recording with
unsaved work asks to save it first (Save / Discard / Cancel).

Each window keeps its autosave under a lock file (QLockFile): a window that ends cleanly
removes both; after a crash or a kill the lock is stale (its process is gone), and that is
how the next launch tells a left-behind autosave from one a running window still holds.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from whisperscope.errors import WhisperScopeError
from whisperscope.session.autosave import SUFFIX, Autosaved, read_autosave, write_autosave
from whisperscope.session.document import AnnotationDocument
from whisperscope.session.store import Session
from whisperscope.ui.timeline import Timeline

log = logging.getLogger(__name__)
AUTOSAVE_DELAY_MS = 1500  # after the last change: a drag or a burst of edits, written once
LOCK_SUFFIX = ".lock"


class Autosaver(QObject):
    written = Signal(str)  # the autosave file, just written
    removed = Signal()

    def __init__(self, document: AnnotationDocument, timeline: Timeline, folder: Path,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.timeline = timeline
        self.folder = Path(folder)
        name = f"window-{uuid.uuid4().hex[:12]}"
        self.path = self.folder / (name + SUFFIX)
        self._lock: QLockFile | None = None
        self._lock_path = self.folder / (name + LOCK_SUFFIX)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_DELAY_MS)
        self._timer.timeout.connect(self.write_now)
        document.events.history_changed.connect(self._changed)
        document.events.recording_opened.connect(lambda _p: self._changed())

    def _changed(self) -> None:
        if self.document.has_user_work:
            self._timer.start()
        else:
            self._timer.stop()
            self.remove()

    def write_now(self) -> bool:
        """Write the unsaved work now (nothing to write: the autosave goes)."""
        self._timer.stop()
        document = self.document
        if not document.has_user_work or document.analysis is None:
            self.remove()
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self._lock is None:
                self._lock = QLockFile(str(self._lock_path))
                self._lock.setStaleLockTime(0)  # stale only when its process is gone
                self._lock.tryLock(0)
            start, end = self.timeline.view_range
            extra = {"view_range": [start, end], "playhead": self.timeline.playhead}
            if document.reference is not None:
                extra["reference"] = str(Path(document.reference.path).absolute())
            write_autosave(self.path, document.annotation, extra)
        except (WhisperScopeError, OSError) as error:  # the work is still in the window
            log.warning("autosave failed: %s", error)
            return False
        self.written.emit(str(self.path))
        return True

    def remove(self) -> None:
        if self.path.exists():
            try:
                self.path.unlink()
            except OSError as error:
                log.warning("could not remove the autosave %s: %s", self.path, error)
            self.removed.emit()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def stop(self) -> None:
        """The window closes cleanly: its work was saved or given up."""
        self._timer.stop()
        self.remove()


def left_behind(folder: Path) -> list[Path]:
    """Autosaves whose window is gone (crashed or killed), newest first."""
    found = []
    for path in Path(folder).glob("*" + SUFFIX):
        lock = QLockFile(str(path.with_name(path.name[: -len(SUFFIX)] + LOCK_SUFFIX)))
        lock.setStaleLockTime(0)
        if lock.tryLock(0):  # nobody holds it: its window has ended
            lock.unlock()
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


class Recovery(QObject):
    """At launch: offer the work a crashed window left behind (Restore / Discard)."""

    def __init__(self, folder: Path, restore: Callable[[Session], None], host: QWidget
                 ) -> None:
        super().__init__(host)
        self.folder = Path(folder)
        self.restore_session = restore
        self.host = host
        self.box: QMessageBox | None = None
        self.found: list[tuple[Path, Autosaved]] = []

    def offer(self) -> bool:
        """Ask about the newest autosave left behind (non-blocking); False when none."""
        self.found = []
        for path in left_behind(self.folder):
            try:
                self.found.append((path, read_autosave(path)))
            except WhisperScopeError as error:
                log.warning("%s", error)
        if not self.found:
            return False
        _path, newest = self.found[0]
        box = self.box = QMessageBox(
            QMessageBox.Icon.Question, "Restore unsaved work?",
            "WhisperScope ended before this work was saved:\n\n" + newest.describe()
            + "\n\nRestore it?",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, self.host)
        box.button(QMessageBox.StandardButton.Open).setText("Restore")
        box.setInformativeText("Discard deletes it; Cancel keeps it for the next launch.")
        box.finished.connect(self._answered)
        box.open()
        return True

    def _answered(self, _result: int) -> None:
        box, self.box = self.box, None
        button = box.standardButton(box.clickedButton()) if box.clickedButton() else \
            QMessageBox.StandardButton.Cancel
        if button == QMessageBox.StandardButton.Cancel or not self.found:
            return
        path, autosaved = self.found[0]
        if button == QMessageBox.StandardButton.Open:
            a = autosaved.annotation
            self.restore_session(Session(a.analysis, None, autosaved.extra, dict(a.edits),
                                         token_edits=dict(a.token_edits), pins=a.pins,
                                         tiers=a.tiers))
        try:
            path.unlink()  # restored into a window that autosaves it anew, or discarded
        except OSError:
            pass


class UnsavedGuard(QObject):
    """Before work would be lost: Save / Discard / Cancel."""

    def __init__(self, document: AnnotationDocument, save: Callable[[], bool],
                 host: QWidget) -> None:
        super().__init__(host)
        self.document = document
        self.save = save
        self.host = host

    def confirm(self, doing: str) -> bool:
        """True when `doing` may go ahead: nothing unsaved, saved now, or discarded."""
        if not self.document.has_user_work:
            return True
        answer = QMessageBox.warning(
            self.host, "Unsaved work",
            f"Your work on {Path(self.document.path or '').name} is not saved. Save it "
            f"before {doing}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

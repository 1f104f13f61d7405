"""Table models for the token list: words or tokens with start, end and probability, and,
with a reference loaded, each word's start and end error against it.

Rows of finished windows come from `WindowDone`; while a window decodes, its tokens show as
pending rows (no times yet) after them, so the list fills in live with the heatmap. Words
whose boundaries were moved by hand are marked ✎; words of a given transcript that the audio
does not support (`Word.unaligned`) are coloured. A word's text can be edited (the edit is
reported by `text_edited`, not stored: re-aligning its window makes the new rows).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from whisperscope.session.model import TokenTiming, Word
from whisperscope.ui import theme
from whisperscope.ui.timefmt import format_time

COLUMNS = ("Text", "Start", "End", "P", "ΔS", "ΔE")
HEADER_TIPS = {4: "Start error against the reference word, ms (+ is late)",
               5: "End error against the reference word, ms (+ is late)",
               3: "Probability of the word (its least likely token)"}
TEXT, START, END, PROB, START_ERROR, END_ERROR = range(6)
ERROR_COLUMNS = (START_ERROR, END_ERROR)
EDITED_MARK = " ✎"
LARGE_ERROR = 0.05  # seconds: errors above this are coloured
UNALIGNED_TIP = "not supported by the audio: is the transcript right here?"
Index = QModelIndex | QPersistentModelIndex


class TranscriptModel(QAbstractTableModel):
    """Rows are `Word`s or `TokenTiming`s (anything with text/start/end/probability)."""

    text_edited = Signal(int, str)  # word row, its new text (as typed)

    def __init__(self, kind: str, parent=None) -> None:
        super().__init__(parent)
        self.kind = kind  # "words" | "tokens"
        self.items: list[Word | TokenTiming] = []
        self.pending: list[tuple[str, float]] = []  # (text, probability) of a live window
        self.current = -1
        self.marked: frozenset[int] = frozenset()  # rows edited by hand
        self.errors: dict[int, tuple[float, float]] = {}  # row -> (start, end) error, s
        self._mono = self.number_font = QFont("monospace")
        self._mono.setStyleHint(QFont.StyleHint.Monospace)
        self._italic = QFont()
        self._italic.setItalic(True)

    # --- content -----------------------------------------------------------------------
    def reset(self) -> None:
        self.beginResetModel()
        self.items, self.pending, self.current = [], [], -1
        self.marked, self.errors = frozenset(), {}
        self.endResetModel()

    def replace_items(self, items, marked=frozenset()) -> None:
        """The same rows with new times (edited by hand), `marked` rows flagged."""
        items = list(items)
        if len(items) != len(self.items) or self.pending:
            self.beginResetModel()
            self.items, self.pending = items, []
            self.marked = frozenset(marked)
            self.endResetModel()
            return
        self.items, self.marked = items, frozenset(marked)
        self._all_changed()

    def set_errors(self, errors: dict[int, tuple[float, float]]) -> None:
        self.errors = dict(errors)
        self._all_changed()

    def _all_changed(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, len(COLUMNS) - 1))

    def add_pending(self, decoded: list[tuple[str, float, bool]]) -> None:
        """Rows for tokens just decoded, (text, probability, join) each; with `join`, the
        text extends the last pending row instead (a word still being spelled out, token by
        token). One dataChanged and one insert for the whole list."""
        pending = list(self.pending)
        for text, probability, join in decoded:
            if join and pending:
                last, p = pending[-1]
                pending[-1] = (last + text, min(p, probability))
            else:
                pending.append((text, probability))
        n = len(self.pending)
        if n and pending[n - 1] != self.pending[n - 1]:
            self.pending[n - 1] = pending[n - 1]
            row = len(self.items) + n - 1
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if len(pending) > n:
            first = len(self.items) + n
            self.beginInsertRows(QModelIndex(), first, first + len(pending) - n - 1)
            self.pending = pending
            self.endInsertRows()

    def clear_pending(self) -> None:
        if self.pending:
            first = len(self.items)
            self.beginRemoveRows(QModelIndex(), first, first + len(self.pending) - 1)
            self.pending = []
            self.endRemoveRows()

    def extend(self, items) -> None:
        self.clear_pending()
        items = list(items)
        if items:
            first = len(self.items)
            self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
            self.items.extend(items)
            self.endInsertRows()

    def set_current(self, row: int) -> None:
        if row == self.current:
            return
        old, self.current = self.current, row
        for r in (old, row):
            if 0 <= r < self.rowCount():
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))

    def item(self, row: int) -> Word | TokenTiming | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    # --- Qt model ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.items) + len(self.pending)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(section)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft if section == TEXT else
                       Qt.AlignmentFlag.AlignRight) | int(Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if row >= len(self.items):
            return self._pending_data(row - len(self.items), col, role)
        item = self.items[row]
        if col in ERROR_COLUMNS:
            return self._error_data(row, col, role)
        unaligned = getattr(item, "unaligned", False)
        if role == Qt.ItemDataRole.EditRole and col == TEXT:
            return item.text.strip()
        if role == Qt.ItemDataRole.DisplayRole:
            text = (item.text.strip() or "␣") + (EDITED_MARK if row in self.marked else "")
            return (text, format_time(item.start), format_time(item.end),
                    f"{item.probability:.2f}")[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == TEXT and row in self.marked:
            return QColor(theme.EDITED)
        if role == Qt.ItemDataRole.ForegroundRole and col == TEXT and unaligned:
            return QColor(theme.UNALIGNED)
        if role == Qt.ItemDataRole.ForegroundRole and col in (TEXT, PROB):
            color = theme.confidence_color(item.probability)
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.BackgroundRole and row == self.current:
            return QColor(theme.CURRENT_ROW)
        if role == Qt.ItemDataRole.FontRole and col != TEXT:
            return self._mono
        if role == Qt.ItemDataRole.TextAlignmentRole and col != TEXT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"“{item.text}”  {format_time(item.start)} – {format_time(item.end)}  "
                    f"probability {item.probability:.3f}"
                    + ("  · boundaries moved by hand" if row in self.marked else "")
                    + (f"  · {UNALIGNED_TIP}" if unaligned else ""))
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if (self.kind == "words" and index.isValid() and index.column() == TEXT
                and index.row() < len(self.items)):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        """A word's text typed in: reported, not kept (its window is re-aligned)."""
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index)
                                                    & Qt.ItemFlag.ItemIsEditable):
            return False
        text = " ".join(str(value).split())
        if text and text != self.items[index.row()].text.strip():
            self.text_edited.emit(index.row(), text)
        return False

    def _error_data(self, row: int, col: int, role: int):
        error = self.errors.get(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if error is None else f"{error[col - START_ERROR] * 1000:+.0f}"
        if role == Qt.ItemDataRole.ForegroundRole and error is not None:
            return QColor(theme.LOW_CONFIDENCE) if abs(error[col - START_ERROR]) > \
                LARGE_ERROR else None
        if role == Qt.ItemDataRole.FontRole:
            return self._mono
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return ("not matched to a reference word" if error is None else
                    "ms from the reference word's start (ΔS) or end (ΔE); + is late")
        return None

    def _pending_data(self, row: int, col: int, role: int):
        if row >= len(self.pending):
            return None
        text, probability = self.pending[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return (text.strip() or "␣", "…", "…", f"{probability:.2f}", "", "")[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor(theme.MUTED)
        if role == Qt.ItemDataRole.FontRole:
            return self._italic
        if role == Qt.ItemDataRole.TextAlignmentRole and col != TEXT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Decoding… times appear when the window is aligned"
        return None

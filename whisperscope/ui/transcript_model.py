"""Table models for the token list: words or tokens with start, end and probability.

Rows of finished windows come from `WindowDone`; while a window decodes, its tokens show as
pending rows (no times yet) after them, so the list fills in live with the heatmap.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from whisperscope.session.model import TokenTiming, Word
from whisperscope.ui import theme
from whisperscope.ui.timefmt import format_time

COLUMNS = ("Text", "Start", "End", "P")
TEXT, START, END, PROB = range(4)
Index = QModelIndex | QPersistentModelIndex


class TranscriptModel(QAbstractTableModel):
    """Rows are `Word`s or `TokenTiming`s (anything with text/start/end/probability)."""

    def __init__(self, kind: str, parent=None) -> None:
        super().__init__(parent)
        self.kind = kind  # "words" | "tokens"
        self.items: list[Word | TokenTiming] = []
        self.pending: list[tuple[str, float]] = []  # (text, probability) of a live window
        self.current = -1
        self._mono = self.number_font = QFont("monospace")
        self._mono.setStyleHint(QFont.StyleHint.Monospace)
        self._italic = QFont()
        self._italic.setItalic(True)

    # --- content -----------------------------------------------------------------------
    def reset(self) -> None:
        self.beginResetModel()
        self.items, self.pending, self.current = [], [], -1
        self.endResetModel()

    def add_pending(self, text: str, probability: float, join: bool = False) -> None:
        """A row for a token just decoded; with `join`, the text extends the last pending
        row instead (a word still being spelled out, token by token)."""
        if join and self.pending:
            last, p = self.pending[-1]
            self.pending[-1] = (last + text, min(p, probability))
            row = len(self.items) + len(self.pending) - 1
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return
        row = len(self.items) + len(self.pending)
        self.beginInsertRows(QModelIndex(), row, row)
        self.pending.append((text, probability))
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
        if role == Qt.ItemDataRole.DisplayRole:
            return (item.text.strip() or "␣", format_time(item.start),
                    format_time(item.end), f"{item.probability:.2f}")[col]
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
                    f"probability {item.probability:.3f}")
        return None

    def _pending_data(self, row: int, col: int, role: int):
        if row >= len(self.pending):
            return None
        text, probability = self.pending[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return (text.strip() or "␣", "…", "…", f"{probability:.2f}")[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor(theme.MUTED)
        if role == Qt.ItemDataRole.FontRole:
            return self._italic
        if role == Qt.ItemDataRole.TextAlignmentRole and col != TEXT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Decoding… times appear when the window is aligned"
        return None

"""The transcript at the side: words and tokens with times and confidence.

The row under the playhead is highlighted and kept in view; a click seeks to the item's
start, a double-click plays just that word; F2 or a double-click on a word's text edits it.
"""

from __future__ import annotations

import re
import time

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from whisperscope.engine.events import TokenDecoded, WindowDone
from whisperscope.ui import theme
from whisperscope.ui.attention_rows import is_text_token
from whisperscope.ui.timefmt import format_time
from whisperscope.ui.transcript_model import (
    END,
    END_ERROR,
    ERROR_COLUMNS,
    PROB,
    START,
    START_ERROR,
    TEXT,
    TranscriptModel,
)

NUMBER_COLUMNS = (START, END, PROB, START_ERROR, END_ERROR)
TEXT_MIN_PX = 90  # the word column keeps room for a word of 10-12 letters
TEMPLATES = {START: "0:00.00", END: "0:00.00", PROB: "0.00", START_ERROR: "+000",
             END_ERROR: "+000"}  # typical values


def _table(model: TranscriptModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # Ctrl+C
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(22)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header = view.horizontalHeader()
    header.setSectionResizeMode(TEXT, QHeaderView.ResizeMode.Stretch)
    for col in NUMBER_COLUMNS:  # fitted to their contents as each window's times arrive
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
    view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    fit_number_columns(view)
    for col in ERROR_COLUMNS:  # shown with a reference
        view.setColumnHidden(col, True)
    return view


def fit_number_columns(view: QTableView) -> None:
    """Number columns as wide as a typical value from the start, so the text column has
    its room while a window decodes (they were 100 px each, leaving "chil…")."""
    fit_columns(view, TEMPLATES)


def fit_columns(view: QTableView, samples: dict[int, str]) -> None:
    """Each column of `samples` as wide as its sample text or its title, whichever is
    wider (measured, so no pass over the rows)."""
    metrics = QFontMetrics(view.model().number_font)
    header = view.horizontalHeader()
    for col, sample in samples.items():
        if col < view.model().columnCount():
            title = header.fontMetrics().horizontalAdvance(str(view.model().headerData(
                col, Qt.Orientation.Horizontal)))
            view.setColumnWidth(col, max(metrics.horizontalAdvance(sample), title) + 14)


class TokenListPanel(QWidget):
    seek_requested = Signal(float)
    play_requested = Signal(float, float)  # start, end: play just this span

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._played: tuple[str, int] | None = None  # the row last double-clicked, and when
        self._played_at = 0.0
        self._time_chars = 0  # the longest time shown so far, in characters
        self.words = TranscriptModel("words", self)
        self.tokens = TranscriptModel("tokens", self)
        self.word_view = _table(self.words)
        self.word_view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                       | QAbstractItemView.EditTrigger.DoubleClicked)
        self.token_view = _table(self.tokens)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find in the transcript (Enter: next, Esc: close)")
        self.search.setClearButtonEnabled(True)
        self.search.hide()
        self.search.returnPressed.connect(self.find_next)
        self.search.installEventFilter(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.word_view, "Words")
        self.tabs.addTab(self.token_view, "Tokens")
        self.legend = QLabel(
            f"<span style='color:{theme.LOW_CONFIDENCE}'>■</span> p &lt; {theme.LOW} &nbsp; "
            f"<span style='color:{theme.VERY_LOW_CONFIDENCE}'>■</span> p &lt; {theme.VERY_LOW}"
            f" &nbsp; <span style='color:{theme.UNALIGNED}'>■</span> unaligned"
            " &nbsp;·&nbsp; double-click: play, F2: edit")
        self.legend.setWordWrap(True)  # never widens the list past its room
        self.legend.setObjectName("section_title")
        self.summary = QLabel("")  # the comparison with a reference
        self.summary.setWordWrap(True)
        self.summary.setObjectName("section_title")
        self.summary.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.legend)
        self.fit_width()
        for view, model in ((self.word_view, self.words), (self.token_view, self.tokens)):
            view.clicked.connect(lambda index, m=model: self._seek(m, index))
            view.activated.connect(lambda index, m=model: self._seek(m, index))
            view.doubleClicked.connect(lambda index, m=model: self._play(m, index))

    # --- events ------------------------------------------------------------------------
    def reset(self) -> None:
        self.words.reset()
        self.tokens.reset()
        self._time_chars = 0

    def tokens_decoded(self, events: list[TokenDecoded]) -> None:
        """Rows for tokens just decoded, one insert per list (the views lay out once)."""
        events = [e for e in events if is_text_token(e)]
        self.tokens.add_pending([(e.text, e.probability, False) for e in events])
        self.words.add_pending([(e.text, e.probability, not e.starts_word) for e in events])

    def window_voided(self) -> None:
        self.tokens.clear_pending()
        self.words.clear_pending()

    def window_done(self, event: WindowDone) -> None:
        self.tokens.extend(event.tokens)
        self.words.extend(event.words)
        # only when the times get longer ("9:59.99" -> "10:00.00"), and measured on the
        # longest time's shape: resizeColumnToContents read every row (25 ms at the
        # 10-minute mark of a long recording, 0.8 s a window at the end of an hour)
        longest = format_time(max(t.end for t in event.tokens)) if event.tokens else ""
        if len(longest) > self._time_chars:
            self._time_chars = len(longest)
            shape = re.sub(r"\d", "0", longest)  # the digits are tabular: any one will do
            for view in (self.word_view, self.token_view):
                fit_columns(view, {START: shape, END: shape})
            self.fit_width()

    def show_edited(self, analysis, edited, edited_tokens=frozenset()) -> None:
        """The words and tokens with their times edited by hand; `edited` ones marked."""
        self.words.replace_items(analysis.words, edited)
        self.tokens.replace_items(analysis.tokens, edited_tokens)

    def show_comparison(self, errors: dict[int, tuple[float, float]] | None,
                        summary: str = "") -> None:
        """Start/end errors per word against a reference (None: no reference)."""
        for col in ERROR_COLUMNS:
            self.word_view.setColumnHidden(col, errors is None)
        self.words.set_errors(errors or {})
        if errors:  # as wide as the widest error, so "+1234" is never cut to "+1…"
            widest = max((f"{e * 1000:+.0f}" for pair in errors.values() for e in pair),
                         key=len, default=TEMPLATES[START_ERROR])
            fit_columns(self.word_view, dict.fromkeys(ERROR_COLUMNS, widest))
        self.fit_width()
        self.summary.setText(summary)
        self.summary.setVisible(bool(summary))

    def fit_width(self) -> None:
        """Never narrower than its columns: the times, P and (with a reference) ΔS/ΔE at
        their fitted widths and the text at least TEXT_MIN_PX, so a small window (1024 px)
        keeps every column on screen and takes the room from the plots instead."""
        view = self.word_view
        numbers = sum(view.columnWidth(c) for c in NUMBER_COLUMNS if not view.isColumnHidden(c))
        frame = 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width()
        margins = self.layout().contentsMargins()
        self.setMinimumWidth(numbers + TEXT_MIN_PX + frame + margins.left() + margins.right()
                             + 8)

    # --- find and copy ------------------------------------------------------------------
    def show_search(self) -> None:
        self.search.show()
        self.search.setFocus()
        self.search.selectAll()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Esc closes the search)
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Escape):
            self.search.hide()
            return True
        return super().eventFilter(watched, event)

    def find_next(self) -> int:
        """Select and seek to the next row (after the selected one, wrapping) whose text
        holds the search text, case-insensitive; -1 when none does."""
        query = self.search.text().strip().lower()
        view = self._shown_view()
        model = view.model()
        if not query or not model.items:
            return -1
        rows = view.selectionModel().selectedRows()
        start = rows[-1].row() + 1 if rows else 0
        n = len(model.items)
        for k in range(n):
            row = (start + k) % n
            if query in model.items[row].text.lower():
                view.selectRow(row)
                view.scrollTo(model.index(row, 0))
                self.seek_requested.emit(model.items[row].start)
                return row
        return -1

    def _shown_view(self) -> QTableView:
        return self.token_view if self.tabs.currentWidget() is self.token_view else \
            self.word_view

    def selected_tsv(self) -> str:
        """The selected rows of the shown list, with a header, as tab-separated text:
        text, start and end in seconds, probability (and the reference errors in ms)."""
        view = self._shown_view()
        model = view.model()
        rows = sorted(i.row() for i in view.selectionModel().selectedRows()
                      if model.item(i.row()) is not None)
        if not rows:
            return ""
        errors = bool(model.errors)
        lines = ["text\tstart\tend\tprobability" + ("\tstart_error_ms\tend_error_ms"
                                                     if errors else "")]
        for row in rows:
            item = model.item(row)
            cells = [item.text.strip(), f"{item.start:.3f}", f"{item.end:.3f}",
                     f"{item.probability:.3f}"]
            if errors:
                error = model.errors.get(row)
                cells += [f"{e * 1000:.1f}" for e in error] if error else ["", ""]
            lines.append("\t".join(cells))
        return "\n".join(lines) + "\n"

    # --- playhead ----------------------------------------------------------------------
    def set_current(self, token_index: int, word_index: int) -> None:
        """Highlight the token and word under the playhead (-1: none) and keep them in
        view."""
        self.tokens.set_current(token_index)
        self.words.set_current(word_index)
        for view, row in ((self.token_view, token_index), (self.word_view, word_index)):
            if row >= 0 and view.isVisible():
                view.scrollTo(view.model().index(row, 0),
                              QAbstractItemView.ScrollHint.EnsureVisible)

    # --- clicks ------------------------------------------------------------------------
    def _seek(self, model: TranscriptModel, index: QModelIndex) -> None:
        # the release that ends a double-click also reports a click: it must not turn
        # "play this word" into "seek here and play on"
        if (self._played == (model.kind, index.row())
                and time.monotonic() - self._played_at
                < QApplication.doubleClickInterval() / 1000):
            return
        item = model.item(index.row())
        if item is not None:
            self.seek_requested.emit(item.start)

    def _play(self, model: TranscriptModel, index: QModelIndex) -> None:
        item = model.item(index.row())
        if item is None or (model is self.words and index.column() == TEXT):
            return  # a double-click on a word's text edits it
        self._played, self._played_at = (model.kind, index.row()), time.monotonic()
        if model is self.tokens:  # play the word this token belongs to
            word = next((w for w in self.words.items if item.index in w.tokens), None)
            item = word or item
        self.play_requested.emit(item.start, item.end)

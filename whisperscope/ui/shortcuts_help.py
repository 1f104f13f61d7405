"""Help › Keyboard Shortcuts: every action of the window that has a key, menu by menu, read
from the actions themselves (so the sheet is never out of date), and the mouse's part."""

from __future__ import annotations

import html

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenuBar, QTextBrowser, QVBoxLayout

MOUSE = (
    ("Click", "put the cursor (playhead) there; in a tier, select that tier"),
    ("Double-click in a tier", "select the interval and edit its label"),
    ("Drag a boundary", "move it (the moved boundary is pinned: re-alignment keeps it)"),
    ("Shift+drag", "select a time range"),
    ("Drag elsewhere", "pan"),
    ("Wheel / Ctrl+wheel", "pan / zoom around the pointer"),
)


def shortcut_rows(menu_bar: QMenuBar) -> list[tuple[str, list[tuple[str, str]]]]:
    """(menu title, [(keys, what it does), ...]) for every menu of `menu_bar`."""
    out = []
    for menu_action in menu_bar.actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        rows = []
        for action in _actions(menu):
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                             for k in action.shortcuts() if not k.isEmpty())
            if keys:
                rows.append((keys, action.text().replace("&", "")))
        if rows:
            out.append((menu_action.text().replace("&", ""), rows))
    return out


def _actions(menu) -> list[QAction]:
    found = []
    for action in menu.actions():
        if action.menu() is not None:
            found += _actions(action.menu())
        elif not action.isSeparator():
            found.append(action)
    return found


def sheet_html(menu_bar: QMenuBar) -> str:
    parts = ["<style>td{padding:1px 10px 1px 0} th{text-align:left;padding-top:8px}</style>"]
    for title, rows in shortcut_rows(menu_bar):
        parts.append(f"<table><tr><th colspan=2>{html.escape(title)}</th></tr>")
        parts += [f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(text)}</td></tr>"
                  for keys, text in rows]
        parts.append("</table>")
    parts.append("<table><tr><th colspan=2>Mouse</th></tr>")
    parts += [f"<tr><td><b>{html.escape(a)}</b></td><td>{html.escape(b)}</td></tr>"
              for a, b in MOUSE]
    parts.append("</table>")
    return "".join(parts)


class ShortcutsDialog(QDialog):
    def __init__(self, menu_bar: QMenuBar, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.text = QTextBrowser()
        self.text.setHtml(sheet_html(menu_bar))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(520, 640)

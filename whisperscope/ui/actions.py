"""The window's actions and menus (File, Edit, View, Playback, Analysis, Help), with their
shortcuts.

Only creates and arranges QActions; what they do is wired by the main window.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu


class WindowActions:
    def __init__(self, window: QMainWindow) -> None:
        def action(text: str, shortcut=None, tip: str = "") -> QAction:
            a = QAction(text, window)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            if tip:
                a.setStatusTip(tip)
            window.addAction(a)  # shortcuts work wherever focus is in the window
            return a

        keys = QKeySequence.StandardKey
        self.open = action("&Open Recording…", keys.Open, "Open an audio file and analyse it")
        self.open_sample = action("Open &Sample Recording", None,
                                  "The bundled 20 s sample, with a long pause")
        self.open_session = action("Open Sa&ved Session…", "Ctrl+Shift+O")
        self.save_session = action("Save &Session…", keys.Save)
        self.export = action("&Export…", "Ctrl+E", "JSON, SRT, VTT, TextGrid, PNG")
        self.find = action("&Find in Transcript…", keys.Find)
        self.copy = action("&Copy Rows", keys.Copy, "The selected words or tokens with their "
                           "times, tab-separated")
        self.align_transcript = action("&Align Transcript…", "Ctrl+T", "Time the words of "
                                       "a known transcript (UTF-8 text) on this recording")
        self.load_reference = action("Load &Reference…", None, "Word times to compare with: "
                                     "TextGrid, ELAN, SRT, VTT, whisper JSON, Audacity "
                                     "labels, TSV, .wrd")
        self.export_comparison = action("Export &Comparison…", None,
                                        "The word errors against the reference, as CSV")
        self.quit = action("&Quit", keys.Quit)
        self.recent_menu = QMenu("Open &Recent", window)

        self.zoom_in = action("Zoom &In", keys.ZoomIn)
        self.zoom_out = action("Zoom &Out", keys.ZoomOut)
        self.zoom_all = action("Show &Whole Recording", "Ctrl+0")
        self.follow = action("&Follow Playhead", "F")
        self.follow.setCheckable(True)
        self.normalise = action("&Normalise Attention Rows", "N")
        self.normalise.setCheckable(True)

        self.play = action("&Play / Pause", "Space")
        self.back = action("Step &Back", "Left")
        self.forward = action("Step &Forward", "Right")
        self.word_back = action("Previous &Word", "Ctrl+Left")
        self.word_forward = action("Next W&ord", "Ctrl+Right")
        self.home = action("To the S&tart", "Home")
        self.end = action("To the &End", "End")
        self.loop = action("&Loop Selection", "L", "Play the Shift+dragged range over and "
                           "over (L again stops)")
        self.slower = action("&Slower", "[")
        self.faster = action("F&aster", "]")

        self.analyse = action("&Analyse Again", "Ctrl+R", "Run the analysis again")
        self.cancel = action("&Cancel Analysis", "Esc")
        self.analysis_settings = action("Analysis &Settings…", "Ctrl+,",
                                        "whisper's decoding options for the next analysis")

        self.shortcuts = action("&Keyboard Shortcuts", "F1", "Every key of the window")
        self.about = action("&About WhisperScope")

        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open, self.open_sample])
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.open_session, self.save_session, self.export])
        file_menu.addSeparator()
        file_menu.addActions([self.align_transcript, self.load_reference,
                              self.export_comparison])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        self.edit_menu = bar.addMenu("&Edit")  # undo / redo of boundary moves go first
        self.edit_menu.addSeparator()
        self.edit_menu.addActions([self.copy, self.find])
        view_menu = self.view_menu = bar.addMenu("&View")
        view_menu.addActions([self.zoom_in, self.zoom_out, self.zoom_all])
        view_menu.addSeparator()
        view_menu.addActions([self.follow, self.normalise])
        play_menu = bar.addMenu("&Playback")
        play_menu.addActions([self.play, self.back, self.forward, self.word_back,
                              self.word_forward, self.home, self.end, self.loop])
        play_menu.addSeparator()
        play_menu.addActions([self.slower, self.faster])
        analysis_menu = bar.addMenu("&Analysis")
        analysis_menu.addActions([self.analyse, self.cancel])
        analysis_menu.addSeparator()
        analysis_menu.addAction(self.analysis_settings)
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts, self.about])

    def set_recent(self, paths, open_path) -> None:
        """Fill the recent-files menu; `open_path(path)` is called when one is chosen."""
        self.recent_menu.clear()
        for i, path in enumerate(paths):
            a = self.recent_menu.addAction(f"&{i + 1}  {path}" if i < 9 else path)
            a.triggered.connect(lambda _checked=False, p=path: open_path(p))
        self.recent_menu.setEnabled(bool(paths))

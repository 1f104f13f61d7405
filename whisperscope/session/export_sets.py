"""Several export formats at once, as whisper's `--output_format all` writes them: which
formats, the suffix of each one's files in an output folder, and each one's share of the
export options (whisper's writers take the line options; its JSON writer ignores them)."""

from __future__ import annotations

from whisperscope.session import exporters

ALL = "all"
WHISPER_ALL = ("txt", "vtt", "srt", "tsv", "json")  # what `whisper -f all` writes
OURS_IN_ALL = ("textgrid", "eaf")  # written beside them by our `all`
# options that shape subtitle cues (whisper: "requires --word_timestamps True")
LINE_OPTIONS = ("max_line_width", "max_line_count", "max_words_per_line")


def format_choices() -> list[str]:
    """Every export format, and `all`."""
    return [*exporters.FORMATS, ALL]


def formats_for(choice: str) -> tuple[str, ...]:
    """The formats CHOICE writes: whisper's five for `all` (txt, vtt, srt, tsv, json), then
    TextGrid and EAF, each where an exporter for it exists; else CHOICE alone."""
    if choice != ALL:
        return (choice,)
    return tuple(fmt for fmt in (*WHISPER_ALL, *OURS_IN_ALL) if fmt in exporters.FORMATS)


def output_suffix(fmt: str) -> str:
    """The suffix of `fmt`'s files in an output folder (Praat, and so MFA, spell TextGrid
    with capitals)."""
    return ".TextGrid" if fmt == "textgrid" else exporters.format_module(fmt).SUFFIXES[0]


def export_suffixes() -> set[str]:
    """Every suffix an export format is known by, lower case."""
    return {suffix.lower() for fmt in exporters.FORMATS
            for suffix in exporters.format_module(fmt).SUFFIXES}


def options_by_format(formats: tuple[str, ...], options: dict) -> dict[str, dict]:
    """Each format's share of `options`: an option goes to the formats that take it (the
    line options to SRT and VTT), each share checked by its exporter (a limit below 1).
    For one format, any set option it does not take is an ExportError
    (exporters.check_options); for several, only one that none of them takes."""
    if len(formats) == 1:
        exporters.check_options(formats[0], **options)
    shares = {fmt: {name: value for name, value in options.items()
                    if name in exporters.format_module(fmt).OPTIONS} for fmt in formats}
    for name, value in options.items():
        if value and not any(name in share for share in shares.values()):
            exporters.check_options(formats[0], **{name: value})  # raises, naming it
    for fmt, share in shares.items():
        exporters.check_options(fmt, **share)
    return shares


def line_option_warnings(options: dict) -> list[str]:
    """whisper's own warnings about line options that do nothing together."""
    warnings = []
    if options.get("max_line_count") and not options.get("max_line_width"):
        warnings.append("--max_line_count has no effect without --max_line_width")
    if options.get("max_words_per_line") and options.get("max_line_width"):
        warnings.append("--max_words_per_line has no effect with --max_line_width")
    return warnings

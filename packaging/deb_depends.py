#!/usr/bin/env python3
"""The Depends: line of the .deb: the Debian packages a PyInstaller bundle needs.

    python3 packaging/deb_depends.py dist/whisperscope

Runs dpkg-shlibdeps over every ELF file in the bundle, with the bundle's own folders as
private library paths, so it names exactly the system libraries the bundle links against,
with the minimal versions Debian's symbols files give (not this machine's newer ones). A
library found neither in the bundle nor on this system is an error. RUNTIME_PACKAGES adds
what the bundle loads without linking it (dlopen, ctypes) and data it needs (fonts).
Prints one comma-separated Depends value.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

# Loaded at run time without a DT_NEEDED entry (dlopen / ctypes), or data, not libraries.
RUNTIME_PACKAGES = (
    "libportaudio2",  # sounddevice: ctypes.util.find_library("portaudio")
    "libgl1",  # Qt's GLX integration and pyqtgraph's OpenGL paths (libglvnd)
    "libegl1",  # Qt's EGL integration
    "libopengl0",
    "libfontconfig1",
    "fontconfig-config",
    "fonts-dejavu-core",  # Qt finds no fonts at all on a minimal system
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    # the xcb platform plugin's libraries (Qt documents these for its xcb QPA)
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xfixes0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libdbus-1-3",
)

ELF_MAGIC = b"\x7fELF"


def elf_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == ELF_MAGIC:
                    found.append(path)
    return found


def shlibs_depends(bundle: Path) -> list[str]:
    """dpkg-shlibdeps' shlibs:Depends for the bundle, as a list of "package (>= version)"."""
    files = elf_files(bundle.resolve())
    private = sorted({str(path.parent) for path in files})
    with tempfile.TemporaryDirectory() as work:
        # dpkg-shlibdeps wants to run in a source tree: a stub debian/control is enough
        (Path(work) / "debian").mkdir()
        (Path(work) / "debian" / "control").write_text(
            "Source: whisperscope\n\nPackage: whisperscope\nArchitecture: any\n"
        )
        result = subprocess.run(
            [
                "dpkg-shlibdeps",
                "-O",
                "--ignore-missing-info",
                "--warnings=0",
                *(f"-l{folder}" for folder in private),
                *map(str, files),
            ],
            cwd=work,
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "error" in line]
        detail = "\n".join(errors or [result.stderr])
        raise SystemExit(f"deb_depends: dpkg-shlibdeps failed:\n{detail}")
    for line in result.stdout.splitlines():
        if line.startswith("shlibs:Depends="):
            return [item.strip() for item in line.split("=", 1)[1].split(",") if item.strip()]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    args = parser.parse_args(argv)

    depends = {item.split()[0]: item for item in shlibs_depends(args.bundle)}
    for package in RUNTIME_PACKAGES:
        depends.setdefault(package, package)
    print(", ".join(depends[name] for name in sorted(depends)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

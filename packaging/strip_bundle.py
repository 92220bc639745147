#!/usr/bin/env python3
"""Strip symbol tables from the bundle's ELF files, keeping each only if it still loads.

Usage: python3 packaging/strip_bundle.py BUNDLE_DIR   (packaging/build.sh runs it with the
build venv's Python, the bundle's Python version, so extension modules can be loaded.)

The wheels' libraries carry symbol tables nothing reads at run time (about 13 MB here:
cryptography, Pillow, pdfium, ICU, OpenBLAS, dav1d...). `strip --strip-unneeded` breaks the
libraries auditwheel rewrote with patchelf (numpy's OpenBLAS: "ELF load command
address/offset not page-aligned"), so every stripped file is checked before it replaces the
original: its PT_LOAD segments must still be page-congruent, and it must load with dlopen in a
fresh process. A file that fails either keeps its original bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
# dlopen in a child: a library that fails to load (or crashes in its constructor) says so in
# the exit status. RTLD_LAZY: extension modules' functions resolve against this Python.
LOAD = "import ctypes, os, sys; ctypes.CDLL(sys.argv[1], mode=os.RTLD_LAZY)"


def elf_files(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as f:
            if f.read(4) == ELF_MAGIC:
                out.append(path)
    return out


def segments_aligned(path: Path) -> bool:
    """Every PT_LOAD has (vaddr - offset) % align == 0, which the loader requires."""
    out = subprocess.run(["readelf", "-lW", str(path)], capture_output=True, text=True)
    if out.returncode != 0:
        return False
    for line in out.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["LOAD"] and len(parts) >= 8:
            offset, vaddr, align = int(parts[1], 16), int(parts[2], 16), int(parts[-1], 16)
            if align > 1 and (vaddr - offset) % align:
                return False
    return True


def loads(path: Path) -> bool:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LD_")}
    done = subprocess.run([sys.executable, "-c", LOAD, str(path)], capture_output=True, env=env)
    return done.returncode == 0


def strip_one(path: Path, work: Path) -> int:
    """Bytes saved: 0 when there is nothing to strip, -1 when the stripped copy is refused."""
    if path.name == "sala":  # the executable: PyInstaller's bootloader, small and checked apart
        return 0
    copy = work / path.name
    shutil.copy2(path, copy)
    if subprocess.run(["strip", "--strip-unneeded", str(copy)], capture_output=True).returncode:
        return -1
    saved = path.stat().st_size - copy.stat().st_size
    if saved <= 0:
        return 0
    if not segments_aligned(copy):
        return -1
    # Check the copy in place of the original (its RPATH $ORIGIN must find its neighbours).
    original = path.with_name(path.name + ".unstripped")
    path.rename(original)
    shutil.copy2(copy, path)
    if loads(path):
        original.unlink()
        return saved
    path.unlink()
    original.rename(path)
    return -1


def main() -> int:
    root = Path(sys.argv[1])
    kept: list[str] = []
    total = 0
    with tempfile.TemporaryDirectory(prefix="sala-strip-") as tmp:
        for path in elf_files(root):
            saved = strip_one(path, Path(tmp))
            total += max(saved, 0)
            if saved < 0:
                kept.append(path.relative_to(root).as_posix())
    print(f"strip_bundle: saved {total / 1e6:.1f} MB; kept unstripped (would break): {len(kept)}")
    for name in kept:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Strip and compact the bundle's ELF files, keeping each change only if it still loads.

Usage: python3 packaging/strip_bundle.py BUNDLE_DIR   (packaging/build.sh runs it with the
build venv's Python, the bundle's Python version, so extension modules can be loaded.)

The wheels' libraries carry symbol tables nothing reads at run time (about 13 MB here:
cryptography, Pillow, pdfium, ICU, OpenBLAS, dav1d...). `strip --strip-unneeded` breaks the
libraries auditwheel rewrote with patchelf (numpy's OpenBLAS: "ELF load command
address/offset not page-aligned"), so every stripped file is checked before it replaces the
original: its PT_LOAD segments must still be page-congruent, and it must load with dlopen in a
fresh process. A file that fails either keeps its original bytes.

Then, with the same checks: packaging/elf_compact.py drops what `strip` could not (OpenBLAS's
symbol table, ~1 MB) and the holes patchelf left (Pillow's libXau: 2 MB of zeros); and a
library two wheels both vendor (the GCC Fortran runtime of numpy's and of OpenCV's OpenBLAS,
~3 MB) is kept once, the other copy becoming a link to it (SHARED_COPIES).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from elf_compact import compact  # this script's neighbour (packaging/)

ELF_MAGIC = b"\x7fELF"
# dlopen in a child: a library that fails to load (or crashes in its constructor) says so in
# the exit status. RTLD_LAZY: extension modules' functions resolve against this Python.
LOAD = "import ctypes, os, sys; ctypes.CDLL(sys.argv[1], mode=os.RTLD_LAZY)"
# (duplicate, the copy kept), as globs under the bundle: numpy's OpenBLAS takes 4 functions
# from libgfortran 5 (GFORTRAN_8), which OpenCV's copy of the same library has too.
SHARED_COPIES = (
    ("**/numpy.libs/libgfortran-*.so.5*", "**/opencv_python_headless.libs/libgfortran-*.so.5*"),
    ("**/numpy.libs/libquadmath-*.so.0*", "**/opencv_python_headless.libs/libquadmath-*.so.0*"),
)


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


def compact_one(path: Path) -> int:
    """Bytes packaging/elf_compact.py saved: 0 when there is little to gain, -1 when refused."""
    if path.name == "sala":
        return 0
    data = path.read_bytes()
    smaller = compact(data)
    if smaller is None or len(data) - len(smaller) < 16384:
        return 0
    original = path.with_name(path.name + ".uncompacted")
    path.rename(original)
    path.write_bytes(smaller)
    shutil.copystat(original, path)
    if segments_aligned(path) and loads(path):
        original.unlink()
        return len(data) - len(smaller)
    path.unlink()
    original.rename(path)
    return -1


def needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-dW", str(path)], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)


def dynamic_symbols(path: Path, defined: bool) -> set[str]:
    """`name@version` (or `name`) of the dynamic symbols a file defines, or takes from others."""
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, str(path)], capture_output=True, text=True).stdout
    return {line.split()[-1].replace("@@", "@") for line in out.splitlines() if line.strip()}


def share_one(root: Path, dup: Path, kept: Path) -> int:
    """Bytes saved by making `dup` a link to `kept`: 0 when `kept` lacks a symbol (or version)
    that a user of `dup` takes from it, -1 when something no longer loads (then all is undone)."""
    users = [f for f in elf_files(root) if dup.name in needed(f)]
    provided = {s.split("@")[0] for s in dynamic_symbols(dup, True)}
    have = dynamic_symbols(kept, True)
    have_names = {s.split("@")[0] for s in have}
    for user in users:
        for sym in dynamic_symbols(user, False):
            name = sym.split("@")[0]
            if name in provided and (sym not in have if "@" in sym else name not in have_names):
                return 0
    size = dup.stat().st_size
    backup = dup.with_name(dup.name + ".shared")
    dup.rename(backup)
    links = [dup]
    dup.symlink_to(os.path.relpath(kept, dup.parent))
    # A library found through a link resolves its $ORIGIN in the link's folder: the kept copy's
    # own neighbours get links there too.
    for name in needed(kept):
        if (kept.parent / name).exists() and not os.path.lexists(dup.parent / name):
            links.append(dup.parent / name)
            links[-1].symlink_to(os.path.relpath(kept.parent / name, dup.parent))
    if all(loads(path) for path in [*users, dup]):
        backup.unlink()
        return size
    for link in links:
        link.unlink()
    backup.rename(dup)
    return -1


def share_copies(root: Path) -> int:
    total = 0
    for dup_glob, kept_glob in SHARED_COPIES:
        dups = [p for p in root.glob(dup_glob) if p.is_file() and not p.is_symlink()]
        kept = [p for p in root.glob(kept_glob) if p.is_file() and not p.is_symlink()]
        if len(dups) != 1 or len(kept) != 1:
            continue  # not this layout (another wheel version): nothing shared
        saved = share_one(root, dups[0], kept[0])
        total += max(saved, 0)
        if saved <= 0:
            print(f"strip_bundle: {dups[0].relative_to(root)} kept as a copy ({saved})")
    return total


def main() -> int:
    root = Path(sys.argv[1])
    kept: list[str] = []
    total = compacted = 0
    with tempfile.TemporaryDirectory(prefix="sala-strip-") as tmp:
        for path in elf_files(root):
            saved = strip_one(path, Path(tmp))
            total += max(saved, 0)
            if saved < 0:
                kept.append(path.relative_to(root).as_posix())
    print(f"strip_bundle: saved {total / 1e6:.1f} MB; kept unstripped (would break): {len(kept)}")
    for name in kept:
        print(f"  {name}")
    for path in elf_files(root):
        compacted += max(compact_one(path), 0)
    print(f"strip_bundle: compacting saved {compacted / 1e6:.1f} MB more")
    print(f"strip_bundle: sharing copies saved {share_copies(root) / 1e6:.1f} MB more")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Which USB sticks are mounted: one finder for the clerk's file picker and the technician's
export (Qt-free and cheap: a few directory listings, so a screen can poll it from a task);
and `read_stick_file`, the one way to read a small file from a stick someone else made
(`read_stick_head` for a file's first bytes, `open_stick_file` for a big one read as a stream).

Linux desktops mount removable media at `/media/<user>/<LABEL>` or `/run/media/<user>/<LABEL>`
(udisks2), some at `/media/<LABEL>` (usbmount); Windows gives them drive letters (removable
ones only). On a kiosk only real mount points count, so a folder someone made under /media
is not offered; `mounts_only=False` lets a test use a temporary folder as "/media", where
every folder directly under a root stands for a stick.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

MOUNT_ROOTS = (Path("/media"), Path("/run/media"))
VOLUME_DEPTH = 2  # /media/<user>/<LABEL> (udisks2) or /media/<LABEL> (usbmount)


def volumes(roots: Iterable[Path] = MOUNT_ROOTS, *, mounts_only: bool = True) -> list[Path]:
    """Removable volumes under `roots` (resolved), sorted by name; never through a symlink."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return _windows_drives()
    found: list[Path] = []
    for root in roots:
        _find(Path(os.path.realpath(root)), 1, found, mounts_only)
    return sorted(set(found), key=lambda p: p.name.lower())


def mounted_sticks(roots: Iterable[Path] = MOUNT_ROOTS, *, need_mount: bool = True) -> list[Path]:
    """The volumes a bundle can be written to (writable), for the technician's export."""
    return [v for v in volumes(roots, mounts_only=need_mount) if os.access(v, os.W_OK)]


def _find(folder: Path, depth: int, found: list[Path], mounts_only: bool) -> None:
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:  # absent, or a stick pulled while we looked
        return
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False) or entry.name.startswith("."):
            continue
        path = Path(folder, entry.name)
        if not mounts_only or os.path.ismount(path):
            found.append(path)
        elif depth < VOLUME_DEPTH:
            _find(path, depth + 1, found, mounts_only)


def _windows_drives() -> list[Path]:  # pragma: no cover - Windows only
    import ctypes
    import string

    kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
    removable = 2  # DRIVE_REMOVABLE
    drives = [Path(f"{c}:\\") for c in string.ascii_uppercase]
    return [d for d in drives if kernel.GetDriveTypeW(str(d)) == removable]


def read_stick_file(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes, or None for anything else. A stick
    made by someone else may hold a FIFO (whose open or read never returns), a link to
    /dev/zero (a read that never ends) or a file too large to hold in memory: the file is
    opened without blocking and checked on its descriptor, so nothing swapped in between the
    check and the read gets through."""
    return _read_regular(path, limit, whole=True)


def read_stick_head(path: Path, size: int) -> bytes | None:
    """The first `size` bytes (fewer if shorter) of a regular file of any length, opened and
    checked as `read_stick_file` does; None for anything else (e.g. to peek at a manifest)."""
    return _read_regular(path, size, whole=False)


def open_stick_file(path: Path, limit: int) -> BinaryIO | None:
    """A regular file of at most `limit` bytes opened for reading, or None for anything else:
    opened and checked as `read_stick_file` does, for a file too big to hold (a return bundle
    with a release) that its reader takes in pieces. The caller closes it."""
    fd = _open_regular(path, limit)
    return None if fd is None else os.fdopen(fd, "rb")


def _open_regular(path: Path, limit: int | None) -> int | None:
    """A descriptor of a regular file (of at most `limit` bytes), opened without blocking and
    checked on the descriptor, so nothing swapped in between the check and the read gets in."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and (limit is None or info.st_size <= limit):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _read_regular(path: Path, limit: int, *, whole: bool) -> bytes | None:
    fd = _open_regular(path, limit if whole else None)
    if fd is None:
        return None
    try:
        chunks, left = [], limit + 1 if whole else limit
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return data if len(data) <= limit else None

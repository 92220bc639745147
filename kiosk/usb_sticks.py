"""Which USB sticks are mounted: one finder for the clerk's file picker and the technician's
export (Qt-free and cheap: a few directory listings, so a screen can poll it from a task).

Linux desktops mount removable media at `/media/<user>/<LABEL>` or `/run/media/<user>/<LABEL>`
(udisks2), some at `/media/<LABEL>` (usbmount); Windows gives them drive letters (removable
ones only). On a kiosk only real mount points count, so a folder someone made under /media
is not offered; `mounts_only=False` lets a test use a temporary folder as "/media", where
every folder directly under a root stands for a stick.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

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

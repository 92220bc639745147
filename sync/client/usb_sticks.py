"""Which USB sticks are mounted: for the technician and supervisor screens' export button.

Qt-free and cheap (a few directory listings), so a screen can poll it from a task every couple
of seconds. Linux desktops mount removable media under `/media/<user>/<label>` or
`/run/media/<user>/<label>`; Windows gives them drive letters (removable ones only).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

LINUX_ROOTS = (Path("/media"), Path("/run/media"))


def _writable_dirs(candidates: Iterable[Path]) -> list[Path]:
    found = []
    for path in candidates:
        try:
            if path.is_dir() and os.path.ismount(path) and os.access(path, os.W_OK):
                found.append(path)
        except OSError:  # a stick pulled while we looked
            continue
    return found


def _windows_drives() -> list[Path]:  # pragma: no cover - Windows only
    import ctypes
    import string

    kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
    removable = 2  # DRIVE_REMOVABLE
    drives = [Path(f"{c}:\\") for c in string.ascii_uppercase]
    return [d for d in drives if kernel.GetDriveTypeW(str(d)) == removable]


def mounted_sticks(roots: Iterable[Path] = LINUX_ROOTS, *, need_mount: bool = True) -> list[Path]:
    """Writable mounted removable media, sorted. `roots` and `need_mount=False` let a test
    point it at a tmp folder standing in for /media."""
    if sys.platform == "win32":  # pragma: no cover
        return _writable_dirs(_windows_drives())
    candidates: list[Path] = []
    for root in roots:
        try:
            users = [u for u in root.iterdir() if u.is_dir()]
        except OSError:
            continue
        for user in users:
            try:
                candidates += [d for d in user.iterdir() if d.is_dir()]
            except OSError:
                continue
            if os.path.ismount(user):  # /media/<label> directly (some distributions)
                candidates.append(user)
    if not need_mount:
        return sorted(p for p in candidates if os.access(p, os.W_OK))
    return sorted(_writable_dirs(candidates))

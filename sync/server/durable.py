"""The server's durable file writes: temp file, fsync, atomic rename, fsync of the directory.

The server keeps its own copy of these few lines instead of importing `kiosk.durable`: the
server is deployed apart from the kiosk (no kiosk code, no OpenCV), and the protocol module, the
only code the two share, does no I/O. The kiosk's version has kiosk concerns (exclusive
creation, start-up cost); this one needs only "replace a file, survive a power cut".
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (POSIX; Windows has no directory fsync)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace `path` with `data`: the old file or the new one after a crash, never a mix.

    The temp file has `mode` from its first byte, so a 0o600 key is never readable by others.
    """
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)

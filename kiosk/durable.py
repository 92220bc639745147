"""Durable file writes: temp file, fsync, atomic rename, fsync of the directory.

A power cut at any moment leaves the old file or the new one, never a torn mix. This is the one
way the kiosk writes its config, keys, catalogs and media (the server has its own copy,
`sync/server/durable.py`, because it is deployed without kiosk code).
"""

from __future__ import annotations

import contextlib
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


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644, exclusive: bool = False) -> None:
    """Replace `path` with `data` durably.

    The temp file has `mode` from its first byte (0o600 for secrets: no moment where others
    could read it). `exclusive`: never replace an existing file; a concurrent creator wins.
    """
    # os.urandom, not secrets: `secrets` loads OpenSSL, which costs kiosk start-up time.
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
        if exclusive:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
            tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)

"""Media files on disk: partial uploads named by server UUIDs, finished media by SHA-256.

No client-supplied string ever becomes part of a path: upload ids are validated UUIDs made by the
server and media names are 64 lowercase hex digits checked before use. Every write is fsynced
before the caller records the new offset, so the offset in the database never exceeds the bytes
that survived a power cut.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path

from sync.server.durable import fsync_dir

_HEX64 = re.compile(r"[0-9a-f]{64}")


def is_sha256(value: str) -> bool:
    return bool(_HEX64.fullmatch(value))


def is_upload_id(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "partial").mkdir(parents=True, exist_ok=True, mode=0o700)

    def partial_path(self, upload_id: str) -> Path:
        if not is_upload_id(upload_id):
            raise ValueError("not an upload id")
        return self.root / "partial" / upload_id

    def media_path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256

    def write_chunk(self, upload_id: str, offset: int, data: bytes) -> None:
        """Put `data` at `offset`, dropping any unrecorded tail left by a crash, then fsync."""
        fd = os.open(self.partial_path(upload_id), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, offset)
            view = memoryview(data)
            pos = offset
            while view:
                written = os.pwrite(fd, view, pos)
                view = view[written:]
                pos += written
            os.fsync(fd)
        finally:
            os.close(fd)

    def finish(self, upload_id: str, sha256: str) -> bool:
        """Whole-file check; on success the file becomes media/<sha256>. False if it mismatched."""
        partial = self.partial_path(upload_id)
        digest = hashlib.sha256()
        with partial.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha256:
            partial.unlink(missing_ok=True)
            return False
        target = self.media_path(sha256)
        if target.exists():
            partial.unlink(missing_ok=True)
            return True
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, target)
        fsync_dir(target.parent)
        return True

    def drop_partial(self, upload_id: str) -> None:
        self.partial_path(upload_id).unlink(missing_ok=True)

    def has(self, sha256: str) -> bool:
        return self.media_path(sha256).is_file()

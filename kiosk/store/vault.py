"""The media vault: photos and paper pages, encrypted, named by the SHA-256 of the plaintext.

A file is `media/<aa>/<sha256>` holding `SALAV1 || nonce || AES-GCM(media key, data, aad=sha256)`.
It is written to a temp name, fsynced, renamed into place and the directory fsynced, so after a
crash a name either holds the whole ciphertext or does not exist. Same content, same name:
retakes of an identical image cost nothing, and references decide when a file may go.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.durable import fsync_dir
from kiosk.model import MediaRef
from kiosk.store.crypto import open_sealed, seal
from kiosk.store.errors import StoreCorrupt, StoreError, translate_os

MAGIC = b"SALAV1"
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
TMP_PREFIX = ".tmp-"


class MediaVault:
    """Encrypted, content-addressed media files under `<data_dir>/media`."""

    def __init__(self, root: Path, aead: AESGCM) -> None:
        self.root = root
        self._aead = aead

    def sibling(self, root: Path) -> MediaVault:
        """A vault under `root` sealed with this vault's key: for media that the store's orphan
        sweep must not see (staff photos are no registration's attachment)."""
        return MediaVault(root, self._aead)

    def path(self, sha256: str) -> Path:
        if not _SHA_RE.match(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes, mime: str) -> MediaRef:
        """Encrypt and store durably; returns once the file and its name are on disk."""
        sha = hashlib.sha256(data).hexdigest()
        ref = MediaRef(sha256=sha, size=len(data), mime=mime)
        final = self.path(sha)
        if final.is_file():
            # Touch it so an orphan sweep does not take a file a new draft just referenced.
            with contextlib.suppress(OSError):
                os.utime(final)
            return ref
        blob = MAGIC + seal(self._aead, data, sha.encode("ascii"))
        tmp = final.parent / f"{TMP_PREFIX}{sha[:16]}-{secrets.token_hex(4)}"
        try:
            new_dir = not final.parent.is_dir()
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)  # owner only, like the db
            final.parent.mkdir(exist_ok=True, mode=0o700)
            if new_dir:
                fsync_dir(self.root)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(blob)
                while view:
                    n = os.write(fd, view)
                    view = view[n:]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, final)
            fsync_dir(final.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise translate_os(exc, self.root) from exc
        return ref

    def get(self, sha256: str) -> bytes:
        """Decrypt and verify; StoreCorrupt if the file was altered or is incomplete."""
        path = self.path(sha256)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise StoreError(
                f"Media {sha256} is not in the vault {self.root}.",
                message_key="store.media_missing",
            ) from None
        except OSError as exc:
            raise translate_os(exc, path) from exc
        if not blob.startswith(MAGIC):
            raise StoreCorrupt(f"Media file {path} is damaged (bad header).")
        try:
            data = open_sealed(self._aead, blob[len(MAGIC) :], sha256.encode("ascii"))
        except InvalidTag:
            raise StoreCorrupt(f"Media file {path} is damaged or was altered.") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StoreCorrupt(f"Media file {path} does not match its name.")
        return data

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(sha256).unlink()

    def __iter__(self) -> Iterator[tuple[str, float]]:
        """(sha256, mtime) of every stored file."""
        if not self.root.is_dir():
            return
        for shard in self.root.iterdir():
            if not shard.is_dir():
                continue
            for f in shard.iterdir():
                if _SHA_RE.match(f.name):
                    with contextlib.suppress(FileNotFoundError):
                        yield f.name, f.stat().st_mtime

    def sweep(
        self, referenced: Callable[[str], bool], *, older_than_s: float, now: float | None = None
    ) -> list[str]:
        """Delete files no attachment references and older than `older_than_s`, plus stale
        temp files of interrupted writes. Returns the sha256 of deleted media."""
        now = time.time() if now is None else now
        gone: list[str] = []
        if not self.root.is_dir():
            return gone
        for shard in self.root.iterdir():
            if not shard.is_dir():
                continue
            for f in shard.iterdir():
                try:
                    age = now - f.stat().st_mtime
                except FileNotFoundError:
                    continue
                if f.name.startswith(TMP_PREFIX):
                    if age > min(older_than_s, 600.0):
                        f.unlink(missing_ok=True)
                elif _SHA_RE.match(f.name) and age > older_than_s and not referenced(f.name):
                    f.unlink(missing_ok=True)
                    gone.append(f.name)
        return gone

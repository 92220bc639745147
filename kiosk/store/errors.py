"""The store's errors: each carries an i18n `message_key` so the UI can tell the person what to do.

Technicians also read `str(error)` (English, with paths), the citizen sees `tr(message_key)`.
"""

from __future__ import annotations

import errno
import sqlite3


class StoreError(Exception):
    """Any failure of the kiosk's local store; `message_key` names the user-facing text."""

    message_key = "store.error"

    def __init__(self, message: str, *, message_key: str | None = None, **params: object) -> None:
        super().__init__(message)
        if message_key is not None:
            self.message_key = message_key
        self.params = params


class StoreCorrupt(StoreError):
    """The database file is damaged; the store refuses to write over it."""

    message_key = "store.corrupt"


class StoreReadOnly(StoreError):
    """The data dir or database cannot be written (read-only disk, wrong permissions)."""

    message_key = "store.read_only"


class StoreFull(StoreError):
    """The disk is full: the save failed, what was saved before is still there."""

    message_key = "store.full"


class NotFound(StoreError):
    """No registration with that id (a programming error or a purged/discarded draft)."""

    message_key = "store.not_found"


class WrongState(StoreError):
    """The registration is not in a state that allows this action."""

    message_key = "store.wrong_state"


class MediaMissing(StoreError):
    """An attachment names a photo or page that is not in the media vault."""

    message_key = "store.media_missing"


_FULL = ("database or disk is full", "disk i/o error")
_READ_ONLY = ("readonly database", "read-only", "unable to open database", "readonly")
_CORRUPT = ("malformed", "file is not a database", "file is encrypted", "corrupt")


def translate_sqlite(exc: sqlite3.Error, path: object) -> StoreError | None:
    """Map a sqlite3 error to a StoreError with a plain cause, or None if it is a bug."""
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL or any(s in text for s in _FULL[:1]):
        return StoreFull(f"The disk holding {path} is full: {exc}")
    if code == sqlite3.SQLITE_READONLY or any(s in text for s in _READ_ONLY):
        return StoreReadOnly(f"The database {path} cannot be written: {exc}")
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or any(s in text for s in _CORRUPT):
        return StoreCorrupt(f"The database {path} is damaged: {exc}")
    if code == sqlite3.SQLITE_IOERR or _FULL[1] in text:
        return StoreError(
            f"The disk holding {path} failed to read or write: {exc}", message_key="store.io_error"
        )
    return None


def translate_os(exc: OSError, path: object) -> StoreError:
    """Map an OSError from the media vault or key files to a StoreError."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(f"The disk holding {path} is full: {exc}")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreReadOnly(f"{path} cannot be written: {exc}")
    return StoreError(f"The disk failed at {path}: {exc}", message_key="store.io_error")

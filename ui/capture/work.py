"""Where the capture widgets send slow work: always a `TaskManager` (`ui/tasks.py`).

In the kiosk that is `ctx.tasks`: bytes go to the store through `run_db`, image work through
`run_io`. A widget used stand-alone (previews, tests) without one gets a private TaskManager
whose "store" is `_InjectedStore`, made of the `save_media` / `audit` callables it was given.
One runner, one code path; callbacks land on the GUI thread either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from kiosk.model import MediaRef
from ui.tasks import TaskManager

log = logging.getLogger(__name__)

SaveMedia = Callable[[bytes, str], MediaRef]
Audit = Callable[[str, str, str, dict[str, Any]], Any]  # actor, action, subject, details


class _InjectedAudit:
    def __init__(self, audit: Audit) -> None:
        self.append = audit


class _InjectedStore:
    """The part of the Store the capture widgets use, from injected callables."""

    def __init__(self, save_media: SaveMedia | None, audit: Audit | None) -> None:
        self._save_media = save_media
        self.audit = _InjectedAudit(audit) if audit is not None else None

    def add_media(self, data: bytes, mime: str) -> MediaRef:
        if self._save_media is None:
            raise RuntimeError("no store to save the picture in")
        return self._save_media(data, mime)

    def read_media(self, sha256: str) -> bytes:
        raise RuntimeError("no store to read earlier pictures from")

    def close(self) -> None:
        """Nothing to close: the callables' owner closes what they use."""


class CaptureWork(QObject):
    """save(), read(), audit() and image() for the capture widgets."""

    def __init__(
        self,
        *,
        tasks: TaskManager | None = None,
        save_media: SaveMedia | None = None,
        audit: Audit | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._own = tasks is None
        if tasks is None:
            tasks = TaskManager(self, io_workers=1)
            injected = _InjectedStore(save_media, audit)
            tasks.open_store(lambda: injected)  # first on the db worker: before any save
            self._can_audit = audit is not None
        else:
            self._can_audit = True
        self.tasks = tasks

    @property
    def pending(self) -> int:
        return int(self.tasks.pending)

    def image(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Image work (portrait, page straightening, file import) off the GUI thread."""
        self.tasks.run_io(fn, on_done, on_error)

    def save(
        self,
        items: list[tuple[bytes, str]],
        on_done: Callable[[list[MediaRef]], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Store every (bytes, mime) and answer with their MediaRefs, in order."""
        self.tasks.run_db(
            lambda store: [store.add_media(d, m) for d, m in items], on_done, on_error
        )

    def read(
        self,
        shas: list[str],
        on_done: Callable[[list[bytes]], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """The stored bytes of earlier pages (for thumbnails)."""
        self.tasks.run_db(lambda store: [store.read_media(s) for s in shas], on_done, on_error)

    def audit(
        self,
        action: str,
        subject: str,
        details: dict[str, Any],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Append to the store's audit chain (actor "clerk")."""
        if not self._can_audit:
            log.warning("no audit log given: %s on %s not recorded", action, subject)
            return
        self.tasks.run_db(
            lambda store: store.audit.append("clerk", action, subject, details), None, on_error
        )

    def shutdown(self) -> None:
        """Stop the private TaskManager (a shared one belongs to the kiosk)."""
        if self._own:
            self.tasks.shutdown(close_store=False)

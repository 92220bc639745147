"""Where the capture widgets send slow work: the kiosk's TaskManager when they have one.

With a TaskManager (`ctx.tasks`), bytes go to the store through `run_db` and image work
through `run_io`. Without one (previews, stand-alone tests) the widgets take injected
`save_media` / `audit` callables and run them on a private worker thread here; callbacks land
on the GUI thread either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from kiosk.model import MediaRef

log = logging.getLogger(__name__)

SaveMedia = Callable[[bytes, str], MediaRef]
Audit = Callable[[str, str, str, dict[str, Any]], Any]  # actor, action, subject, details


class _Runner(QObject):
    """A minimal two-pool runner with GUI-thread callbacks (used only without a TaskManager)."""

    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="capture-save")
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="capture-io")
        self.pending = 0
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    def submit(
        self,
        db: bool,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        self.pending += 1
        future = (self._db if db else self._io).submit(fn)
        future.add_done_callback(lambda f: self._finished.emit((f, on_done, on_error)))

    @Slot(object)
    def _on_finished(self, item: tuple[Future[Any], Any, Any]) -> None:
        future, on_done, on_error = item
        self.pending -= 1
        exc = future.exception()
        if exc is not None:
            if on_error is not None:
                on_error(exc)
            else:
                log.error("capture task failed", exc_info=exc)
        elif on_done is not None:
            on_done(future.result())

    def shutdown(self) -> None:
        self._io.shutdown(wait=True, cancel_futures=True)
        self._db.shutdown(wait=True)


class CaptureWork(QObject):
    """save(), audit() and image() for the capture widgets."""

    def __init__(
        self,
        *,
        tasks: Any = None,
        save_media: SaveMedia | None = None,
        audit: Audit | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self._save_media = save_media
        self._audit = audit
        self._runner: _Runner | None = None if tasks is not None else _Runner(self)

    @property
    def pending(self) -> int:
        if self._runner is not None:
            return self._runner.pending
        return int(self.tasks.pending)

    def image(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Image work (portrait, page straightening, file import) off the GUI thread."""
        if self._runner is not None:
            self._runner.submit(False, fn, on_done, on_error)
        else:
            self.tasks.run_io(fn, on_done, on_error)

    def save(
        self,
        items: list[tuple[bytes, str]],
        on_done: Callable[[list[MediaRef]], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Store every (bytes, mime) and answer with their MediaRefs, in order."""
        if self._runner is None:
            self.tasks.run_db(
                lambda store: [store.add_media(d, m) for d, m in items], on_done, on_error
            )
            return
        save_media = self._save_media
        if save_media is None:
            on_error(RuntimeError("no store to save the picture in"))
            return
        self._runner.submit(True, lambda: [save_media(d, m) for d, m in items], on_done, on_error)

    def read(
        self,
        shas: list[str],
        on_done: Callable[[list[bytes]], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """The stored bytes of earlier pages (for thumbnails), only through a TaskManager."""
        if self._runner is None:
            self.tasks.run_db(lambda store: [store.read_media(s) for s in shas], on_done, on_error)

    def audit(
        self,
        action: str,
        subject: str,
        details: dict[str, Any],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Append to the store's audit chain (actor "clerk")."""
        if self._runner is None:
            self.tasks.run_db(
                lambda store: store.audit.append("clerk", action, subject, details), None, on_error
            )
            return
        audit = self._audit
        if audit is None:
            log.warning("no audit log given: %s on %s not recorded", action, subject)
            return
        self._runner.submit(True, lambda: audit("clerk", action, subject, details), None, on_error)

    def shutdown(self) -> None:
        if self._runner is not None:
            self._runner.shutdown()

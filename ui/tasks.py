"""The one task helper: work leaves the GUI thread here, results come back to it.

Modelled on Anki's `qt/aqt/taskman.py`. One single-worker executor owns the Store (SQLite
connections are thread-bound, and one writer keeps transactions simple); a small pool does file,
image and network work. Every callback is delivered on the GUI thread through a queued Qt
signal, so screens never touch disk, network or camera themselves and never block the loop.

    tasks.run_db(lambda store: store.save_draft(reg_id, answers), on_done=..., on_error=...)
    tasks.run_io(lambda: make_qr_matrix(text), on_done=...)

`run_db` hands the open Store to `fn`; it is the only way to reach it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)

T = TypeVar("T")
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]


class StoreNotOpen(RuntimeError):
    """The store could not be opened (or is not open yet); the message says why."""


class TaskManager(QObject):
    """Runs callables off the GUI thread and delivers results back on it."""

    _finished = Signal(object)  # (future, on_done, on_error); internal, queued to the GUI thread
    all_done = Signal()  # emitted when no task is pending any more (tests wait on it)
    store_opened = Signal(object)  # the Store, once `open_store` succeeded
    store_failed = Signal(object)  # the exception, if it did not

    def __init__(self, parent: QObject | None = None, *, io_workers: int = 2) -> None:
        super().__init__(parent)
        # The pools (and concurrent.futures) are made on first use: the kiosk submits nothing
        # before its first paint, and the import costs ~1.5 ms of start-up there.
        self._io_workers = io_workers
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._store: Any = None
        self._store_error: BaseException | None = None
        self._pending = 0
        self._lock = threading.Lock()
        # Each task's callable and callbacks, held here on the GUI side until its result has
        # been handled (`_on_finished`): see `_submit`.
        self._held: dict[int, tuple[Callable[..., Any], OnDone | None, OnError | None]] = {}
        self._next_key = 0
        self._closed = False
        self._queued = False  # `_finished` connected, with the first pool (`_pool`)

    def _pool(self, name: str) -> ThreadPoolExecutor:
        pool = self._pools.get(name)
        if pool is None:
            from concurrent.futures import ThreadPoolExecutor

            with self._lock:
                pool = self._pools.get(name)
                if pool is None:
                    if not self._queued:
                        self._connect_finished()
                    workers = 1 if name == "db" else self._io_workers
                    pool = ThreadPoolExecutor(
                        max_workers=workers, thread_name_prefix=f"sala-{name}"
                    )
                    self._pools[name] = pool
        return pool

    def _connect_finished(self) -> None:
        """Results always come back queued, on a later loop turn, even when a task is done
        before `_submit` returns. Connected with the first pool, not at start: nothing emits
        `_finished` before one exists, and naming the connection type builds PySide's whole
        `Qt` namespace, which the kiosk's first paint does not wait for (ui/app.py)."""
        from PySide6.QtCore import Qt

        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._queued = True

    @property
    def _db(self) -> ThreadPoolExecutor:
        """The single db worker: it owns the Store."""
        return self._pool("db")

    @property
    def _io(self) -> ThreadPoolExecutor:
        return self._pool("io")

    # -- the store -------------------------------------------------------------------------
    def open_store(self, opener: Callable[[], Any]) -> None:
        """Open the store on the db worker; `store_opened`/`store_failed` say how it went."""

        def _open() -> Any:
            self._store = opener()
            return self._store

        def _failed(exc: BaseException) -> None:
            self._store_error = exc
            self.store_failed.emit(exc)

        self._submit(self._db, _open, self.store_opened.emit, _failed, with_store=False)

    @property
    def has_store(self) -> bool:
        return self._store is not None

    def run_db(
        self,
        fn: Callable[[Any], T],
        on_done: Callable[[T], None] | None = None,
        on_error: OnError | None = None,
    ) -> Future[T]:
        """Run `fn(store)` on the single db worker, in submission order."""
        return self._submit(self._db, fn, on_done, on_error, with_store=True)

    def run_io(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: OnError | None = None,
    ) -> Future[T]:
        """Run `fn()` on the io/image pool."""
        return self._submit(self._io, fn, on_done, on_error, with_store=False)

    @property
    def closed(self) -> bool:
        """True after `shutdown`: a timer that fires late (a window closed as a test ends, or
        the kiosk quitting) checks this rather than submitting work that would raise."""
        return self._closed

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    # -- plumbing ----------------------------------------------------------------------------
    def _submit(
        self,
        pool: ThreadPoolExecutor,
        fn: Callable[..., Any],
        on_done: OnDone | None,
        on_error: OnError | None,
        *,
        with_store: bool,
    ) -> Future[Any]:
        if self._closed:
            raise RuntimeError("TaskManager is shut down")
        # The worker keeps no reference to `fn` or the callbacks once `fn` ran: they are often
        # a screen's methods, and the last reference to a widget dropped on a worker thread
        # destroys it there (QWidget's destructor then waits for the GUI thread, which may be
        # waiting for that worker: a deadlock seen in a full test run). The GUI side holds
        # them (`_held`) and lets go in `_on_finished`, on the GUI thread.
        box = [fn]

        def call() -> Any:
            work = box.pop()  # the GUI side still holds it: this is never the last reference
            try:
                if not with_store:
                    return work()
                if self._store is None:
                    why = f": {self._store_error}" if self._store_error else ""
                    raise StoreNotOpen(f"the store is not open{why}")
                return work(self._store)
            finally:
                del work

        with self._lock:
            self._pending += 1
            key, self._next_key = self._next_key, self._next_key + 1
            self._held[key] = (fn, on_done, on_error)
        try:
            future = pool.submit(call)
        except BaseException:
            with self._lock:
                self._pending -= 1
                del self._held[key]
            raise
        future.add_done_callback(lambda f: self._finished.emit((f, key)))
        return future

    @Slot(object)
    def _on_finished(self, item: tuple[Future[Any], int]) -> None:
        future, key = item
        with self._lock:
            _fn, on_done, on_error = self._held.pop(key)
        exc: BaseException | None = None
        try:
            if self._closed:  # the kiosk is closing: a late result has no screen to go to, and
                return  # its callback could only queue more work on stopped pools
            exc = future.exception()
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("background task failed", exc_info=exc)
            elif on_done is not None:
                on_done(future.result())
        finally:
            if exc is not None:  # its frames may hold a screen (see `_submit`): freed here
                exc.__traceback__ = None
            with self._lock:
                self._pending -= 1
                idle = self._pending == 0
            if idle:
                self.all_done.emit()

    def shutdown(self, *, close_store: bool = True) -> None:
        """Finish queued work, close the store on its own thread, stop the workers."""
        if self._closed:
            return
        if close_store:

            def _close(_: Any) -> None:
                store, self._store = self._store, None
                if store is not None:
                    store.close()

            if "db" in self._pools:  # else nothing was ever opened on it
                self._db.submit(lambda: _close(None)).result()
        self._closed = True
        with self._lock:
            io, db = self._pools.get("io"), self._pools.get("db")
        if io is not None:
            io.shutdown(wait=True, cancel_futures=True)
        if db is not None:
            db.shutdown(wait=True)

"""`SyncWorker`: the kiosk's background sync, a thread wrapped around the plain functions.

One round: cheap probe (`GET /v1/ping`), push the outbox and local staff changes, pull the
feed, purge what is due, upload the audit.
A dead link is probed again within seconds; a server error backs off with full jitter
(capped at 10 min, `Retry-After` honoured), see backoff.py; a new
submission can `nudge()` the worker to go at once. The worker opens its own Store (its own
SQLite connection, WAL lets it share the file with the UI's) and tells the UI what it is doing
through `state()`, in i18n keys a clerk can read in Khmer or English.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.model import utc_now
from sync.client.api import Api, Offline, ServerBusy, SyncError
from sync.client.audit_push import push_audit
from sync.client.backoff import Backoff
from sync.client.clerk_push import push_clerk
from sync.client.code_backfill import backfill_codes
from sync.client.device_report import send_device_report
from sync.client.pull import pull_changes
from sync.client.purge import purge
from sync.client.push import PushResult, flagged, push_pending
from sync.client.release_fetch import fetch_in_round
from sync.client.staff_push import push_staff_changes

log = logging.getLogger(__name__)
CLOCK_OFFSET_SETTING = "sync.clock_offset"  # {"seconds", "at"}: kiosk/diagnostics clock check
LAST_SUCCESS_SETTING = "sync.last_success"  # written by the Store on every sync success


@dataclass(frozen=True)
class SyncStatus:
    """What the kiosk shows about sync. Keys are i18n keys (`tr(key, locale)`)."""

    online: bool = False
    pending: int = 0
    last_success: datetime | None = None
    last_error: str | None = None  # i18n key of the last problem, None when all is well
    last_error_detail: str | None = None  # English, for the technician's log
    busy: bool = False
    flagged: int = 0  # registrations a clerk must look at (conflicts, refused files)

    @property
    def summary_key(self) -> str:
        if self.busy:
            return "sync.state.sending"
        if not self.online:
            return "sync.state.offline"
        if self.pending:
            return "sync.state.waiting"
        return "sync.state.up_to_date"

    def describe(self, locale: str) -> str:
        """One or two plain sentences for the status bar, in `locale`."""
        from kiosk.i18n import tr
        from kiosk.text import to_khmer_digits

        def num(text: object) -> str:
            return to_khmer_digits(str(text)) if locale == "km" else str(text)

        parts = [tr(self.summary_key, locale, n=num(self.pending))]
        if self.last_success is not None:
            when = self.last_success.astimezone().strftime("%Y-%m-%d %H:%M")
            parts.append(tr("sync.state.last_success", locale, time=num(when)))
        if self.last_error:
            parts.append(tr(self.last_error, locale))
        if self.flagged:
            parts.append(tr("sync.state.flagged", locale, n=num(self.flagged)))
        return " ".join(parts)


def sync_once(
    store: Any,
    api: Api,
    *,
    data_dir: Path | None = None,
    is_cancelled: Callable[[], bool] = lambda: False,
    on_progress: Callable[..., None] | None = None,
    executor: ThreadPoolExecutor | None = None,
) -> tuple[list[PushResult], int, int]:
    """Push registrations, then staff changes; pull; purge; upload the audit (last, so it
    holds this round's entries) — one round, raising SyncError if the server can't be
    reached. A refused staff change or audit upload is noted and never stops the round."""
    results = push_pending(
        store, api, is_cancelled=is_cancelled, on_progress=on_progress, executor=executor
    )
    for r in results:
        if not r.ok and not r.flagged:  # the link broke: pulling would fail the same way
            return results, 0, purge(store, data_dir=data_dir)
    push_staff_changes(store, api)
    backfill_codes(store, api)  # once: codes of commits made before kiosks sent them
    push_clerk(store, api, is_cancelled=is_cancelled)  # supplements, staff events, end of day
    pulled = pull_changes(store, api, data_dir=data_dir)
    purged = purge(store, data_dir=data_dir)
    push_audit(store, api)
    send_device_report(store, api, data_dir=data_dir)  # at most every 15 min; never raises
    fetch_in_round(store, api, data_dir, is_cancelled)  # an offered release: a share a round
    return results, pulled, purged


def _note_clock(store: Any, api: Api) -> None:
    """Keep the offset the probe just learned, for the self-test's clock check (it uses no
    network); a failed write only loses this note, never the round."""
    value = {"seconds": round(api.clock_offset.total_seconds(), 1), "at": api.clock().isoformat()}
    try:
        store.set_setting(CLOCK_OFFSET_SETTING, value)
    except Exception as exc:  # a full disk: the round itself reports it soon enough
        log.warning("clock offset not saved: %s", type(exc).__name__)


def _pending(store: Any) -> int:
    """Registrations waiting to go up, not counting those a clerk must look at first."""
    skip = flagged(store)
    return sum(1 for item in store.outbox(limit=100_000) if item.registration.id not in skip)


def _stored_success(store: Any) -> datetime | None:
    """When the Store last recorded a sync success (so a restarted kiosk shows it at once)."""
    value = store.get_setting(LAST_SUCCESS_SETTING)
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def worker_for(data_dir: Path, *, interval: float = 60.0, parallel: int = 3) -> SyncWorker | None:
    """The sync worker for an enrolled data dir, or None before `sala enrol`. The one place
    that builds it (`sala sync` and the kiosk): commune and server come from the enrolment."""
    from kiosk.store import Store
    from sync.client.enrol import api_for, load_identity

    identity = load_identity(data_dir)
    if identity is None:
        return None
    return SyncWorker(
        lambda: Store.open(data_dir, commune_code=identity.commune_code),
        lambda: api_for(data_dir),
        data_dir=data_dir,
        interval=interval,
        parallel=parallel,
    )


class SyncWorker:
    """Runs sync rounds on one daemon thread until `stop()`."""

    def __init__(
        self,
        open_store: Callable[[], Any],
        make_api: Callable[[], Api],
        *,
        data_dir: Path | None = None,
        interval: float = 60.0,
        parallel: int = 3,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        wall_clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._open_store = open_store
        self._make_api = make_api
        self.data_dir = data_dir
        self.interval = interval
        self.parallel = parallel
        self.wall_clock = wall_clock
        self.backoff = Backoff(clock=clock, rand=rand)
        self._status = SyncStatus()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._rounds = 0
        self._round_done = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    # -- control (any thread) -----------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sala-sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def nudge(self) -> None:
        """Try now (e.g. right after a registration was submitted), skipping the backoff."""
        self.backoff.not_before = 0.0
        self._wake.set()

    def state(self) -> SyncStatus:
        with self._lock:
            return self._status

    def wait_rounds(self, n: int, timeout: float) -> bool:
        """Block until `n` rounds have finished in total (for tests and the technician CLI)."""
        with self._round_done:
            return self._round_done.wait_for(lambda: self._rounds >= n, timeout)

    # -- the thread ---------------------------------------------------------------------------
    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def _run(self) -> None:
        store = None
        api = None
        with ThreadPoolExecutor(self.parallel, thread_name_prefix="sala-upload") as pool:
            try:
                while not self._stop.is_set():
                    wait = self.backoff.remaining()
                    if wait > 0:
                        self._wake.wait(min(wait, self.interval))
                        self._wake.clear()
                        continue
                    try:
                        if store is None:
                            store = self._open_store()
                            self._set(last_success=_stored_success(store))
                        if api is None:
                            api = self._make_api()
                        self._round(store, api, pool)
                    except SyncError as exc:
                        retry = exc.retry_after if isinstance(exc, ServerBusy) else None
                        self._failed(exc.key, exc.message, retry, offline=isinstance(exc, Offline))
                    except Exception as exc:  # keep the kiosk running; the technician sees it
                        log.exception("sync round failed")
                        self._failed("sync.error.unknown", f"{type(exc).__name__}: {exc}", None)
                    with self._round_done:
                        self._rounds += 1
                        self._round_done.notify_all()
                    if not self.backoff.failing:
                        self._wake.wait(self.interval)
                        self._wake.clear()
            finally:
                if store is not None:
                    store.close()

    def _failed(
        self, key: str, detail: str, retry_after: float | None, *, offline: bool = False
    ) -> None:
        """A dead link is probed again within seconds (ping); a server that answered with an
        error gets the long jittered window (backoff.py)."""
        wait = self.backoff.link_failed() if offline else self.backoff.failed(retry_after)
        log.info("sync: %s (%s); next try in %.0f s", key, detail, wait)
        self._set(busy=False, last_error=key, last_error_detail=detail)

    def _round(self, store: Any, api: Api, pool: ThreadPoolExecutor) -> None:
        pending = _pending(store)
        try:  # ServerBusy goes up to _run: the server's long window, not a quick probe
            reachable = api.probe()
        except Offline:
            reachable = False
        if not reachable:
            self._set(online=False, pending=pending)
            self._failed("sync.error.offline", "ping failed", None, offline=True)
            return
        self._set(online=True, busy=True, pending=pending)
        _note_clock(store, api)
        results, _, _ = sync_once(
            store, api, data_dir=self.data_dir, is_cancelled=self._stop.is_set, executor=pool
        )
        self._set(busy=False, pending=_pending(store), flagged=len(flagged(store)))
        failures = [r for r in results if not r.ok and not r.flagged]
        if failures:
            f = failures[0]
            offline = all(r.offline for r in failures)  # any answered error: the server's window
            self._failed(
                f.error_key or "sync.error.unknown", f.error or "", f.retry_after, offline=offline
            )
            return
        self.backoff.succeeded()
        self._set(last_success=self.wall_clock(), last_error=None, last_error_detail=None)

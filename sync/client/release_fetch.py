"""Download the release the feed offered, resumably, and hand it to the updater once verified
(PROTOCOL.md "Releases", README "Updates").

The pull keeps the newest signed manifest (`kiosk.update.spool.note_offer`); at the end of each
sync round `fetch_release` then:
1. checks the manifest before a byte is fetched: the pinned release key's signature, freshness
   and anti-rollback (`kiosk.update.verify.check_manifest`), so a lower version, a stale or a
   foreign one is never downloaded;
2. downloads the .deb into `<data dir>/update/download/` in signed `Range` requests (the Api's
   signing, clock and error handling; chunks of about 8 s at the rate a LinkEstimator
   measures), appending to a `.part` that the next round resumes, for at most `budget_s` a
   round so registrations keep going up; a dropped link raises `Offline` and the worker's
   backoff probes again within seconds;
3. verifies size and SHA-256; a bad download is deleted, logged and noted (`update.fetch.*`);
4. hands it to the spool (`spool.request_install`, which verifies everything again) only when
   `deferral.install_decision` allows: nobody mid-journey, no technician deferral.
One download at a time (an flock on the download dir: the kiosk's worker and `sala sync`
may run side by side), and never one that would leave less than the diagnostics' free-space
margin on the data disk.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from kiosk.diagnostics.store_checks import MIN_FREE_BYTES, free_space
from kiosk.update import spool
from kiosk.update import state as state_mod
from kiosk.update.cli import installed_version, key_path
from kiosk.update.deferral import install_decision
from kiosk.update.manifest import Manifest, UpdateRefused, load_public_key, read_signed
from kiosk.update.verify import check_deb, check_manifest
from sync import protocol
from sync.client.api import Api, Refused, error_code
from sync.client.enrol import load_identity
from sync.client.link import LinkEstimator

log = logging.getLogger(__name__)

ROUND_BUDGET_S = 90.0  # downloading per sync round; the rest waits for the next round
MIN_CHUNK = 128 * 1024
MAX_CHUNK = 4 * 1024 * 1024
CHUNK_SECONDS = 8.0  # a chunk of about this long at the measured rate: a cut loses at most it
READ_TIMEOUT_S = 30.0  # no byte for this long: the link is dead (the next round resumes)
RETRY_BAD_AFTER = timedelta(hours=24)  # a download that failed its hash is fetched again then
LOCK = ".lock"
# The root unit's outcomes after which the kiosk does not fetch the same version again.
_FINAL = ("refused", "rolled_back", "rollback_failed", "rollback_unavailable")


@dataclass(frozen=True)
class FetchOutcome:
    """What one call came to. `state`: nothing | not_enrolled | busy | current | refused |
    held | no_space | unavailable | partial | bad_download | verified | deferred | requested."""

    state: str
    version: str | None = None
    reason: str = ""
    done: int = 0
    size: int = 0


def release_url(version: str) -> str:
    return f"{protocol.API_PREFIX}/releases/{quote(version, safe='')}/deb"


@contextlib.contextmanager
def _exclusive(folder: Path) -> Iterator[bool]:
    """True while this process holds the download dir's lock; False if another has it."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


def fetch_release(
    data_dir: Path,
    api: Api,
    *,
    key: Path | None = None,
    installed: str | None = None,
    budget_s: float = ROUND_BUDGET_S,
    margin: int = MIN_FREE_BYTES,
    max_chunk: int = MAX_CHUNK,
    is_cancelled: Callable[[], bool] = lambda: False,
    on_progress: Callable[[int, int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FetchOutcome:
    """One round's share of fetching the offered release. Raises `SyncError` (Offline,
    ServerBusy…) when the link or server fails mid-way: what arrived is kept for next time."""
    data_dir = Path(data_dir)
    if load_identity(data_dir) is None:  # only an enrolled kiosk asks the server for anything
        return FetchOutcome("not_enrolled")
    document = spool.offered_document(data_dir)
    if document is None:
        return FetchOutcome("nothing")
    folder = spool.download_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _exclusive(folder) as held:
        if not held:
            return FetchOutcome("busy")
        job = _Job(data_dir, folder, api, document, installed or installed_version(), max_chunk)
        return job.run(
            key=key_path(str(key) if key else None),
            deadline=clock() + budget_s,
            margin=margin,
            is_cancelled=is_cancelled,
            on_progress=on_progress,
            clock=clock,
        )


class _Job:
    """One fetch of one offered manifest, under the lock."""

    def __init__(
        self,
        data_dir: Path,
        folder: Path,
        api: Api,
        document: bytes,
        installed: str,
        max_chunk: int = MAX_CHUNK,
    ) -> None:
        self.data_dir, self.folder, self.api = data_dir, folder, api
        self.document, self.installed, self.max_chunk = document, installed, max_chunk
        self.now: datetime = api.now()

    def note(self, state: str, version: str | None, reason: str = "", **extra: Any) -> bool:
        record = {"source": "server", "version": version, "state": state,
                  "reason": reason, "at": protocol.format_date(self.now), **extra}  # fmt: skip
        return spool.note_fetch(self.data_dir, record)

    def clear(self, keep: tuple[str, ...] = ()) -> None:
        """Empty the download dir but for `keep` (a new offer replaces an older one's files)."""
        for path in self.folder.iterdir():
            if path.name != LOCK and path.name not in keep:
                path.unlink(missing_ok=True)

    def run(
        self,
        *,
        key: Path,
        deadline: float,
        margin: int,
        is_cancelled: Callable[[], bool],
        on_progress: Callable[[int, int], None] | None,
        clock: Callable[[], float],
    ) -> FetchOutcome:
        try:  # everything about the manifest, before a byte of the .deb is fetched
            public = load_public_key(key)
            m = read_signed(self.document, public)
            check_manifest(m, self.installed, state_mod.load(spool.update_dir(self.data_dir)))
        except UpdateRefused as exc:
            self.clear()
            version = exc.params.get("version")
            if exc.code == "already_installed":
                return FetchOutcome("current", str(version))
            offer = spool.offered(self.data_dir)  # unverified: only to name it
            if self.note("refused", offer.version if offer else None, exc.code):
                log.warning("offered release refused before download: %s", exc)
            return FetchOutcome("refused", str(version) if version else None, exc.code)
        held = self._held(m)
        if held is not None:
            return held
        part, deb = self.folder / f"{m.sha256[:16]}.part", self.folder / m.deb_file
        self.clear(keep=(part.name, deb.name))
        if not deb.exists():
            try:
                got = self._download(m, part, deadline, margin, is_cancelled, on_progress, clock)
                if got is not None:
                    return got
                check_deb(part, m)
            except UpdateRefused as exc:
                part.unlink(missing_ok=True)
                self.note("bad_download", m.version, exc.code)
                log.warning("release %s download refused and deleted: %s", m.version, exc)
                return FetchOutcome("bad_download", m.version, exc.code, 0, m.size)
            part.replace(deb)
            self.note("verified", m.version)
            log.info("release %s downloaded and verified", m.version)
        return self._hand_over(m, deb, public)

    def _held(self, m: Manifest) -> FetchOutcome | None:
        """Not this version again: already requested, refused or rolled back by the root unit,
        or a bad download less than a day ago."""
        rec = spool.fetch_state(self.data_dir) or {}
        if rec.get("version") == m.version:
            if rec.get("state") == "requested":
                return FetchOutcome("requested", m.version)
            if rec.get("state") == "bad_download":
                try:
                    at = protocol.parse_date(str(rec.get("at")))
                except ValueError:
                    at = None
                if at is not None and self.now - at < RETRY_BAD_AFTER:
                    return FetchOutcome("held", m.version, str(rec.get("reason", "")))
        res = spool.result(self.data_dir) or {}
        if res.get("version") == m.version and res.get("outcome") in _FINAL:
            self.clear()
            return FetchOutcome("held", m.version, str(res.get("reason", "")))
        return None

    def _download(
        self,
        m: Manifest,
        part: Path,
        deadline: float,
        margin: int,
        is_cancelled: Callable[[], bool],
        on_progress: Callable[[int, int], None] | None,
        clock: Callable[[], float],
    ) -> FetchOutcome | None:
        """Append to `part` until complete (None) or out of time (an outcome); raises
        SyncError when the link fails, keeping what arrived."""
        have = part.stat().st_size if part.exists() else 0
        if have > m.size:
            part.unlink()
            have = 0
        need = (m.size - have) + m.size  # the rest of the download, then the spool's copy
        short = need - (free_space(self.data_dir) - margin)
        if short > 0:
            self.note("no_space", m.version, need_mb=max(1, round(short / 1024 / 1024)))
            log.warning("release %s: %d bytes short of free space to download", m.version, short)
            return FetchOutcome("no_space", m.version, "", have, m.size)
        # The download's own rate estimate. The Api takes every small request's time for a
        # round trip, which a chunk's is not: its requests go through a copy of the Api with
        # an estimator of their own, so the uploads' estimate stays as it was.
        link = LinkEstimator(rtt=self.api.link.rtt)
        api = copy.copy(self.api)
        api.link = LinkEstimator()
        timeout = (self.api.timeout[0], READ_TIMEOUT_S)
        url, gone = release_url(m.version), False
        with part.open("ab") as f:
            try:
                while have < m.size and not is_cancelled() and clock() < deadline:
                    rate = link.bandwidth
                    size = int(rate * CHUNK_SECONDS) if rate else MIN_CHUNK
                    end = min(m.size, have + min(self.max_chunk, max(MIN_CHUNK, size))) - 1
                    started = clock()
                    resp = api.request(
                        "GET", url, headers={"Range": f"bytes={have}-{end}"}, timeout=timeout
                    )
                    if resp.status_code == 404:  # withdrawn by the ministry
                        gone = True
                        break
                    body = _chunk(resp, have, end, m)
                    if resp.status_code == 200:  # no Range support on the way: the whole file
                        f.truncate(0)
                        have = 0
                    f.write(body)
                    have += len(body)
                    link.add_transfer(len(body), clock() - started)
                    if on_progress is not None:
                        on_progress(have, m.size)
            finally:
                f.flush()
                os.fsync(f.fileno())
                if have < m.size and not gone:
                    self.note("downloading", m.version, done=have, size=m.size)
        if gone:
            self.note("unavailable", m.version)
            return FetchOutcome("unavailable", m.version, "", have, m.size)
        if have < m.size:
            return FetchOutcome("partial", m.version, "", have, m.size)
        return None

    def _hand_over(self, m: Manifest, deb: Path, public: Any) -> FetchOutcome:
        """Ask the root unit to install, when nobody is mid-journey and no deferral holds."""
        decision = install_decision(
            self.data_dir, m.version, self.now, idle=spool.is_idle(self.data_dir)
        )
        if decision.action != "install":
            state = "deferred" if decision.action == "deferred" else "verified"
            return FetchOutcome(state, m.version, decision.action, m.size, m.size)
        try:
            spool.request_install(self.data_dir, self.document, deb, public, self.installed)
        except UpdateRefused as exc:
            deb.unlink(missing_ok=True)
            self.note("refused", m.version, exc.code)
            log.warning("release %s refused at hand-over: %s", m.version, exc)
            return FetchOutcome("refused", m.version, exc.code)
        except OSError as exc:  # the spool's copy did not fit: kept, tried again next round
            log.warning("release %s not handed over: %s", m.version, exc)
            return FetchOutcome("verified", m.version, "spool", m.size, m.size)
        deb.unlink(missing_ok=True)
        self.note("requested", m.version)
        log.info("release %s requested for install", m.version)
        return FetchOutcome("requested", m.version, "", m.size, m.size)


def _chunk(resp: requests.Response, start: int, end: int, m: Manifest) -> bytes:
    """The body of a range answer, if it is exactly the bytes asked for. A file of another
    size than the signed one is a bad download (UpdateRefused); anything else unexpected is
    the server's refusal (a SyncError: the worker's long backoff)."""
    body = resp.content
    if resp.status_code == 200:
        if len(body) != m.size:  # the server's file is not the signed one
            raise UpdateRefused("size_mismatch", f"{len(body)} != {m.size}", version=m.version)
        return body
    if resp.status_code == 416:  # the server's file is shorter than what arrived already
        raise UpdateRefused("size_mismatch", f"{start}- not satisfiable", version=m.version)
    if resp.status_code == 206:
        unit, _, rest = resp.headers.get("Content-Range", "").partition(" ")
        span, _, total = rest.partition("/")
        first, _, last = span.partition("-")
        if total.isdigit() and int(total) != m.size:
            raise UpdateRefused("size_mismatch", f"{total} != {m.size}", version=m.version)
        try:
            ok = unit == "bytes" and (int(first), int(last)) == (start, end)
        except ValueError:
            ok = False
        if ok and len(body) == end - start + 1:
            return body
    code, message = error_code(resp)
    raise Refused(
        f"GET {release_url(m.version)} bytes {start}-{end}: {resp.status_code} {code}: "
        f"{message or 'not the range asked for'}",
        status=resp.status_code,
        code=code,
    )


def fetch_in_round(
    store: Any, api: Api, data_dir: Path | None, is_cancelled: Callable[[], bool]
) -> FetchOutcome | None:
    """The sync round's call (worker.sync_once, last): a dropped link or a busy server goes up
    to the worker's backoff like any other (the next try resumes the download); a refusal or
    a local file problem is logged and never fails a round whose registrations went up."""
    directory = data_dir if data_dir is not None else getattr(store, "data_dir", None)
    if directory is None:
        return None
    try:
        return fetch_release(Path(directory), api, is_cancelled=is_cancelled)
    except (Refused, OSError) as exc:
        log.warning("release fetch: %s", exc)
        return None

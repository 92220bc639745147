"""`push_pending`: send the outbox, oldest first — media by tus, then one idempotent commit.

A plain synchronous function (ODK Collect's InstanceSubmitter style) that a test calls directly.
All Store calls happen on the caller's thread. The network part of each registration is a
store-free job; given an `executor` (passed in, like the clock and the session: threading is
wrapped around this module, never made inside it) up to `parallel` registrations travel at once,
each on its own connection, so one record's commit round trip overlaps the next one's media and
a far link's pipe stays full. Without an executor the same jobs run one after another.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

from kiosk.model import Registration
from kiosk.store.errors import WrongState
from sync import protocol
from sync.client.api import Api, Offline, Refused, ServerBusy, SyncError, error_code
from sync.client.tus import Media, UploadRejected, upload
from sync.protocol.capture_checks import CHECKS, wire_checks

# The old settings list of registrations a clerk must look at; migration m005 made it the
# problems state of each record (Store.mark_problem / problem_ids).
CONFLICTS_SETTING = "sync.flagged"


class Conflict(SyncError):
    """The server holds different content under this id: nothing is overwritten, a person looks."""

    key = "sync.error.conflict"


class Changed(SyncError):
    """A clerk corrected the record after this round read it: it goes next round, as is."""

    key = "clerk.core.sync_changed"


class BadReceipt(SyncError):
    """The receipt's signature does not match the pinned server key (wrong server?)."""

    key = "sync.error.bad_receipt"


@dataclass(frozen=True)
class PushResult:
    registration_id: str
    app_number: str | None
    ok: bool
    receipt: dict[str, Any] | None = None
    error_key: str | None = None
    error: str | None = None
    retry_after: float | None = None
    flagged: bool = False  # will not be retried until a clerk/technician clears it
    offline: bool = False  # the link failed (refused, reset, timed out), not the server


@dataclass(frozen=True)
class Progress:
    registration_id: str
    sent: int  # bytes of this registration's media the server has
    total: int
    done: int  # registrations finished in this run
    count: int  # registrations in this run


def attachment_wire(a: Any, uploads: dict[str, str]) -> dict[str, Any]:
    """One attachment as a commit or a supplement lists it: its media's hash, size and type,
    where its upload went, and its capture checks when it has any (PROTOCOL.md "Commit")."""
    wire = {
        "field_id": a.field_id,
        "kind": a.kind,
        "page": a.page,
        "sha256": a.media.sha256,
        "size": a.media.size,
        "mime": a.media.mime,
        "upload": uploads[a.media.sha256],
    }
    checks = wire_checks(a.checks)
    if checks:
        wire[CHECKS] = checks
    return wire


def claim_fields(store: Any, reg_id: str) -> dict[str, Any]:
    """What a commit says beyond the record itself, read once the record is claimed (it cannot
    change then): the kiosk's latest version, and the printed receipt's verification code, so
    the partner API can check the receipt (PROTOCOL.md "Partner API")."""
    return {
        "version": store.version_of(reg_id),
        "verification_code": store.receipt(reg_id).verification_code,
    }


def commit_body(
    reg: Registration,
    uploads: dict[str, str],
    version: int = 1,
    verification_code: str | None = None,
) -> dict[str, Any]:
    """The `PUT /v1/registrations/{id}` body (PROTOCOL.md "Commit"); `version` (sent when a
    clerk corrected it before upload) is the kiosk's latest, and supplements follow it."""
    body: dict[str, Any] = {
        "service_id": reg.service_id,
        "form_version": reg.form_version,
        "app_number": reg.app_number,
        "commune_code": reg.commune_code,
        "locale": reg.locale,
        "submitted_at": protocol.format_date(reg.submitted_at or reg.created_at),
        "answers": reg.answers,
        "attachments": [attachment_wire(a, uploads) for a in reg.attachments],
    }
    if version > 1:
        body["version"] = version
    if verification_code:
        body[protocol.COMMIT_VERIFICATION_CODE] = verification_code
    return body


Event = tuple[str, str, str, str, int]  # ("offset", reg id, sha256, url, offset)


def send_media(
    api: Api,
    reg_id: str,
    media: Media,
    *,
    report: Callable[[Event], None],
    is_cancelled: Callable[[], bool],
) -> str:
    """Upload one file (resuming where it stopped); returns its upload path. Store-free."""

    def on_offset(url: str, offset: int) -> None:
        report(("offset", reg_id, media.sha256, url, offset))

    return upload(api, media, report=on_offset, is_cancelled=is_cancelled)


def commit(
    api: Api,
    reg: Registration,
    medias: list[Media],
    uploads: dict[str, str],
    *,
    report: Callable[[Event], None],
    is_cancelled: Callable[[], bool],
    version: int = 1,
    verification_code: str | None = None,
) -> dict[str, Any]:
    """`PUT` the record, check the receipt's signature; re-upload what the server misses."""
    for attempt in range(2):
        body = commit_body(reg, uploads, version, verification_code)
        resp = api.request("PUT", f"/v1/registrations/{reg.id}", json_body=body)
        if resp.status_code in (200, 201):
            answer = resp.json()
            receipt, signature = answer.get("receipt"), answer.get("signature")
            if not isinstance(receipt, dict) or not api.verify_receipt(receipt, str(signature)):
                raise BadReceipt(f"receipt for {reg.id} is not signed by the pinned server key")
            return {"receipt": receipt, "signature": signature}
        code, message = error_code(resp)
        if resp.status_code == 409 and code == protocol.ERR_ATTACHMENTS_MISSING and attempt == 0:
            missing = set(resp.json().get("missing") or [])
            for media in medias:
                if media.sha256 in missing:  # send it again from nothing, on a new upload
                    media.url, media.offset = None, 0
                    uploads[media.sha256] = send_media(
                        api, reg.id, media, report=report, is_cancelled=is_cancelled
                    )
            continue
        if resp.status_code == 409 and code == protocol.ERR_CONFLICT:
            raise Conflict(f"the server holds different content for {reg.id}: {message}")
        raise Refused(
            f"PUT /v1/registrations/{reg.id}: {resp.status_code} {code}: {message}",
            status=resp.status_code,
            code=code,
        )
    raise Refused(f"attachments of {reg.id} still missing after re-upload", status=409, code=None)


def send_registration(
    api: Api,
    reg: Registration,
    medias: list[Media],
    *,
    report: Callable[[Event], None],
    is_cancelled: Callable[[], bool],
    version: int = 1,
    verification_code: str | None = None,
) -> dict[str, Any]:
    """Network half of one registration, one file after the other: uploads, then commit."""
    uploads = {
        m.sha256: send_media(api, reg.id, m, report=report, is_cancelled=is_cancelled)
        for m in medias
    }
    return commit(
        api,
        reg,
        medias,
        uploads,
        report=report,
        is_cancelled=is_cancelled,
        version=version,
        verification_code=verification_code,
    )


@dataclass
class _Flight:
    """A registration on its way in the concurrent mode: files still to start, files done."""

    reg: Registration
    medias: list[Media]
    waiting: list[Media]
    uploads: dict[str, str] = field(default_factory=dict)
    running: int = 0
    committing: bool = False
    error: BaseException | None = None


def flagged(store: Any) -> set[str]:
    """Registrations in the problems state (`Store.mark_problem`): a clerk looks first."""
    return set(store.problem_ids())


def problem_key(exc: BaseException) -> tuple[str, str]:
    """(problem code, i18n key of the clerk's reason) for a registration set aside."""
    code = exc.code if isinstance(exc, Refused) and exc.code else "refused"
    if isinstance(exc, Conflict):
        code = "conflict"
    return code, f"clerk.core.problem.{code if code in _PROBLEM_KEYS else 'refused'}"


_PROBLEM_KEYS = frozenset({"conflict", "refused", "unknown_registration", "purged"})


def push_pending(
    store: Any,
    api: Api,
    *,
    is_cancelled: Callable[[], bool] = lambda: False,
    on_progress: Callable[[Progress], None] | None = None,
    executor: Executor | None = None,
    parallel: int = 3,
    limit: int = 100,
) -> list[PushResult]:
    """Send every registration in the outbox (oldest first); returns one result per attempt.

    Stops starting new ones once the server is unreachable or busy (the caller backs off:
    probes soon after `PushResult.offline`, else honours `retry_after`). Conflicts and refused
    files are flagged, not retried.
    """
    if api.link.rtt is None:  # one tiny request sizes the first chunks to the link
        api.ping(learn_clock=False)
    skip = flagged(store)
    items = [i.registration for i in store.outbox(limit=limit) if i.registration.id not in skip]
    results: list[PushResult] = []
    events: queue.Queue[Event] = queue.Queue()
    sizes = {r.id: sum(a.media.size for a in r.attachments) for r in items}
    sent: dict[tuple[str, str], int] = {}
    claims: dict[str, dict[str, Any]] = {}  # what each claimed record's commit says
    stop = False

    def apply(event: Event) -> None:
        _, reg_id, sha, url, offset = event
        store.save_upload_state(reg_id, sha, url, offset)
        sent[(reg_id, sha)] = offset
        if on_progress:
            done = sum(1 for r in results if r.ok)
            got = sum(v for (r, _), v in sent.items() if r == reg_id)
            on_progress(Progress(reg_id, got, sizes.get(reg_id, 0), done, len(items)))

    def prepare(reg: Registration) -> list[Media]:
        medias: dict[str, Media] = {}
        for att in reg.attachments:
            sha = att.media.sha256
            if sha in medias:
                continue
            state = store.upload_state(reg.id, sha)
            medias[sha] = Media(reg.id, sha, store.read_media(sha))
            if state is not None and state.url:
                medias[sha].url, medias[sha].offset = state.url, state.offset
        try:  # the claim: refused if a clerk corrected it since it was read
            store.mark_uploading(reg.id, seen=reg.updated_at)
        except WrongState as exc:
            raise Changed(str(exc)) from exc
        claims[reg.id] = claim_fields(store, reg.id)  # claimed: it cannot change now
        return list(medias.values())

    def finish(reg: Registration, outcome: dict[str, Any] | BaseException) -> None:
        nonlocal stop
        if not isinstance(outcome, BaseException):
            store.mark_accepted(reg.id, outcome)
            results.append(PushResult(reg.id, reg.app_number, True, receipt=outcome))
            return
        if isinstance(outcome, Changed):  # corrected since read: simply next round, as is
            return
        exc = outcome
        taken = isinstance(exc, Refused) and exc.code == protocol.ERR_APP_NUMBER_TAKEN
        if taken:  # another kiosk sent this (legacy or provisional) number: take one of ours
            new = store.renumber(reg.id)
            exc = Refused(f"{outcome}; renumbered {new}", status=409, code=None)
        is_flagged = not taken and (
            isinstance(exc, Conflict | UploadRejected)
            or (isinstance(exc, Refused) and exc.status not in (401, 404))
        )
        if isinstance(exc, Offline | ServerBusy | Refused | BadReceipt) and not (
            is_flagged or taken
        ):
            stop = True  # the link or the server: the rest would fail the same way
        if not isinstance(exc, SyncError):
            exc = SyncError(f"{type(exc).__name__}: {exc}")
            stop = True
        assert isinstance(exc, SyncError)
        store.record_sync_error(reg.id, exc.message)
        if is_flagged:
            store.mark_problem(reg.id, *problem_key(exc))
        retry = exc.retry_after if isinstance(exc, ServerBusy) else None
        results.append(
            PushResult(
                reg.id,
                reg.app_number,
                False,
                error_key=exc.key,
                error=exc.message,
                retry_after=retry,
                flagged=is_flagged,
                offline=isinstance(exc, Offline),
            )
        )

    if executor is None:
        for reg in items:
            if stop or is_cancelled():
                break
            try:
                medias = prepare(reg)
                outcome: Any = send_registration(
                    api,
                    reg,
                    medias,
                    report=apply,
                    is_cancelled=is_cancelled,
                    **claims[reg.id],
                )
            except Exception as exc:  # every failure is recorded; nothing escapes half-done
                outcome = exc
            finish(reg, outcome)
        return results

    # Concurrent mode: up to `parallel` jobs (one file, or one commit) on their own
    # connections; files of the oldest registration first, commits as soon as they are ready.
    pending = list(items)
    flights: list[_Flight] = []
    running: dict[Future[Any], tuple[_Flight, Media | None]] = {}

    def next_job() -> tuple[_Flight, Media | None] | None:
        for fl in flights:
            if fl.error is None and not fl.waiting and not fl.running and not fl.committing:
                fl.committing = True
                return fl, None
        for fl in flights:
            if fl.error is None and fl.waiting:
                fl.running += 1
                return fl, fl.waiting.pop(0)
        if pending:
            reg = pending.pop(0)
            try:
                medias = prepare(reg)
            except Changed as exc:  # corrected since read: recorded, sent next round
                finish(reg, exc)
                return next_job()
            flights.append(_Flight(reg, medias, list(medias)))
            return next_job()
        return None

    while True:
        while len(running) < parallel and not stop and not is_cancelled():
            job = next_job()
            if job is None:
                break
            fl, media = job
            fut: Future[Any]
            if media is None:
                fut = executor.submit(
                    commit,
                    api,
                    fl.reg,
                    fl.medias,
                    fl.uploads,
                    report=events.put,
                    is_cancelled=is_cancelled,
                    **claims[fl.reg.id],
                )
            else:
                fut = executor.submit(
                    send_media, api, fl.reg.id, media, report=events.put, is_cancelled=is_cancelled
                )
            running[fut] = (fl, media)
        if not running:
            break
        with contextlib.suppress(queue.Empty):
            apply(events.get(timeout=0.05))
        for done in [f for f in running if f.done()]:
            while not events.empty():
                apply(events.get_nowait())
            fl, media = running.pop(done)
            failure = done.exception()
            if media is None:  # a commit
                flights.remove(fl)
                finish(fl.reg, failure if failure is not None else done.result())
                continue
            fl.running -= 1
            if failure is not None:
                fl.error = fl.error or failure
                fl.waiting.clear()
            else:
                fl.uploads[media.sha256] = done.result()
            if fl.error is not None and not fl.running:
                flights.remove(fl)
                finish(fl.reg, fl.error)
    return results

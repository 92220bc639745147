"""`push_clerk`: send what the clerk station queued (sync/PROTOCOL.md "Clerk station").

Supplements (new pages by tus first, then `PUT .../versions/{n}`), staff events
(`PUT .../events/{event_id}`) and signed end-of-day summaries (`PUT /v1/end-of-day/...`),
oldest first. Every request is idempotent on the server, so a retry after a lost answer is
harmless. A refusal a retry cannot fix (a second hand-over from another kiosk, a decided
application, an unknown or purged one) puts the record into the problems state with the
clerk's reason (`clerk.core.problem.*`); the link failing stops the run for the caller's
backoff. Called from the sync round (worker.sync_once) after the registrations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sync import protocol
from sync.client.api import Api, Offline, Refused, ServerBusy, SyncError, error_code
from sync.client.push import BadReceipt, attachment_wire, send_media
from sync.client.tus import Media

log = logging.getLogger(__name__)

# Codes with a clerk-facing text of their own; anything else reads as "refused".
PROBLEM_CODES = frozenset(
    {
        protocol.ERR_ALREADY_COLLECTED,
        protocol.ERR_STATUS_FORBIDS,
        protocol.ERR_VERSION_CONFLICT,
        protocol.ERR_UNKNOWN_REGISTRATION,
        protocol.ERR_PURGED,
        protocol.ERR_FEE_MISMATCH,
        protocol.ERR_FEE_ALREADY_RECEIVED,
        protocol.ERR_EVENT_CONFLICT,
    }
)


@dataclass
class ClerkPushResult:
    supplements: int = 0
    events: int = 0
    end_of_day: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (registration id, code)
    refused_reports: list[tuple[str, int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # refusals that stopped one kind


def problem_key(code: str) -> str:
    return f"clerk.core.problem.{code if code in PROBLEM_CODES else 'refused'}"


def _rfc3339(iso: str) -> str:
    return protocol.format_date(datetime.fromisoformat(iso))


def _refused(resp: Any, what: str) -> Refused:
    code, message = error_code(resp)
    return Refused(
        f"{what}: {resp.status_code} {code}: {message}", status=resp.status_code, code=code
    )


def _final(resp: Any) -> bool:
    """A 4xx the server will answer the same way again (not 401/408/429: link or device)."""
    return 400 <= resp.status_code < 500 and resp.status_code not in (401, 408, 429)


def push_clerk(
    store: Any, api: Api, *, is_cancelled: Callable[[], bool] = lambda: False
) -> ClerkPushResult:
    """Send queued supplements, staff events and end-of-day summaries. Raises Offline /
    ServerBusy when the link or server fails (nothing is lost: all stays queued); another
    refusal stops only its kind for this round and is noted in `errors`."""
    result = ClerkPushResult()
    for part in (_supplements, _events, _end_of_day):
        try:
            part(store, api, result, is_cancelled)
        except (Refused, BadReceipt) as exc:  # noted; the rest of the round still runs
            log.warning("clerk push: %s", exc.message)
            result.errors.append(exc.message)
    return result


def _problem(store: Any, result: ClerkPushResult, reg_id: str, code: str | None) -> None:
    code = code or "refused"
    store.mark_problem(reg_id, code, problem_key(code))
    result.problems.append((reg_id, code))


def _supplements(
    store: Any, api: Api, result: ClerkPushResult, is_cancelled: Callable[[], bool]
) -> None:
    blocked: set[str] = set()  # a later version never goes before an earlier one
    for sup in store.supplements_pending():
        if is_cancelled():
            return
        if sup.registration_id in blocked:
            continue
        medias: dict[str, Media] = {}
        for att in sup.pages:
            sha = att.media.sha256
            if sha in medias:
                continue
            media = Media(sup.registration_id, sha, store.read_media(sha))
            state = store.upload_state(sup.registration_id, sha)
            if state is not None and state.url:
                media.url, media.offset = state.url, state.offset
            medias[sha] = media

        def report(event: tuple[str, str, str, str, int]) -> None:
            _, reg_id, sha, url, offset = event
            store.save_upload_state(reg_id, sha, url, offset)

        uploads = {
            sha: send_media(api, sup.registration_id, m, report=report, is_cancelled=is_cancelled)
            for sha, m in medias.items()
        }
        path = protocol.supplement_path(sup.registration_id, sup.wire_version)
        for attempt in range(2):
            body = {
                "version": sup.wire_version,
                "base_version": sup.wire_version - 1,
                "answers": sup.answers,
                "attachments": [attachment_wire(a, uploads) for a in sup.pages],
                "staff_id": sup.staff_id,
                "at": _rfc3339(sup.at),
            }
            resp = api.request("PUT", path, json_body=body)
            if resp.status_code in (200, 201):
                answer = resp.json()
                receipt = {k: v for k, v in answer.items() if k != "signature"}
                if not api.verify_receipt(receipt, str(answer.get("signature"))):
                    raise BadReceipt(f"supplement receipt for {sup.registration_id} not signed")
                store.mark_supplement_sent(sup.registration_id, sup.version)
                result.supplements += 1
                break
            code, _ = error_code(resp)
            if resp.status_code == 409 and code == protocol.ERR_ATTACHMENTS_MISSING and not attempt:
                missing = set(resp.json().get("missing") or [])
                for sha, media in medias.items():
                    if sha in missing:
                        media.url, media.offset = None, 0
                        uploads[sha] = send_media(
                            api,
                            sup.registration_id,
                            media,
                            report=report,
                            is_cancelled=is_cancelled,
                        )
                continue
            _fail(store, result, resp, sup.registration_id, f"PUT {path}")
            blocked.add(sup.registration_id)
            break


def _fail(store: Any, result: ClerkPushResult, resp: Any, reg_id: str, what: str) -> None:
    if not _final(resp):  # 5xx and 429 already came as ServerBusy from Api.request
        raise _refused(resp, what)
    code, message = error_code(resp)
    log.warning("%s refused: %s %s", what, code, message)
    _problem(store, result, reg_id, code)


def _events(
    store: Any, api: Api, result: ClerkPushResult, is_cancelled: Callable[[], bool]
) -> None:
    blocked: set[str] = set()
    for item in store.events_pending():
        if is_cancelled():
            return
        e = item.event
        if e.registration_id in blocked:
            continue
        path = protocol.event_path(e.registration_id, e.id)
        body = {"kind": e.kind, "at": _rfc3339(e.at), "staff_id": e.staff_id, "data": e.data}
        resp = api.request("PUT", path, json_body=body)
        if resp.status_code in (200, 201):
            store.mark_event_sent(e.id)
            result.events += 1
            continue
        code, _ = error_code(resp)
        _fail(store, result, resp, e.registration_id, f"PUT {path}")
        store.mark_event_sent(e.id, refused=code or str(resp.status_code))
        blocked.add(e.registration_id)


def _end_of_day(
    store: Any, api: Api, result: ClerkPushResult, is_cancelled: Callable[[], bool]
) -> None:
    for report in store.end_of_day_pending():
        if is_cancelled():
            return
        path = protocol.end_of_day_path(report.day, report.revision)
        resp = api.request("PUT", path, json_body=report.body)
        if resp.status_code in (200, 201):
            store.mark_end_of_day_sent(report.day, report.revision)
            result.end_of_day += 1
            continue
        if not _final(resp):
            raise _refused(resp, f"PUT {path}")
        code, message = error_code(resp)
        log.warning("end of day %s/%s refused: %s %s", report.day, report.revision, code, message)
        store.mark_end_of_day_sent(report.day, report.revision, refused=code or "refused")
        result.refused_reports.append((report.day, report.revision, code or "refused"))


__all__ = ["ClerkPushResult", "Offline", "ServerBusy", "SyncError", "problem_key", "push_clerk"]

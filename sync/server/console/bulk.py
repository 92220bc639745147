"""Bulk actions on a queue page: assign the ticked applications to me, or (a supervisor) to an
officer, start their review, or make them ready for pick-up at a place and date. A plain form
post (checkboxes + a button), so it works without JavaScript; an empty selection, or a pick-up
without its place and date, changes nothing and says so.

Each application goes through `application.assign` or `application.act`, the same checks and
audit as one at a time (so only the assignee's approved applications become ready: the
status transitions allow nothing else); the ones refused are counted back, the others are done.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from sync.server.console import application
from sync.server.console.accounts import Account
from sync.server.console.application import Refused
from sync.server.console.queue import PAGE_SIZE_MAX
from sync.server.console.web import UUID_RE, Current, checked, ctx_of

router = APIRouter(prefix="/console", include_in_schema=False)
BODY_MAX = 32 * 1024


async def _form(request: Request) -> list[tuple[str, str]]:
    """The urlencoded body as pairs: `ids` repeats, one per ticked box."""
    body = await request.body()
    if len(body) > BODY_MAX:
        raise Refused(413, "not_found")
    return parse_qsl(
        body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=PAGE_SIZE_MAX + 10
    )


def _back(raw: str, **extra: str) -> str:
    """The queue page the form came from (only its query), with the outcome added."""
    keep = [(k, v) for k, v in parse_qsl(raw[:2000]) if k not in ("bulk", "n", "skipped")]
    return "/console/queue?" + urlencode([*keep, *extra.items()])


@router.post("/queue/bulk")
async def bulk(request: Request, session: Current) -> RedirectResponse:
    pairs = await _form(request)
    form = dict(pairs)
    checked(session, form)
    ids = [v for k, v in pairs if k == "ids" and UUID_RE.fullmatch(v)]
    back = form.get("back", "")
    if not ids:
        return RedirectResponse(_back(back, bulk="empty"), 303)
    action = form.get("action", "")
    engine = ctx_of(request).engine
    if action == "start_review":
        done, skipped = await run_in_threadpool(_review_all, engine, session.account, ids)
        return RedirectResponse(
            _back(back, bulk="review_done", n=str(done), skipped=str(skipped)), 303
        )
    if action == "ready":
        return await _ready(request, session.account, ids, form, back)
    if action == "assign_me":
        to = session.account.id
    elif action == "assign_to" and form.get("to"):
        to = form["to"]
    else:
        return RedirectResponse(_back(back, bulk="unknown_action"), 303)
    done, skipped = await run_in_threadpool(_assign_all, engine, session.account, ids, to)
    return RedirectResponse(_back(back, bulk="done", n=str(done), skipped=str(skipped)), 303)


def _assign_all(engine: Engine, account: Account, ids: list[str], to: str) -> tuple[int, int]:
    done = skipped = 0
    for reg_id in dict.fromkeys(ids):
        try:
            application.assign(engine, account, reg_id, to)
            done += 1
        except Refused:
            skipped += 1  # out of scope, a role that may not, or held by another officer
    return done, skipped


def _review_all(engine: Engine, account: Account, ids: list[str]) -> tuple[int, int]:
    """Start the review of each (which takes an unassigned one); refusals are counted."""
    done = skipped = 0
    for reg_id in dict.fromkeys(ids):
        try:
            application.act(engine, account, reg_id, "start_review", {})
            done += 1
        except Refused:
            skipped += 1  # out of scope, held by another officer, or not in a startable status
    return done, skipped


async def _ready(
    request: Request, account: Account, ids: list[str], form: dict[str, str], back: str
) -> RedirectResponse:
    """Ready for pick-up: the place and date are checked once, as the single action checks
    them (`application.note_for`), before any application is touched."""
    pickup = {"place": form.get("place", ""), "date": form.get("date", "")}
    try:
        application.note_for("ready", pickup)
    except Refused:
        return RedirectResponse(_back(back, bulk="ready_place_date"), 303)
    engine = ctx_of(request).engine
    done, skipped = await run_in_threadpool(_ready_all, engine, account, ids, pickup)
    return RedirectResponse(_back(back, bulk="ready_done", n=str(done), skipped=str(skipped)), 303)


def _ready_all(
    engine: Engine, account: Account, ids: list[str], pickup: dict[str, str]
) -> tuple[int, int]:
    done = skipped = 0
    for reg_id in dict.fromkeys(ids):
        try:
            application.act(engine, account, reg_id, "ready", pickup)
            done += 1
        except Refused:
            skipped += 1  # not approved, out of scope, or not assigned to this officer
    return done, skipped

"""The supervisors' second review page (/console/second-review): the random audit sample of
decided applications (audit_sample.py), each to agree with, or disagree with and say why.
A plain form post per application; refusals re-render the page with the reason."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.server.console import audit_sample, scope
from sync.server.console.accounts import Session
from sync.server.console.application import Refused
from sync.server.console.web import Current, Form, RegId, checked, ctx_of, render

router = APIRouter(prefix="/console", include_in_schema=False)


def _page(request: Request, session: Session, status: int = 200, message: str = "") -> HTMLResponse:
    engine = ctx_of(request).engine
    lists = audit_sample.listing(engine, session.account)
    with engine.connect() as conn:
        names = scope.service_names(conn)
        rule = audit_sample.rule(conn)
    return render(
        request,
        "second_review.html",
        status,
        session=session,
        waiting=lists["waiting"],
        done=lists["done"],
        names=names,
        share_pct=f"{rule.share * 100:g}",
        communes=[(c, f"{v * 100:g}") for c, v in sorted(rule.communes.items())],
        message=message or ("sr_saved" if request.query_params.get("done") else ""),
        error=status >= 400,
    )


@router.get("/second-review")
def second_review_page(request: Request, session: Current) -> HTMLResponse:
    return _page(request, session)


@router.post("/second-review/{reg_id}")
def second_review_post(request: Request, session: Current, reg_id: RegId, form: Form) -> Response:
    checked(session, form)
    try:
        audit_sample.review(
            ctx_of(request).engine,
            session.account,
            reg_id,
            form.get("verdict", ""),
            form.get("note", ""),
        )
    except Refused as exc:
        if exc.status in (403, 404):
            raise
        return _page(request, session, exc.status, exc.code)
    return RedirectResponse("/console/second-review?done=1", 303)

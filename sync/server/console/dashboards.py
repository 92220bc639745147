"""Dashboards for supervisors: counts per queue, overdue per service and per commune, and
decisions per day, as server-drawn SVG bar charts (no script, no chart library: the pages'
CSP allows none) and as CSV with the same numbers.

Every number comes through the queues' scope (`scope.visible`) and the page's filters, so a
supervisor sees only their ministry and jurisdiction, and the CSV is what the charts show.
Counts and overdue come from the queue counts; decisions per day from one narrow row per
decided application (`timing_rollup.timing_days`, by date), or from each application's history
when a filter the narrow rows do not hold is set (status, a flag, submission dates).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape
from sqlalchemy import Engine, func, select

from sync.server import db, officers
from sync.server.console import queue, scope, timing_numbers
from sync.server.console.accounts import Account
from sync.server.console.application import Refused
from sync.server.console.i18n import t
from sync.server.console.web import HEADERS, Current, ctx_of, lang_of, render

router = APIRouter(prefix="/console", include_in_schema=False)
DAYS = 30
DECISIONS = ("approved", "rejected")
TOP = 15  # bars per chart


@dataclass
class Numbers:
    queues: dict[str, int]
    by_service: list[tuple[str, int]] = field(default_factory=list)
    by_commune: list[tuple[str, int]] = field(default_factory=list)
    per_day: list[tuple[str, int, int]] = field(default_factory=list)  # day, approved, rejected


def allowed(account: Account) -> None:
    if account.role not in ("supervisor", "admin"):
        raise Refused(403, "supervisors_only")


def numbers(engine: Engine, account: Account, f: queue.Filters) -> Numbers:
    """The dashboard's numbers for this account within the filters (queue and search unused)."""
    regs, facts, hist = db.registrations, db.console_facts, db.status_history
    now = db.now()
    timing_numbers.prepare(engine)  # decisions written to the narrow per-decision rows
    counts = queue.load(engine, account, queue.Filters(**{**f.__dict__, "q": "", "size": 1}))
    out = Numbers(counts.counts)
    with db.reading(engine) as conn:
        joined, where = queue._base(account, lean=not f.flag)  # no names or keys needed
        cond = (where, *queue._filters(f), regs.c.status.in_(queue.OPEN), facts.c.due_at < now)
        for column, target in (
            (regs.c.service_id, out.by_service),
            (regs.c.commune_code, out.by_commune),
        ):
            counted = queue.overdue_by(conn, account, f, now, column.name)
            if counted is not None:  # from the queue counts: no filter needs each application
                target.extend(counted)
                continue
            rows = conn.execute(
                select(column, func.count())
                .select_from(joined)
                .where(*cond)
                .group_by(column)
                .order_by(func.count().desc(), column)
            ).all()
            target.extend((str(k), int(n)) for k, n in rows)
        since = now - DAYS * scope.DAY
        days: dict[str, list[int]] = {}
        for i in range(DAYS):
            days[scope.day(now - (DAYS - 1 - i) * scope.DAY)] = [0, 0]
        if timing_numbers.keyed(f):  # one narrow row per decision, by date (an application
            # is decided once: approved or rejected, both final for this question)
            for start, approved, rejected in timing_numbers.per_day(conn, account, f, since):
                slot = days.setdefault(scope.day(start), [0, 0])
                slot[0] += approved
                slot[1] += rejected
        else:  # a filter on status, a flag or dates: from each application's history
            rows = conn.execute(
                select(hist.c.status, hist.c.at)
                .select_from(joined.join(hist, hist.c.registration_id == regs.c.id))
                .where(where, *queue._filters(f), hist.c.status.in_(DECISIONS), hist.c.at >= since)
            ).all()
            for status, at in rows:
                slot = days.setdefault(scope.day(at), [0, 0])
                slot[DECISIONS.index(status)] += 1
    out.per_day = [(d, a, r) for d, (a, r) in sorted(days.items())]
    with engine.begin() as conn:
        officers.record(conn, account.as_token_officer(), "console_dashboard", "dashboards", "ok")
    return out


def hbars(items: list[tuple[str, int]], title: str, colour: str = "#12436b") -> Markup:
    """A horizontal bar chart: one labelled bar per item, the value at its end."""
    items = items[:TOP]
    top = max((v for _k, v in items), default=0) or 1
    row, label_w, width = 30, 260, 720
    height = row * len(items) + 10
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        w = (width - label_w - 60) * value / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 10}" fill="{colour}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 19}">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(days: list[tuple[str, int, int]], title: str) -> Markup:
    """Stacked columns per day: approved (green) under rejected (red)."""
    top = max((a + r for _d, a, r in days), default=0) or 1
    width, height, base = 720, 220, 190
    step = (width - 70) / max(1, len(days))  # room for the last date on the right
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<text x="4" y="14">{top}</text><line x1="36" y1="{base}" x2="{width}" y2="{base}" '
        'stroke="#9aa3b2"/>'
    ]
    for i, (day, approved, rejected) in enumerate(days):
        x = 40 + i * step
        ha, hr = 170 * approved / top, 170 * rejected / top
        parts.append(
            f'<rect x="{x:.1f}" y="{base - ha:.1f}" width="{step * 0.7:.1f}" height="{ha:.1f}" '
            f'fill="#1e6b3a"><title>{day}: {approved}</title></rect>'
            f'<rect x="{x:.1f}" y="{base - ha - hr:.1f}" width="{step * 0.7:.1f}" '
            f'height="{hr:.1f}" fill="#a3241b"><title>{day}: {rejected}</title></rect>'
        )
        if i % 5 == 0 or i == len(days) - 1:
            parts.append(f'<text x="{x:.1f}" y="{base + 20}">{day[5:]}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _filters(request: Request) -> queue.Filters:
    """The queue's filters; the page's one `area` box is a province, district or commune."""
    params = dict(request.query_params)
    area = params.pop("area", "").strip()
    kind = {2: "province", 4: "district", 6: "commune"}.get(len(area))
    if kind:
        params[kind] = area
    return queue.Filters.parse(params)


@router.get("/dashboards")
def dashboards_page(request: Request, session: Current) -> HTMLResponse:
    allowed(session.account)
    f = _filters(request)
    ctx = ctx_of(request)
    n = numbers(ctx.engine, session.account, f)
    lang = lang_of(request)
    with db.reading(ctx.engine) as conn:
        names = scope.service_names(conn)
        owners = scope.ministries(conn)

    def svc(sid: str) -> str:
        return names.get(sid, {}).get(lang, sid)

    charts = {
        "per_queue": hbars(
            [(t("q_" + q, lang), v) for q, v in n.queues.items()], t("per_queue", lang)
        ),
        "overdue_service": hbars(
            [(svc(k), v) for k, v in n.by_service], t("overdue_service", lang), "#a3241b"
        ),
        "overdue_commune": hbars(n.by_commune, t("overdue_commune", lang), "#a3241b"),
        "decisions_day": columns(n.per_day, t("decisions_day", lang)),
    }
    return render(
        request,
        "dashboards.html",
        session=session,
        n=n,
        charts=charts,
        f=f,
        csv_link="/console/dashboards.csv?" + urlencode(f.query(queue="", page="")),
        svc=svc,
        services=sorted(s for s in names if session.account.owns(owners.get(s, scope.UNOWNED))),
    )


@router.get("/dashboards.csv")
def dashboards_csv(request: Request, session: Current) -> Response:
    """The same numbers as the page, one table: section, key, value(s)."""
    allowed(session.account)
    f = _filters(request)
    n = numbers(ctx_of(request).engine, session.account, f)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "key", "count", "approved", "rejected"])
    for q, v in n.queues.items():
        w.writerow(["queue", q, v, "", ""])
    for k, v in n.by_service:
        w.writerow(["overdue_service", k, v, "", ""])
    for k, v in n.by_commune:
        w.writerow(["overdue_commune", k, v, "", ""])
    for day, approved, rejected in n.per_day:
        w.writerow(["decisions_day", day, approved + rejected, approved, rejected])
    stamp = datetime.fromtimestamp(db.now(), scope.ICT).strftime("%Y%m%d")
    headers: dict[str, Any] = {
        **HEADERS,
        "Content-Disposition": f'attachment; filename="sala-dashboard-{stamp}.csv"',
    }
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)

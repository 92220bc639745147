"""Timing per ministry, province, commune or service (issue 13 "Dashboards"): received,
decided, median and p90 days from the submission at the kiosk to the first decision, against
the promised days, overdue now, the needs-papers rate and the fees due; as a table, an SVG
chart and a CSV with the same numbers.

Within an area and a service (the usual page), the numbers come from the small tables of
tables/timing_rollup.py (`timing_numbers.rows`): sums per commune, service and form version,
the overdue from the queue counts, percentiles from the decided applications' narrow rows.
Other filters (status, a flag, submission dates) take one row per application from the
queues' own joins, scope and filters (`queue._base`, `queue._filters`, the `overdue` queue's
rule) and `console_facts` (`decided_at` and `papers`, tables/timing.py); PostgreSQL groups
them and takes `percentile_cont` in SQL, SQLite (a pilot's size) the same in Python. Both ways
give the same numbers.

What counts:
- received: the group's applications within the filters (dates are the kiosk's submission);
- decided: those with an `approved` or `rejected` in their history; days run from the kiosk's
  submission to the first such entry;
- promised days: the promised date less the submission (`console_facts`), shown when the whole
  group shares one value; "within promise" is the share decided by the promised date;
- overdue now: the `overdue` queue's rule (still open and past the promised date);
- needs papers: the share of received applications ever set `needs_papers`;
- fees due: the catalog's flat `fee_khr` of each application's service and form version
  (`clerk_events.catalog_fee`), rejected applications left out; an application whose fee the
  catalog does not fix (answer-dependent or unknown service) adds nothing to the sum and is
  counted in `fee_unknown`.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    func,
    literal,
    select,
)

from sync import protocol as p
from sync.server import db, officers
from sync.server.clerk_events import catalog_fee
from sync.server.console import communes, dashboards, queue, scope, timing_numbers
from sync.server.console.accounts import Account
from sync.server.console.i18n import t
from sync.server.console.i18n_performance import PROVINCE_NAMES
from sync.server.console.timing_numbers import CURSOR, Row, catch_up, percentile
from sync.server.console.web import HEADERS, Current, ctx_of, lang_of, render
from sync.server.tables import timing  # noqa: F401  (console_facts.decided_at and papers)

__all__ = ["CURSOR", "Row", "catch_up", "percentile"]  # kept here for their callers

router = APIRouter(prefix="/console", include_in_schema=False)
GROUPS = ("service", "ministry", "province", "commune")
TABLE_MAX = 300  # rows on the page; the CSV has them all
CSV_HEAD = [
    "group",
    "key",
    "received",
    "decided",
    "median_days",
    "p90_days",
    "promised_days",
    "decided_within_promise",
    "overdue_now",
    "needs_papers",
    "needs_papers_rate",
    "fees_due_riel",
    "fee_unknown",
]


def group_key(group: str) -> ColumnElement[Any]:
    regs = db.registrations
    return {
        "service": regs.c.service_id,
        "ministry": db.console_facts.c.ministry,
        "province": func.substr(regs.c.commune_code, 1, 2),
        "commune": regs.c.commune_code,
    }[group]


def _fee(conn: Connection) -> ColumnElement[Any]:
    """The fee due of the row's application (NULL: the catalog does not fix it)."""
    regs = db.registrations
    whens: list[tuple[ColumnElement[bool], Any]] = [
        (regs.c.status.in_((p.ServerStatus.REJECTED.value,)), 0)
    ]
    for sid, version in scope.services(conn):
        fee = catalog_fee(conn, sid, version)
        if fee is not None:
            whens.append((and_(regs.c.service_id == sid, regs.c.form_version == version), fee))
    return case(*whens, else_=literal(None))


def _per_registration(conn: Connection, account: Account, f: queue.Filters, group: str) -> Any:
    """One row per application in scope and filters: its group, times, flags and fee (from
    `console_facts` alone: no join with the status history)."""
    facts = db.console_facts
    joined, where = queue._base(account, lean=not f.flag)
    overdue = queue._queue_clause("overdue", account.id, db.now())
    return (
        select(
            group_key(group).label("k"),
            facts.c.submitted_at.label("submitted"),
            facts.c.due_at.label("due"),
            facts.c.decided_at.label("decided"),
            func.coalesce(facts.c.papers, 0).label("papers"),
            case((overdue, 1), else_=0).label("overdue"),
            _fee(conn).label("fee"),
        )
        .select_from(joined)
        .where(where, *queue._filters(f))
    )


def _in_sql(conn: Connection, per_reg: Any) -> list[Row]:
    """PostgreSQL: the groups and their percentiles in one statement."""
    sub = per_reg.subquery()
    days = (sub.c.decided - sub.c.submitted) / scope.DAY
    promise = (sub.c.due - sub.c.submitted) / scope.DAY
    rows = conn.execute(
        select(
            sub.c.k,
            func.count(),
            func.count(sub.c.decided),
            func.percentile_cont(0.5).within_group(days),
            func.percentile_cont(0.9).within_group(days),
            func.coalesce(func.sum(case((sub.c.decided <= sub.c.due, 1), else_=0)), 0),
            func.coalesce(func.sum(sub.c.overdue), 0),
            func.coalesce(func.sum(sub.c.papers), 0),
            func.coalesce(func.sum(sub.c.fee), 0),
            func.count() - func.count(sub.c.fee),
            func.min(promise),
            func.max(promise),
        ).group_by(sub.c.k)
    ).all()
    return [
        Row(
            str(k),
            int(n),
            int(dec),
            None if med is None else float(med),
            None if p90 is None else float(p90),
            int(within),
            int(over),
            int(papers),
            int(fees),
            int(unknown),
            None if lo is None or abs(hi - lo) > 1e-6 else round(float(lo), 4),
        )
        for k, n, dec, med, p90, within, over, papers, fees, unknown, lo, hi in rows
    ]


def _in_python(conn: Connection, per_reg: Any) -> list[Row]:
    """SQLite (no percentile function): the same numbers from the per-registration rows."""
    acc: dict[str, Row] = {}
    days: dict[str, list[float]] = {}
    promises: dict[str, set[float]] = {}
    for r in conn.execute(per_reg):
        k = str(r.k)
        a = acc.get(k) or acc.setdefault(k, Row(k, 0, 0, None, None, 0, 0, 0, 0, 0, None))
        a.received += 1
        if r.decided is not None:
            days.setdefault(k, []).append((r.decided - r.submitted) / scope.DAY)
            a.within += int(r.due is not None and r.decided <= r.due)
        a.overdue += int(r.overdue)
        a.papers += int(r.papers)
        a.fees += int(r.fee or 0)
        a.fee_unknown += int(r.fee is None)
        if r.due is not None:
            promises.setdefault(k, set()).add(round((r.due - r.submitted) / scope.DAY, 4))
    for k, a in acc.items():
        taken = days.get(k, [])
        a.decided = len(taken)
        a.median, a.p90 = percentile(taken, 0.5), percentile(taken, 0.9)
        one = promises.get(k, set())
        a.promised = next(iter(one)) if len(one) == 1 else None
    return list(acc.values())


def numbers(engine: Engine, account: Account, f: queue.Filters, group: str) -> list[Row]:
    """The table for this account within the filters, most received first (audited)."""
    timing_numbers.prepare(engine)
    with db.reading(engine) as conn:
        if timing_numbers.keyed(f):  # from the rollup: a few thousand rows, not the scope's
            timing_numbers.snapshot(conn)
            rows = timing_numbers.rows(conn, account, f, group)
        else:
            per_reg = _per_registration(conn, account, f, group)
            pg = conn.dialect.name == "postgresql"
            rows = _in_sql(conn, per_reg) if pg else _in_python(conn, per_reg)
    with engine.begin() as conn:
        officers.record(conn, account.as_token_officer(), "console_performance", group, "ok")
    return sorted(rows, key=lambda r: (-r.received, r.key))


def chart(rows: list[Row], labels: dict[str, str], lang: str) -> Markup:
    """Median (dark) and p90 (light) bars per group, the promise as a red tick where the group
    has one; the legend is drawn inside (the pages' CSP allows no inline styles)."""
    rows = [r for r in rows if r.median is not None][: dashboards.TOP]
    top = max((max(r.p90 or 0, r.promised or 0) for r in rows), default=0) or 1
    row, label_w, width, head = 40, 300, 1000, 30  # wide: it spans a full-width card
    scale = (width - label_w - 110) / top
    height = head + row * len(rows) + 10
    title = t("pf_chart", lang)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<rect x="{label_w}" y="6" width="14" height="14" fill="#12436b"/>'
        f'<text x="{label_w + 20}" y="19">{escape(t("pf_median", lang))}</text>'
        f'<rect x="{label_w + 200}" y="6" width="14" height="14" fill="#7fa7c9"/>'
        f'<text x="{label_w + 220}" y="19">{escape(t("pf_p90", lang))}</text>'
        f'<rect x="{label_w + 420}" y="4" width="4" height="18" fill="#a3241b"/>'
        f'<text x="{label_w + 430}" y="19">{escape(t("pf_promised", lang))}</text>'
    ]
    for i, r in enumerate(rows):
        y = head + i * row
        med, p90 = (r.median or 0) * scale, (r.p90 or 0) * scale
        end = max(med, p90, (r.promised or 0) * scale + 2)  # the values after the promise
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 24}" text-anchor="end">'
            f"{escape(labels.get(r.key, r.key))}</text>"
            f'<rect x="{label_w}" y="{y + 6}" width="{p90:.1f}" height="14" fill="#7fa7c9"/>'
            f'<rect x="{label_w}" y="{y + 20}" width="{med:.1f}" height="14" fill="#12436b"/>'
            f'<text x="{label_w + end + 8:.1f}" y="{y + 24}">'
            f"{_days(r.median)} · {_days(r.p90)}</text>"
        )
        if r.promised is not None:
            x = label_w + r.promised * scale
            parts.append(
                f'<rect x="{x - 2:.1f}" y="{y + 2}" width="4" height="36" fill="#a3241b">'
                f"<title>{escape(t('pf_promised', lang))}: {_days(r.promised)}</title></rect>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _days(v: float | None, places: int = 1) -> str:
    return "—" if v is None else f"{v:.{places}f}"


def _share(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


def _group(request: Request) -> str:
    g = request.query_params.get("group", "")
    return g if g in GROUPS else GROUPS[0]


def labels_of(conn: Connection, group: str, rows: list[Row], lang: str) -> dict[str, str]:
    """How each group's key reads in the officer's language."""
    if group == "service":
        names = scope.service_names(conn)
        return {r.key: names.get(r.key, {}).get(lang, r.key) for r in rows}
    if group == "ministry":
        return {r.key: t(f"m_{r.key}", lang).removeprefix("m_") for r in rows}
    if group == "commune":
        known = communes.names(conn)
        return {r.key: f"{r.key} {known.get(r.key, {}).get(lang, '')}".strip() for r in rows}
    if group == "province":
        return {
            r.key: f"{r.key} {PROVINCE_NAMES[r.key][0 if lang == 'km' else 1]}"
            if r.key in PROVINCE_NAMES
            else r.key
            for r in rows
        }
    return {r.key: r.key for r in rows}


@router.get("/performance")
def performance_page(request: Request, session: Current) -> HTMLResponse:
    dashboards.allowed(session.account)
    f, group, lang = dashboards._filters(request), _group(request), lang_of(request)
    ctx = ctx_of(request)
    rows = numbers(ctx.engine, session.account, f, group)
    with db.reading(ctx.engine) as conn:
        labels = labels_of(conn, group, rows, lang)
        names = scope.service_names(conn)
        owners = scope.ministries(conn)
    params = {**f.query(queue="", page=""), "group": group}
    return render(
        request,
        "performance.html",
        session=session,
        rows=rows[:TABLE_MAX],
        total=len(rows),
        labels=labels,
        chart=chart(rows, labels, lang),
        f=f,
        group=group,
        groups=GROUPS,
        days=_days,
        share=_share,
        csv_link="/console/performance.csv?" + urlencode(params),
        svc=lambda sid: names.get(sid, {}).get(lang, sid),
        services=sorted(s for s in names if session.account.owns(owners.get(s, scope.UNOWNED))),
    )


@router.get("/performance.csv")
def performance_csv(request: Request, session: Current) -> Response:
    """The page's numbers, every group (days with two decimals, rates as fractions)."""
    dashboards.allowed(session.account)
    f, group = dashboards._filters(request), _group(request)
    rows = numbers(ctx_of(request).engine, session.account, f, group)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_HEAD)
    for r in rows:
        rate = r.papers_share
        w.writerow(
            [
                group,
                r.key,
                r.received,
                r.decided,
                _days(r.median, 2).replace("—", ""),
                _days(r.p90, 2).replace("—", ""),
                _days(r.promised, 2).replace("—", ""),
                r.within,
                r.overdue,
                r.papers,
                "" if rate is None else f"{rate:.4f}",
                r.fees,
                r.fee_unknown,
            ]
        )
    stamp = datetime.fromtimestamp(db.now(), scope.ICT).strftime("%Y%m%d")
    headers: dict[str, Any] = {
        **HEADERS,
        "Content-Disposition": f'attachment; filename="sala-timing-{group}-{stamp}.csv"',
    }
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)

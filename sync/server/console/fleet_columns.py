"""The fleet page's columns that need more than the device report's counts: the kiosk's last
successful sync, its clock skew, and the state of its uploaded audit chain.

The first two come from the latest report already loaded for the page (no query): the `sync`
check's `last_success` (the kiosk's clock) and the report's `at` (the kiosk's clock, corrected
by the offset its sync client learned) against the server's time of receipt; beside the skew,
the `clock` check's learned offset when the kiosk's own clock is off by more than the window.
The audit chain's state is ONE statement for the whole page (`audit_states`): per device,
correlated lookups on the indexed `device_audit` primary key and `device_audit_flags.device_id`,
never a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from sync.server import db
from sync.server.device_reports import MOMENT_MAX, MOMENT_MIN, moment

SKEW_WARN_S = 120.0  # the server refuses signatures further off than this (PROTOCOL.md)
# A clock offset or an age past the span of any timestamp a report may hold is no measurement:
# such a value (a row stored before the bounds) shows as unknown, and never overflows a float.
SPAN_S = (MOMENT_MAX - MOMENT_MIN).total_seconds()


@dataclass(frozen=True)
class AuditState:
    """What the server holds of a kiosk's hash-chained audit (sync/server/audit_upload.py)."""

    head_seq: int | None  # the last entry held; None: nothing uploaded yet
    open_flags: int  # unresolved breaks and gaps
    first_kind: str  # chain_broken | gap, of the lowest open flag ("" if none)
    first_seq: int | None  # the first entry that did not fit

    @property
    def state(self) -> str:
        """`broken`, `ok` or `none` (nothing uploaded): the page's word and colour."""
        if self.open_flags:
            return "broken"
        return "ok" if self.head_seq else "none"


NO_AUDIT = AuditState(None, 0, "", None)


def audit_states(conn: Connection) -> dict[str, AuditState]:
    """Every device's audit state, in one statement."""
    d, a, f = db.devices, db.device_audit, db.device_audit_flags
    open_f = (f.c.device_id == d.c.id) & f.c.resolved_at.is_(None)
    kind = select(f.c.kind).where(open_f).order_by(f.c.seq, f.c.id).limit(1)
    rows = conn.execute(
        select(
            d.c.id,
            select(func.max(a.c.seq))
            .where(a.c.device_id == d.c.id)
            .scalar_subquery()
            .label("head"),
            select(func.count()).select_from(f).where(open_f).scalar_subquery().label("n"),
            kind.scalar_subquery().label("kind"),
            select(func.min(f.c.seq)).where(open_f).scalar_subquery().label("seq"),
        )
    ).all()
    return {
        r.id: AuditState(
            None if r.head is None else int(r.head),
            int(r.n or 0),
            str(r.kind or ""),
            None if r.seq is None else int(r.seq),
        )
        for r in rows
    }


def _moment(text: Any) -> float | None:
    """A timestamp from a kiosk (data, not trusted) as epoch seconds; None when it is not one
    or lies outside the report's bounds (device_reports.moment: one reader for both)."""
    when = moment(text)
    return None if when is None else when.timestamp()


def measured(value: Any, limit: float = SPAN_S) -> float | None:
    """A number a kiosk reported, as a float, or None if it is not a number or beyond `limit`
    in size (compared before converting: float() of a huge integer overflows)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if abs(value) <= limit else None


def last_sync(report: dict[str, Any] | None) -> float | None:
    """The kiosk's last successful sync (its `sync` check), epoch seconds, or None."""
    for check in (report or {}).get("checks", []):
        if isinstance(check, dict) and check.get("id") == "sync":
            return _moment((check.get("values") or {}).get("last_success"))
    return None


def clock_skew(report: dict[str, Any] | None, received_at: float | None) -> float | None:
    """Seconds the kiosk's clock is behind (+) or ahead (-) of the server's: the report's `at`
    against when it arrived (a report is sent at once, so the transit is in the noise)."""
    at = _moment((report or {}).get("at"))
    if at is None or received_at is None:
        return None
    return round(received_at - at, 1)


def own_clock_offset(report: dict[str, Any] | None) -> float | None:
    """The kiosk's hardware clock against the server's, as its sync client learned it (the
    `clock` check's `offset_seconds`, + behind). The report's `at` is already corrected by it,
    so `clock_skew` stays small on a kiosk whose own clock is far off: the page shows both."""
    for check in (report or {}).get("checks", []):
        if isinstance(check, dict) and check.get("id") == "clock":
            return measured((check.get("values") or {}).get("offset_seconds"))
    return None


def skew_text(seconds: float) -> str:
    """`+3 min`, `-2 h`, `+40 s`: behind is +, ahead is -; the unit is the same in km and en."""
    sign = "+" if seconds >= 0 else "-"
    s = abs(seconds)
    if s < 90:
        return f"{sign}{s:.0f} s"
    if s < 3600:
        return f"{sign}{s / 60:.0f} min"
    if s < 48 * 3600:
        return f"{sign}{s / 3600:.0f} h"
    return f"{sign}{s / 86400:.0f} d"

"""Commune staff: the roster the ministry keeps and each change kiosks report.

The roster reaches the commune's kiosks through the change feed (`staff` entries, only that
commune's) and the snapshot. Every change bumps the row's `version` and appends one feed entry
in the same transaction, so a kiosk that applies entries in order ends with the server's row.
Secrets never reach the database: first-sign-in and unlock codes are shown once by the CLI and
kept as Argon2id verifiers, PINs arrive from kiosks already as verifiers. A code is 6 digits
because it is read over the phone and typed on a PIN pad; Argon2id is what makes the verifier
costly to guess from a copy of the roster.

Kiosks report what a supervisor did locally with `POST /v1/staff-changes` (module
staff_changes.py); the CLI's commands (`sala-server staff …`) and the back office's staff page
(console/staff_pages.py, audited as the officer) call the functions here.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from sync import protocol as p
from sync.server import db, officers
from sync.server.feed import append_change


@dataclass(frozen=True)
class NewCode:
    staff_id: str
    code: str  # shown once; only its verifier is stored
    version: int


def make_code() -> tuple[str, str]:
    """A fresh 6-digit code and its Argon2id verifier (the protocol's stated parameters).

    argon2 is imported here, not at module level: only the CLI makes codes, so the HTTP server
    starts without it.
    """
    from argon2 import PasswordHasher, Type

    code = f"{secrets.randbelow(10**p.STAFF_CODE_DIGITS):0{p.STAFF_CODE_DIGITS}d}"
    hasher = PasswordHasher(
        time_cost=p.STAFF_ARGON2_TIME_COST,
        memory_cost=p.STAFF_ARGON2_MEMORY_KIB,
        parallelism=p.STAFF_ARGON2_PARALLELISM,
        type=Type.ID,
    )
    return code, hasher.hash(code)


def wire(row: Any) -> dict[str, Any]:
    """A roster row as kiosks receive it (feed entry `staff` and snapshot `staff`)."""
    return {
        "id": row.id,
        "name": {"km": row.name_km, "en": row.name_en},
        "role": row.role,
        "status": row.status,
        "pin_verifier": row.pin_verifier,
        "first_code_verifier": row.first_code_verifier,
        "unlock_verifier": row.unlock_verifier,
        "version": row.version,
    }


def get(conn: Connection, staff_id: str) -> Any:
    return conn.execute(select(db.staff).where(db.staff.c.id == staff_id)).first()


def publish(conn: Connection, staff_id: str) -> tuple[int, int]:
    """Append the row's current state to its commune's feed; returns (version, seq)."""
    row = get(conn, staff_id)
    seq = append_change(
        conn, "staff", row.commune_code, {"commune_code": row.commune_code, "staff": wire(row)}
    )
    return int(row.version), seq


def insert(
    conn: Connection,
    staff_id: str,
    commune: str,
    name_km: str,
    name_en: str,
    role: str,
    origin: str,
    **verifiers: str | None,
) -> tuple[int, int]:
    """A new roster row at version 1, published to the feed; returns (version, seq)."""
    db.lock_feed(conn)
    now = db.now()
    conn.execute(
        db.staff.insert().values(
            id=staff_id,
            commune_code=commune,
            name_km=name_km,
            name_en=name_en,
            role=role,
            status="active",
            pin_verifier=verifiers.get("pin_verifier"),
            first_code_verifier=verifiers.get("first_code_verifier"),
            unlock_verifier=verifiers.get("unlock_verifier"),
            version=1,
            origin=origin[:64],
            created_at=now,
            updated_at=now,
        )
    )
    return publish(conn, staff_id)


def update(conn: Connection, staff_id: str, **values: Any) -> tuple[int, int]:
    """Change a row, bump its version and publish it; returns (version, seq)."""
    db.lock_feed(conn)  # also serialises version bumps on PostgreSQL
    conn.execute(
        db.staff.update()
        .where(db.staff.c.id == staff_id)
        .values(version=db.staff.c.version + 1, updated_at=db.now(), **values)
    )
    return publish(conn, staff_id)


# --- the CLI's commands --------------------------------------------------------------------------


def _check_name(name: str, which: str) -> str:
    try:
        return p.clean_staff_name(name)
    except ValueError as exc:
        raise ValueError(f"--name-{which}: {exc}") from exc


def add(
    engine: Engine,
    commune: str,
    name_km: str,
    name_en: str,
    role: str,
    *,
    officer: officers.Officer | None = None,
    staff_id: str | None = None,
) -> NewCode:
    """A new staff member of `commune`, with a one-time first-sign-in code. `officer` is the
    back-office account acting (audited as them, origin `console`); None is the CLI. A given
    `staff_id` (the console's, made from its form's one-time token) that is already on the
    roster raises sqlalchemy's IntegrityError: a form sent twice adds one person."""
    if not p.is_ascii_digits(commune, 6):
        raise ValueError("--commune must be 6 digits (MEF code), e.g. 120101")
    if role not in p.STAFF_ROLES:
        raise ValueError(f"--role must be one of {', '.join(p.STAFF_ROLES)}")
    km, en = _check_name(name_km, "km"), _check_name(name_en, "en")
    code, verifier = make_code()
    staff_id = staff_id or str(uuid.uuid4())
    with engine.begin() as conn:
        origin = "console" if officer else "cli"
        version, _ = insert(
            conn, staff_id, commune, km, en, role, origin, first_code_verifier=verifier
        )
        officers.record(conn, officer, "staff_add", staff_id, "ok", detail=role, who="cli")
    return NewCode(staff_id, code, version)


def _change(
    engine: Engine, staff_id: str, action: str, make: Any, officer: officers.Officer | None
) -> tuple[int, str | None]:
    """Load the row, let `make(row)` give (values, code) or a refusal, apply, audit."""
    with engine.begin() as conn:
        row = get(conn, staff_id)
        if row is None:
            raise LookupError(f"No staff member {staff_id}.")
        values, code = make(row)
        version, _ = update(conn, staff_id, **values)
        officers.record(conn, officer, f"staff_{action}", staff_id, "ok", who="cli")
    return version, code


def set_status(
    engine: Engine, staff_id: str, status: str, *, officer: officers.Officer | None = None
) -> int:
    """Disable (or enable again); disabling also voids any pending code."""

    def make(row: Any) -> tuple[dict[str, Any], None]:
        if row.status == status:
            raise ValueError(f"{staff_id} is already {status}.")
        if status == "disabled":
            return {"status": status, "first_code_verifier": None, "unlock_verifier": None}, None
        return {"status": status}, None

    action = "disable" if status == "disabled" else "enable"
    return _change(engine, staff_id, action, make, officer)[0]


def reset(engine: Engine, staff_id: str, *, officer: officers.Officer | None = None) -> NewCode:
    """A new first-sign-in code; the PIN is forgotten (the person chooses a new one)."""

    def make(row: Any) -> tuple[dict[str, Any], str]:
        if row.status != "active":
            raise ValueError(f"{staff_id} is disabled; enable it first.")
        code, verifier = make_code()
        return {"first_code_verifier": verifier, "pin_verifier": None}, code

    version, code = _change(engine, staff_id, "reset", make, officer)
    assert code is not None
    return NewCode(staff_id, code, version)


def unlock_code(engine: Engine, staff_id: str) -> NewCode:
    """A one-time code that unlocks a locked account on the kiosk (read over the phone)."""

    def make(row: Any) -> tuple[dict[str, Any], str]:
        if row.status != "active":
            raise ValueError(f"{staff_id} is disabled; enable it first.")
        code, verifier = make_code()
        return {"unlock_verifier": verifier}, code

    version, code = _change(engine, staff_id, "unlock_code", make, None)
    assert code is not None
    return NewCode(staff_id, code, version)


def roster(conn: Connection, commune: str | None) -> list[Any]:
    query = select(db.staff).order_by(db.staff.c.commune_code, db.staff.c.name_en, db.staff.c.id)
    if commune is not None:
        query = query.where(db.staff.c.commune_code == commune)
    return list(conn.execute(query).all())

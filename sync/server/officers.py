"""Officer bearer tokens: role, jurisdiction, expiry, revocation, and the audit of every use.

A token was once a bare secret: one moved another commune's application and published catalogs
that every kiosk installs. Now each has a role (`decide` statuses, `publish` catalogs and
gazetteers, `admin` both), a jurisdiction (province, district or commune codes, matched as
prefixes of a registration's commune code; `*` for the whole country) and an expiry. Tokens are
stored hashed; `id` is a short public handle for `officer-revoke` and the audit. Publishing
reaches every kiosk, so it needs a national token. The back office's sign-in builds on this
module: it owns the token model and nothing about HTTP routes (those are in decisions.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from sync import protocol as p
from sync.server import db
from sync.server.errors import ApiError

ROLES = ("decide", "publish", "admin")
NATIONAL = "*"
TOKEN_PREFIX = "sala_off_"
MAX_EXPIRY_DAYS = 366
DAY = 86400.0


@dataclass(frozen=True)
class Officer:
    id: str
    name: str
    role: str
    jurisdiction: tuple[str, ...]

    @property
    def label(self) -> str:
        """How the status log and the audit name this token's holder."""
        return f"{self.name}#{self.id}"

    def covers(self, commune_code: str | None) -> bool:
        """True if the jurisdiction includes `commune_code` (None: the whole country)."""
        if NATIONAL in self.jurisdiction:
            return True
        return commune_code is not None and any(
            commune_code.startswith(c) for c in self.jurisdiction
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_jurisdiction(text: str) -> tuple[str, ...]:
    """`all`/`*`, or comma-separated MEF codes of 2 (province), 4 (district) or 6 (commune)
    ASCII digits. Raises ValueError with a sentence."""
    parts = [x.strip() for x in text.split(",") if x.strip()]
    if not parts:
        raise ValueError("--jurisdiction is empty: give codes such as 12 or 120101, or all")
    if any(x.lower() in ("all", NATIONAL) for x in parts):
        return (NATIONAL,)
    for code in parts:
        if not (p.is_ascii_digits(code) and len(code) in (2, 4, 6)):
            raise ValueError(
                f"{code!r} is not a province (2 digits), district (4) or commune (6) code"
            )
    return tuple(sorted(set(parts)))


def make_token(
    engine: Engine, name: str, role: str, jurisdiction: str, expires_days: float
) -> tuple[str, str]:
    """A new token; returns (id, token). The token is shown once, only its hash is kept."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    codes = parse_jurisdiction(jurisdiction)
    if role == "publish" and codes != (NATIONAL,):
        raise ValueError("a publish token needs --jurisdiction all: catalogs reach every kiosk")
    if not 0 < expires_days <= MAX_EXPIRY_DAYS:
        raise ValueError(f"--expires-days must be more than 0 and at most {MAX_EXPIRY_DAYS}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = secrets.token_hex(5)
    now = db.now()
    with engine.begin() as conn:
        conn.execute(
            db.officers.insert().values(
                token_hash=_hash(token),
                id=token_id,
                name=name[:200],
                role=role,
                jurisdiction=",".join(codes),
                created_at=now,
                expires_at=now + expires_days * DAY,
            )
        )
    return token_id, token


def revoke_token(engine: Engine, id_or_token: str) -> int:
    """Revoke by public id or by the token itself; returns how many tokens were revoked."""
    key = id_or_token.strip()
    match = (
        db.officers.c.token_hash == _hash(key)
        if key.startswith(TOKEN_PREFIX)
        else db.officers.c.id == key
    )
    with engine.begin() as conn:
        done = conn.execute(
            db.officers.update()
            .where(match)
            .where(db.officers.c.revoked_at.is_(None))
            .values(revoked_at=db.now())
        ).rowcount
        if done:
            record(conn, None, "officer_revoke", key[:12], "ok", who="cli")
        return int(done)


def list_tokens(engine: Engine) -> list[Any]:
    with db.reading(engine) as conn:
        return list(conn.execute(select(db.officers).order_by(db.officers.c.created_at)).all())


def record(
    conn: Connection,
    officer: Officer | None,
    action: str,
    subject: str,
    outcome: str,
    *,
    detail: str = "",
    who: str | None = None,
    token_id: str | None = None,
) -> None:
    """One audit row, inside the caller's transaction (so a done action and its row commit
    together). `who` names the actor when there is no valid token (the CLI, a refused one)."""
    conn.execute(
        db.officer_audit.insert().values(
            at=db.now(),
            token_id=officer.id if officer else token_id,
            officer=(officer.label if officer else who or "?")[:200],
            action=action[:40],
            subject=subject[:200],
            outcome=outcome[:60],
            detail=detail[:2000],
        )
    )


def record_refusal(
    engine: Engine, officer: Officer | None, action: str, subject: str, exc: ApiError
) -> None:
    """Audit a refused use in its own transaction (the action's own was rolled back)."""
    with engine.begin() as conn:
        record(conn, officer, action, subject, f"refused:{exc.code}")


def _refuse(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def authenticate(engine: Engine, authorization: str | None, action: str, subject: str) -> Officer:
    """The officer behind `Authorization: Bearer …`, or a 401 (audited) saying why not."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _refuse(
            p.ERR_UNAUTHORIZED, "An officer token is required (Authorization: Bearer <token>)."
        )
    with db.reading(engine) as conn:
        row = conn.execute(
            select(db.officers).where(db.officers.c.token_hash == _hash(token))
        ).first()
    if row is None:
        exc = _refuse("token_unknown", "This officer token is not known.")
    elif row.revoked_at is not None:
        exc = _refuse("token_revoked", "This officer token was revoked.")
    elif row.expires_at is None or row.expires_at <= db.now() or row.role not in ROLES:
        exc = _refuse("token_expired", "This officer token has expired; ask for a new one.")
    else:
        return Officer(row.id, row.name, row.role, tuple((row.jurisdiction or "").split(",")))
    with engine.begin() as conn:
        record(
            conn,
            None,
            action,
            subject,
            f"refused:{exc.code}",
            who=row.name if row is not None else "?",
            token_id=row.id if row is not None else None,
        )
    raise exc


def require(officer: Officer, role: str, commune_code: str | None) -> None:
    """403 unless the token's role allows `role` and its jurisdiction covers `commune_code`
    (None: a national document, which needs a national token)."""
    if officer.role not in (role, "admin"):
        raise ApiError(
            403, "forbidden_role", f"This token's role is {officer.role!r}; this needs {role!r}."
        )
    if not officer.covers(commune_code):
        where = f"commune {commune_code}" if commune_code else "the whole country"
        raise ApiError(
            403,
            "outside_jurisdiction",
            f"This token's jurisdiction ({','.join(officer.jurisdiction)}) does not cover {where}.",
        )

"""Back-office accounts: Argon2id passwords, TOTP, lockout and server-side sessions.

Why server-side sessions rather than signed cookies: a session must end at sign-out, after 15
minutes idle and 8 hours at most, and an admin must be able to end it; a row does all three.
The cookie holds a random token, the table only its SHA-256. Lockout counts failures per
username (known or not, so it tells nothing about which accounts exist) and per source address,
each attempt counted before its password is checked (`attempt`), so parallel guesses get no
more checks than the limit.
Every sign-in, failure and sign-out is written to `officer_audit`, the one audit of officers.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, NoReturn

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, Connection, Engine, bindparam, delete, func, select

from sync.server import db, officers
from sync.server.officers import Officer as TokenOfficer
from sync.server.tables import console_accounts as _declares  # noqa: F401  (password_reset_at)

ROLES = ("officer", "supervisor", "admin")
TOTP_ROLES = ("supervisor", "admin")  # a second factor is required for these
MINISTRIES = ("interior", "mpwt", "commerce", "justice", "health", "education")
ALL = "*"
# Commune halls, their staff and the kiosks' USB bundles are the Interior ministry's (the
# communes are under it; a bundle carries every ministry's applications).
COMMUNE_MINISTRY = "interior"
PASSWORD_MIN = 12
LOCK_WINDOW_S = 15 * 60.0
ACCOUNT_MAX_FAILURES = 5  # per username within LOCK_WINDOW_S, then refused until it passes
SOURCE_MAX_FAILURES = 20  # per source address within LOCK_WINDOW_S
IDLE_S = 15 * 60.0
# The idle clock is moved at most this often (issue 13 "Scale": not a row write per page); a
# session may so end up to TOUCH_S before 15 minutes after its last page, never after.
TOUCH_S = 30.0
ABSOLUTE_S = 8 * 3600.0
ISSUER = "Sala back office"
PENDING_STEP = -1  # totp_last_step of a reset authenticator not enrolled yet (account_admin.py)

_hasher = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
# Checked in place of a password hash for an unknown username, so that sign-in costs what a
# known one's does. Hashed once, offline, at `_hasher`'s parameters: hashing it at import cost
# every server start and `sala server …` call ~0.2 s of CPU. New parameters: hashed on first need.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$3WOyYSVaHOXr/tpQVZTrxA"
    "$YnS4xWhRH8Ey7jTlGDHoaAOcyeK9vo4+t+b09CuMiPA"
)


@functools.cache
def _dummy() -> str:
    if _hasher.check_needs_rehash(_DUMMY_HASH):
        return _hasher.hash("not a password: keeps unknown usernames as slow as known ones")
    return _DUMMY_HASH


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    display_name: str
    role: str
    ministry: str
    jurisdiction: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.username}#{self.id}"

    def as_token_officer(self) -> TokenOfficer:
        """The officer model decisions.py checks and audits: deciders get the `decide` role
        within this account's jurisdiction; admins decide nothing."""
        role = "decide" if self.role in ("officer", "supervisor") else "none"
        return TokenOfficer(self.id, f"console:{self.username}", role, self.jurisdiction)

    def covers(self, commune_code: str) -> bool:
        return ALL in self.jurisdiction or any(
            commune_code.startswith(c) for c in self.jurisdiction
        )

    def owns(self, ministry: str) -> bool:
        return self.ministry == ALL or self.ministry == ministry

    def manages_communes(self) -> bool:
        """May manage commune staff and import kiosks' USB bundles (within the jurisdiction):
        admins, and supervisors of the commune ministry or of all ministries."""
        return self.role == "admin" or (self.role == "supervisor" and self.owns(COMMUNE_MINISTRY))


@dataclass(frozen=True)
class Session:
    account: Account
    csrf: str
    token_hash: str
    must_change: bool = False  # an admin gave the password: the owner changes it first


class AccountError(ValueError):
    """A refused field of a new account: `code` is an i18n key (`acc_…`, i18n_admin.py) that
    `values` fill; str() is the English sentence `sala server officer add` prints."""

    def __init__(self, code: str, text: str, **values: object) -> None:
        super().__init__(text)
        self.code = code
        self.values = values


class SignInError(Exception):
    """`code` is an i18n key: bad_credentials, locked_account, locked_source, disabled."""

    def __init__(self, code: str, minutes: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.minutes = minutes


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _account(r: Any) -> Account:
    """From a row of console_officers."""
    return Account(
        r.id,
        r.username,
        r.display_name,
        r.role,
        r.ministry,
        tuple(str(r.jurisdiction).split(",")),
    )


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def create(
    engine: Engine,
    *,
    username: str,
    display_name: str,
    password: str,
    role: str,
    ministry: str,
    jurisdiction: str,
    created_by: str,
    totp: bool = True,
    must_change: bool = False,
) -> tuple[Account, str | None]:
    """A new account; returns it and its TOTP secret (shown once, for the QR). AccountError
    (a ValueError) if a field is not acceptable: the form shows its code's text, the CLI str().
    `must_change`: someone else typed the password (an admin in the console), so its owner
    chooses their own at the first sign-in, as after a reset."""
    username = username.strip().lower()
    if not (
        3 <= len(username) <= 64
        and all(c.isascii() and (c.isalnum() or c in "._-") for c in username)
    ):
        raise AccountError(
            "acc_bad_username", "username: 3 to 64 letters, digits, dots, dashes or underscores"
        )
    display_name = " ".join(display_name.split())
    if not 1 <= len(display_name) <= 200:
        raise AccountError("acc_bad_display_name", "display name: 1 to 200 characters")
    if role not in ROLES:
        raise AccountError("acc_bad_role", f"role must be one of {', '.join(ROLES)}")
    if ministry != ALL and ministry not in MINISTRIES:
        raise AccountError(
            "acc_bad_ministry", f"ministry must be one of {', '.join(MINISTRIES)} or {ALL}"
        )
    if len(password) < PASSWORD_MIN or len(password) > 256:
        raise AccountError(
            "acc_bad_password", f"password: {PASSWORD_MIN} to 256 characters", n=PASSWORD_MIN
        )
    try:
        codes = officers.parse_jurisdiction(jurisdiction)
    except ValueError as exc:
        raise AccountError("acc_bad_jurisdiction", str(exc), value=jurisdiction[:40]) from None
    if role in TOTP_ROLES and not totp:
        raise AccountError("acc_needs_totp", f"a {role} needs a second factor (TOTP)")
    secret = pyotp.random_base32() if totp else None
    account_id = secrets.token_hex(6)
    with engine.begin() as conn:
        taken = conn.execute(
            select(db.console_officers.c.id).where(db.console_officers.c.username == username)
        ).first()
        if taken:
            raise AccountError("acc_taken", f"username {username!r} is taken", name=username)
        conn.execute(
            db.console_officers.insert().values(
                id=account_id,
                username=username,
                display_name=display_name,
                password_hash=_hasher.hash(password),
                role=role,
                ministry=ministry,
                jurisdiction=",".join(codes),
                totp_secret=secret,
                created_at=db.now(),
                created_by=created_by[:200],
                password_reset_at=db.now() if must_change else None,
            )
        )
        officers.record(
            conn, None, "console_officer_add", username, "ok", detail=role, who=created_by
        )
    return Account(account_id, username, display_name, role, ministry, codes), secret


def list_accounts(engine: Engine) -> list[Account]:
    with db.reading(engine) as conn:
        rows = conn.execute(
            select(db.console_officers)
            .where(db.console_officers.c.disabled_at.is_(None))
            .order_by(db.console_officers.c.username)
        ).all()
    return [_account(r) for r in rows]


def _failures(conn: Connection, column: Column[Any], value: str, since: float) -> int:
    t = db.console_signin_failures
    return int(
        conn.execute(
            select(func.count()).select_from(t).where(column == value).where(t.c.at > since)
        ).scalar()
        or 0
    )


def _locked(conn: Connection, username: str, source: str, now: float) -> SignInError | None:
    t = db.console_signin_failures
    since = now - LOCK_WINDOW_S
    for column, value, limit, code in (
        (t.c.source, source, SOURCE_MAX_FAILURES, "locked_source"),
        (t.c.username, username, ACCOUNT_MAX_FAILURES, "locked_account"),
    ):
        if _failures(conn, column, value, since) >= limit:
            oldest = conn.execute(
                select(t.c.at)
                .where(column == value)
                .where(t.c.at > since)
                .order_by(t.c.at.desc())
                .offset(limit - 1)
                .limit(1)
            ).scalar()
            left = (float(oldest or now) + LOCK_WINDOW_S - now) / 60
            return SignInError(code, max(1, int(left + 0.999)))
    return None


def _lock_key(kind: str, value: str) -> int:
    """A signed 64-bit key for pg_advisory_xact_lock, the same in every server process."""
    digest = hashlib.sha256(f"sala.console.signin/{kind}/{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _serialise(conn: Connection, username: str, source: str) -> None:
    """Hold, until this transaction ends, the right to count attempts at `username` and from
    `source`: so a count and the insert after it cannot interleave with another attempt's,
    and N parallel guesses get at most the limit's worth of password checks. PostgreSQL:
    transaction advisory locks on a hash of each (taken in key order, so two attempts never
    wait on each other crosswise); SQLite: the transaction's BEGIN IMMEDIATE (db.engine)
    already holds the one write lock."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted((_lock_key("user", username), _lock_key("source", source))):
        conn.execute(select(func.pg_advisory_xact_lock(key)))


def count_failure(conn: Connection, username: str, source: str, now: float) -> int:
    """One failure towards both lockouts, under `_serialise`; returns its row id."""
    _serialise(conn, username, source)
    t = db.console_signin_failures
    done = conn.execute(t.insert().values(at=now, username=username, source=source))
    key = done.inserted_primary_key
    assert key is not None
    return int(key[0])


def attempt(engine: Engine, username: str, source: str, action: str) -> tuple[str, str, float, Any]:
    """(username, source, now, account row or None) for a password attempt under `action`
    (`console_signin`, `console_enrol`), after the lockouts: a locked attempt is audited and
    raised here, before any password is checked. An attempt let through is counted as a
    failure now, before its password is checked (a success deletes the account's failures):
    the check and the count are one serialised transaction (`_serialise`), so parallel wrong
    guesses cannot all pass a count that none of them has raised yet."""
    username = username.strip().lower()[:64]
    source = source[:64]
    now = db.now()
    with engine.begin() as conn:
        _serialise(conn, username, source)
        locked = _locked(conn, username, source, now)
        row = conn.execute(
            select(db.console_officers).where(db.console_officers.c.username == username)
        ).first()
        if locked is None:
            count_failure(conn, username, source, now)
    if locked is not None:
        with engine.begin() as conn:
            outcome = f"refused:{locked.code}"
            officers.record(conn, None, action, username, outcome, who=username, detail=source)
        raise locked
    return username, source, now, row


def refuse(engine: Engine, attempted: tuple[str, str, float, Any], action: str) -> NoReturn:
    """A failed attempt (`attempt` has already counted it towards both lockouts): audited,
    raised as bad credentials, whatever was wrong."""
    username, source, _now, row = attempted
    with engine.begin() as conn:
        officers.record(
            conn,
            None,
            action,
            username,
            "refused:bad_credentials",
            who=username,
            token_id=row.id if row is not None else None,
            detail=source,
        )
    raise SignInError("bad_credentials")


def sign_in(engine: Engine, username: str, password: str, code: str, source: str) -> str:
    """Check password and TOTP; returns a new session token for the cookie, or raises
    SignInError (audited; a failure counts towards both lockouts)."""
    attempted = attempt(engine, username, source, "console_signin")
    username, source, now, row = attempted
    ok = _verify(row.password_hash if row is not None else _dummy(), password) and row is not None
    step = 0
    if ok and row is not None and row.totp_secret:
        # A reset authenticator (PENDING_STEP) takes a code of its new secret, which the
        # admin who reset it handed over in person; an old code is a failure like any other.
        step = _totp_step(row.totp_secret, code, row.totp_last_step)
        ok = step > 0
    if ok and row is not None and row.disabled_at is not None:
        ok = False
    if not ok or row is None:
        refuse(engine, attempted, "console_signin")
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        if step:
            conn.execute(
                db.console_officers.update()
                .where(db.console_officers.c.id == row.id)
                .values(totp_last_step=step)
            )
        conn.execute(
            delete(db.console_signin_failures).where(
                db.console_signin_failures.c.username == username
            )
        )
        conn.execute(
            db.console_sessions.insert().values(
                token_hash=_sha(token),
                officer_id=row.id,
                csrf=secrets.token_urlsafe(24),
                source=source,
                created_at=now,
                seen_at=now,
            )
        )
        officers.record(
            conn, _account(row).as_token_officer(), "console_signin", username, "ok", detail=source
        )
    return token


def _verify(encoded: str, password: str) -> bool:
    try:
        return _hasher.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def _totp_step(secret: str, code: str, last_step: int | None) -> int:
    """The 30 s step `code` belongs to (now ±1 step), if it is newer than the last one used;
    0 otherwise. A code cannot be replayed, not even within its own 30 seconds."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return 0
    totp = pyotp.TOTP(secret)
    now_step = int(db.now() // 30)
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.at(step * 30), code) and step > (last_step or 0):
            return step
    return 0


@functools.cache
def session_statement() -> Any:
    """The session and its officer by token hash (parameter `token_hash`), built once (on
    first use: after every table module has added its columns): every request reads it, and
    building a statement and its cache key costs more CPU than running this one. A page may
    read more with it in the same round trip (page_start.py), then call `live_session`.
    Only the officer's columns an `Account` and the checks need: no password hash or TOTP
    secret on every page."""
    s, o = db.console_sessions, db.console_officers
    officer = (o.c.id, o.c.username, o.c.display_name, o.c.role, o.c.ministry, o.c.jurisdiction)
    checks = (o.c.disabled_at, o.c.password_reset_at)
    return (
        select(s.c.token_hash, s.c.csrf, s.c.created_at, s.c.seen_at, s.c.ended_at)
        .add_columns(*officer, *checks)
        .join(o, o.c.id == s.c.officer_id)
        .where(s.c.token_hash == bindparam("token_hash"))
    )


def session_for(engine: Engine, token: str | None) -> Session | None:
    """The live session behind a cookie, touching its idle clock (every `TOUCH_S`); None if
    there is none, it was signed out, or it passed 15 minutes idle or 8 hours in all."""
    hashed = token_hash(token)
    if hashed is None:
        return None
    now = db.now()
    with db.reading(engine) as conn:  # most pages only read it (`TOUCH_S`)
        row = conn.execute(session_statement(), {"token_hash": hashed}).first()
    return live_session(engine, row, now)


def token_hash(token: str | None) -> str | None:
    """What a cookie's session is stored under; None for no cookie or an oversized one."""
    return _sha(token) if token and len(token) <= 100 else None


def live_session(engine: Engine, row: Any, now: float) -> Session | None:
    """`session_for` after its read (`row`: None if no session has the token; `now`: before
    the read): the checks and the idle clock's touch."""
    s = db.console_sessions
    if row is None or row.ended_at is not None or row.disabled_at is not None:
        return None
    this = s.update().where(s.c.token_hash == row.token_hash)
    if now - row.seen_at > IDLE_S or now - row.created_at > ABSOLUTE_S:
        with engine.begin() as conn:
            conn.execute(this.where(s.c.ended_at.is_(None)).values(ended_at=now))
        return None
    if now - row.seen_at >= TOUCH_S:
        with engine.begin() as conn:  # a sign-out meanwhile keeps its ended_at
            conn.execute(this.values(seen_at=now))
    return Session(_account(row), row.csrf, row.token_hash, row.password_reset_at is not None)


def sign_out(engine: Engine, session: Session) -> None:
    with engine.begin() as conn:
        conn.execute(
            db.console_sessions.update()
            .where(db.console_sessions.c.token_hash == session.token_hash)
            .values(ended_at=db.now())
        )
        officers.record(
            conn,
            session.account.as_token_officer(),
            "console_signout",
            session.account.username,
            "ok",
        )

"""Admins managing back-office accounts: disable/enable, reset a password or the TOTP, end
sessions; an officer's own password change and the re-enrolment of a reset authenticator.

Used by the console's officer pages (officer_admin.py) and `sala server officer disable|enable|
reset-password|reset-totp|end-sessions` (cli_officer.py), so both act and audit the same way.
An admin acts on the accounts of their own ministry (`Account.owns`: an all-ministries admin on
every account) whose jurisdiction lies within their own (`within`), and only an all-ministries
admin acts on another admin (no peer takes over a peer); the CLI (`actor=None`, the machine's
operator) on any, for the first admin locked out. Nobody acts on their own account here, and
the last enabled admin is never disabled. A reset password must be changed by its owner before
anything else (`console_officers.password_reset_at`). A reset TOTP is "pending"
(`totp_last_step == PENDING_STEP`): the old authenticator stops working at once, and the new
secret is shown once to whoever reset it (the admin's page, the CLI), to hand over in person
as on account creation; the officer's first sign-in (or /console/enrol) with a code of it ends
the pending state. A password alone never shows a secret: it would hand a supervisor's or an
admin's second factor to whoever has their password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, NoReturn

import pyotp
from sqlalchemy import Connection, Engine, delete, func, select

from sync.server import db, officers
from sync.server.console.accounts import (
    ABSOLUTE_S,
    ALL,
    IDLE_S,
    PASSWORD_MIN,
    PENDING_STEP,
    Account,
    Session,
    SignInError,
    _account,
    _dummy,
    _hasher,
    _locked,
    _sha,
    _totp_step,
    _verify,
    attempt,
    count_failure,
    refuse,
)

OWN_PASSWORD = "console_own_password"  # the audit's action for an officer's own change
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied


class AdminRefusal(Exception):
    """`code` is an i18n key (`oa_…`); `text` the English sentence the CLI prints."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass(frozen=True)
class Managed:
    """An account as the admin page lists it."""

    account: Account
    disabled: bool
    totp: str  # on | pending | off
    sessions: int  # live sessions now
    peer: bool = False  # an admin this (single-ministry) admin sees but may not act on


def within(actor: Account, codes: tuple[str, ...]) -> bool:
    """Every code lies within the actor's jurisdiction ("*", all of it, only within "*"): an
    admin never gives out, nor manages, more of the country than their own."""
    return all(actor.covers(c) for c in codes)


def _peer_refusal(actor: Account | None, role: str) -> AdminRefusal | None:
    """Only an all-ministries admin (or the CLI) acts on an admin account."""
    if actor is not None and role == "admin" and actor.ministry != ALL:
        return AdminRefusal("oa_admin_needs_all", "only an all-ministries admin manages admins")
    return None


def manageable(engine: Engine, actor: Account | None) -> list[Managed]:
    """Every account `actor` may manage (disabled ones too, to enable them again)."""
    o, s = db.console_officers, db.console_sessions
    now = db.now()
    live = (
        select(s.c.officer_id, func.count().label("n"))
        .where(s.c.ended_at.is_(None))
        .where(s.c.seen_at > now - IDLE_S)
        .where(s.c.created_at > now - ABSOLUTE_S)
        .group_by(s.c.officer_id)
        .subquery()
    )
    with db.reading(engine) as conn:
        rows = conn.execute(
            select(o, live.c.n).outerjoin(live, live.c.officer_id == o.c.id).order_by(o.c.username)
        ).all()
    out = []
    for r in rows:
        account = _account(r)
        if actor is not None and not (
            actor.owns(r.ministry) and within(actor, account.jurisdiction)
        ):
            continue
        totp = (
            "off" if not r.totp_secret else "pending" if r.totp_last_step == PENDING_STEP else "on"
        )
        peer = actor is not None and actor.id != r.id and _peer_refusal(actor, r.role) is not None
        out.append(Managed(account, r.disabled_at is not None, totp, int(r.n or 0), peer))
    return out


def find(engine: Engine, key: str) -> Managed | None:
    """An account by id or username (any ministry: the CLI's look-up)."""
    key = key.strip().lower()
    return next(
        (m for m in manageable(engine, None) if key in (m.account.id, m.account.username)), None
    )


def _target(conn: Connection, actor: Account | None, account_id: str, action: str) -> Any:
    """The account row `actor` may act on, or AdminRefusal (the refusal is the caller's to
    audit: this transaction is rolled back)."""
    row = conn.execute(
        select(db.console_officers).where(db.console_officers.c.id == account_id)
    ).first()
    if row is None or (
        actor is not None
        and not (actor.owns(row.ministry) and within(actor, _account(row).jurisdiction))
    ):
        raise AdminRefusal("oa_not_yours", "no such account within your ministry")
    if actor is not None and actor.id == row.id:
        raise AdminRefusal("oa_self", "you cannot do this to your own account")
    peer = _peer_refusal(actor, row.role)
    if peer is not None:
        raise peer
    return row


def audit_refusal(
    engine: Engine, actor: Account | None, who: str, action: str, subject: str, exc: AdminRefusal
) -> None:
    with engine.begin() as conn:
        officers.record(
            conn,
            actor.as_token_officer() if actor else None,
            action,
            subject,
            f"refused:{exc.code}",
            who=who,
        )


def _end_sessions(conn: Connection, account_id: str) -> int:
    s = db.console_sessions
    done = conn.execute(
        s.update()
        .where(s.c.officer_id == account_id)
        .where(s.c.ended_at.is_(None))
        .values(ended_at=db.now())
    )
    return int(done.rowcount or 0)


def _admin_action(
    engine: Engine,
    actor: Account | None,
    who: str,
    account_id: str,
    action: str,
    change: Any,
) -> Any:
    """Run `change(conn, row)` on the target in one transaction with its audit row (`who`
    names the CLI when there is no actor); a refusal is audited in its own transaction."""
    try:
        with engine.begin() as conn:
            row = _target(conn, actor, account_id, action)
            result, detail = change(conn, row)
            officers.record(
                conn,
                actor.as_token_officer() if actor else None,
                action,
                row.username,
                "ok",
                detail=detail,
                who=who,
            )
        return result
    except AdminRefusal as exc:
        audit_refusal(engine, actor, who, action, account_id, exc)
        raise


def set_enabled(
    engine: Engine, actor: Account | None, account_id: str, enabled: bool, who: str = "cli"
) -> None:
    """Disable (every session ends at once) or enable an account. The last enabled admin is
    never disabled: its enabled admins are locked (FOR UPDATE on PostgreSQL; SQLite's writer
    lock) so two admins disabling each other at once cannot both succeed."""
    o = db.console_officers

    def change(conn: Connection, row: Any) -> tuple[None, str]:
        if enabled:
            if row.disabled_at is None:
                raise AdminRefusal("oa_already_enabled", f"{row.username} is already enabled")
            conn.execute(o.update().where(o.c.id == row.id).values(disabled_at=None))
            return None, row.role
        if row.disabled_at is not None:
            raise AdminRefusal("oa_already_disabled", f"{row.username} is already disabled")
        admins = set(
            conn.execute(
                select(o.c.id)
                .where(o.c.role == "admin")
                .where(o.c.disabled_at.is_(None))
                .with_for_update()
            ).scalars()
        )
        if row.role == "admin" and (
            not admins - {row.id} or (actor is not None and actor.id not in admins)
        ):
            raise AdminRefusal(
                "oa_last_admin", "this is the last enabled admin: enable or add another first"
            )
        conn.execute(o.update().where(o.c.id == row.id).values(disabled_at=db.now()))
        return None, f"{row.role}; sessions ended: {_end_sessions(conn, row.id)}"

    action = "console_officer_enable" if enabled else "console_officer_disable"
    _admin_action(engine, actor, who, account_id, action, change)


def temporary_password() -> str:
    """16 letters and digits in 4 groups (about 79 bits), to give the officer in person."""
    return "-".join("".join(secrets.choice(_TEMP_ALPHABET) for _ in range(4)) for _ in range(4))


def reset_password(
    engine: Engine,
    actor: Account | None,
    account_id: str,
    password: str | None = None,
    who: str = "cli",
) -> str:
    """A new password (made here unless given), returned to be shown once; the account's
    sessions end, its failed sign-ins are forgotten (a locked-out admin can sign in) and its
    owner must change it at the next sign-in before anything else."""
    new = password if password is not None else temporary_password()
    if len(new) < PASSWORD_MIN or len(new) > 256:
        raise AdminRefusal("oa_bad_password", f"password: {PASSWORD_MIN} to 256 characters")
    encoded = _hasher.hash(new)
    o, f = db.console_officers, db.console_signin_failures

    def change(conn: Connection, row: Any) -> tuple[str, str]:
        conn.execute(
            o.update()
            .where(o.c.id == row.id)
            .values(password_hash=encoded, password_reset_at=db.now())
        )
        conn.execute(delete(f).where(f.c.username == row.username))
        return new, f"sessions ended: {_end_sessions(conn, row.id)}"

    result: str = _admin_action(engine, actor, who, account_id, "console_officer_password", change)
    return result


def reset_totp(engine: Engine, actor: Account | None, account_id: str, who: str = "cli") -> str:
    """A new TOTP secret, pending, returned to be shown once (as a QR) to the one who reset
    it, to hand over in person: the old authenticator stops working at once, sessions end,
    and the owner's first sign-in with a code of the new one ends the pending state."""
    o = db.console_officers
    secret = pyotp.random_base32()

    def change(conn: Connection, row: Any) -> tuple[None, str]:
        conn.execute(
            o.update()
            .where(o.c.id == row.id)
            .values(totp_secret=secret, totp_last_step=PENDING_STEP)
        )
        return None, f"sessions ended: {_end_sessions(conn, row.id)}"

    _admin_action(engine, actor, who, account_id, "console_officer_totp", change)
    return secret


def end_sessions(engine: Engine, actor: Account | None, account_id: str, who: str = "cli") -> int:
    """End every session of the account now; returns how many were live or idle."""

    def change(conn: Connection, row: Any) -> tuple[int, str]:
        n = _end_sessions(conn, row.id)
        return n, f"sessions ended: {n}"

    result: int = _admin_action(engine, actor, who, account_id, "console_officer_sessions", change)
    return result


def enrol_finish(engine: Engine, username: str, password: str, code: str, source: str) -> str:
    """Check the password and a code of the pending secret (the QR the admin handed over);
    the authenticator is then the account's and a session starts (its token is returned, as
    `sign_in` does). Anything wrong (the password, the code, no pending authenticator, a
    disabled account) is one answer, bad credentials, counted towards the lockouts: this page
    tells nobody whether a password is right."""
    attempted = attempt(engine, username, source, "console_enrol")
    row = attempted[3]
    ok = _verify(row.password_hash if row is not None else _dummy(), password)
    pending = row is not None and bool(row.totp_secret) and row.totp_last_step == PENDING_STEP
    step = _totp_step(row.totp_secret, code, None) if ok and pending else 0
    if not step or row is None or row.disabled_at is not None:
        refuse(engine, attempted, "console_enrol")
    token = secrets.token_urlsafe(32)
    now = db.now()
    with engine.begin() as conn:
        o = db.console_officers
        done = conn.execute(
            o.update()
            .where(o.c.id == row.id)
            .where(o.c.totp_last_step == PENDING_STEP)
            .values(totp_last_step=step)
        )
        if not done.rowcount:  # enrolled at once elsewhere, or reset again
            raise SignInError("oa_no_enrol")
        conn.execute(
            delete(db.console_signin_failures).where(
                db.console_signin_failures.c.username == row.username
            )
        )
        conn.execute(
            db.console_sessions.insert().values(
                token_hash=_sha(token),
                officer_id=row.id,
                csrf=secrets.token_urlsafe(24),
                source=source[:64],
                created_at=now,
                seen_at=now,
            )
        )
        officer = _account(row).as_token_officer()
        officers.record(conn, officer, "console_enrol", row.username, "ok", detail=source[:64])
    return token


def change_own_password(
    engine: Engine, session: Session, current: str, new: str, source: str = "?"
) -> None:
    """The signed-in officer's own new password (after a temporary one from an admin); the
    other sessions of the account end. AdminRefusal with an `oa_…` code if refused. A wrong
    current password counts as a failed sign-in (both lockouts, audited): once a lockout
    applies this session ends and SignInError (the lock's code) is raised, so an unattended
    session is no way to guess the password. The lockouts are looked at only after a wrong
    current password: outsiders who locked the username do not stop its owner, who knows it,
    from changing it (a must-change officer can do nothing else). Each check is counted before
    it runs, so parallel guesses from one session are all counted."""
    if len(new) < PASSWORD_MIN or len(new) > 256:
        raise AdminRefusal("oa_bad_password", f"password: {PASSWORD_MIN} to 256 characters")
    o, s, f = db.console_officers, db.console_sessions, db.console_signin_failures
    officer = session.account.as_token_officer()
    username, source, now = session.account.username, source[:64], db.now()
    with engine.begin() as conn:
        counted = count_failure(conn, username, source, now)
    with db.reading(engine) as conn:
        row = conn.execute(select(o).where(o.c.id == session.account.id)).first()
    if row is None or not _verify(row.password_hash, current):
        try:
            _wrong_current(engine, session, username, source, now)
        except SignInError as exc:
            with engine.begin() as conn:
                conn.execute(
                    s.update()
                    .where(s.c.token_hash == session.token_hash)
                    .where(s.c.ended_at.is_(None))
                    .values(ended_at=db.now())
                )
                outcome = f"session_ended:{exc.code}"
                officers.record(conn, officer, OWN_PASSWORD, session.account.username, outcome)
            raise
    if new == current:
        with engine.begin() as conn:  # the right password: not a failure
            conn.execute(delete(f).where(f.c.id == counted))
        raise AdminRefusal("oa_same_password", "the new password is the current one")
    encoded = _hasher.hash(new)
    with engine.begin() as conn:
        conn.execute(
            o.update().where(o.c.id == row.id).values(password_hash=encoded, password_reset_at=None)
        )
        conn.execute(
            s.update()
            .where(s.c.officer_id == row.id)
            .where(s.c.token_hash != session.token_hash)
            .where(s.c.ended_at.is_(None))
            .values(ended_at=db.now())
        )
        conn.execute(delete(f).where(f.c.username == row.username))
        officers.record(conn, officer, OWN_PASSWORD, row.username, "ok")


def _wrong_current(
    engine: Engine, session: Session, username: str, source: str, now: float
) -> NoReturn:
    """Audit a wrong current password (already counted); SignInError if a lockout now
    applies, else AdminRefusal("oa_wrong_current")."""
    with engine.begin() as conn:
        officers.record(
            conn,
            session.account.as_token_officer(),
            OWN_PASSWORD,
            username,
            "refused:oa_wrong_current",
            detail=source,
        )
    with db.reading(engine) as conn:
        locked = _locked(conn, username, source, now)
    if locked is not None:
        raise locked
    raise AdminRefusal("oa_wrong_current", "the current password is not right")

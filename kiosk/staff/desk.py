"""`StaffDesk`: signing staff in and out, the wrong-PIN lock, and a supervisor's local changes.

Everything a staff screen asks of the store goes through here, on the UI's database worker:
a PIN check runs Argon2id (~0.2 s), outside the store lock so the sync thread is not held up.
Every attempt, refusal, lock, unlock and change is one hash-chained audit entry, committed with
the state it describes; entries hold ids, counts and reason words only (no PIN, code or name).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NoReturn

from kiosk.model import new_id, utc_now
from kiosk.staff.errors import (
    AccountDisabled,
    AccountLocked,
    BadName,
    NoSecret,
    NotAllowed,
    NotLocked,
    PinMismatch,
    RosterRefused,
    SessionExpired,
    StaffError,
    UnknownStaff,
    WrongCode,
    WrongPin,
)
from kiosk.staff.lockout import LockState, after_failure
from kiosk.staff.model import IDLE_TIMEOUT, Action, Role, StaffMember, Status
from kiosk.staff.pins import (
    PIN_PARAMS,
    Argon2Params,
    check_code,
    check_pin,
    make_verifier,
    new_code,
    verifier_id,
    verifies,
)
from kiosk.staff.roster import check_name
from kiosk.staff.session import StaffSession
from kiosk.store.staff import StaffRow
from kiosk.text import Text

if TYPE_CHECKING:
    from kiosk.store import Store

_ROLE_ORDER = {Role.SUPERVISOR: 0, Role.CLERK: 1, Role.TECHNICIAN: 2}


@dataclass(frozen=True)
class FirstSignIn:
    """A one-time code was right: the person must now choose a PIN
    (`StaffDesk.finish_first_sign_in`) within the idle time. Holds no secret."""

    staff_id: str
    name: Text
    token: str
    at: datetime


def _member(row: StaffRow) -> StaffMember:
    return StaffMember(
        id=row.id,
        name=Text(km=row.name_km, en=row.name_en),
        role=Role(row.role),
        status=Status(row.status),
        version=row.version,
        origin=row.origin,
        locked_until=row.locked_until,
        needs_code=row.pin is None and row.first_code is not None,
    )


def _lock(row: StaffRow) -> LockState:
    return LockState(row.failures, row.locks, row.locked_until)


class StaffDesk:
    """The staff side's operations; `clock` is passed in (tests move it by hand), `params` are
    the Argon2id parameters of verifiers made here (PIN_PARAMS)."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime] = utc_now,
        params: Argon2Params = PIN_PARAMS,
    ) -> None:
        self._store = store
        self._clock = clock
        self._params = params
        # token -> (staff id, the code's verifier id, when): first sign-ins waiting for a PIN
        self._tickets: dict[str, tuple[str, str, datetime]] = {}

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    # -- reading -----------------------------------------------------------------------------
    def members(self, *, include_disabled: bool = False) -> list[StaffMember]:
        """The accounts on this kiosk, supervisors first, then by English name."""
        out = [_member(r) for r in self._store.staff_rows()]
        if not include_disabled:
            out = [m for m in out if m.active]
        return sorted(out, key=lambda m: (_ROLE_ORDER[m.role], m.name.en.casefold(), m.id))

    def member(self, staff_id: str) -> StaffMember:
        return _member(self._row(staff_id))

    def _row(self, staff_id: str) -> StaffRow:
        row = self._store.staff_row(staff_id)
        if row is None:
            raise UnknownStaff(f"No staff account {staff_id} on this kiosk.")
        return row

    # -- signing in --------------------------------------------------------------------------
    def _refuse_if_closed(self, row: StaffRow, now: datetime, what: str) -> None:
        """AccountDisabled / AccountLocked, audited, when the account cannot be used now."""
        lock = _lock(row)
        error: StaffError | None = None
        reason = ""
        if row.status != Status.ACTIVE:
            error, reason = AccountDisabled(f"Staff account {row.id} is disabled."), "disabled"
        elif what == "sign_in" and lock.locked(now):
            assert lock.locked_until is not None
            error = AccountLocked(
                f"Staff account {row.id} is locked.",
                until=lock.locked_until,
                minutes=lock.minutes_left(now),
            )
            reason = "locked"
        if error is not None:
            self._store.audit.append(row.id, f"staff.{what}_refused", row.id, {"reason": reason})
            raise error

    def sign_in(self, staff_id: str, pin: str) -> StaffSession | FirstSignIn:
        """Check a PIN (or a one-time first sign-in code) typed for `staff_id`.

        Returns a session, or a FirstSignIn when a code was right and a PIN must be chosen.
        Raises PinFormat (nothing counted), AccountDisabled, AccountLocked, NoSecret, or
        WrongPin (`left` tries; the third wrong one in a row locks: AccountLocked)."""
        check_code(pin)  # 6-12 ASCII digits: a PIN is 6, a one-time code 6-12
        row = self._row(staff_id)
        self._refuse_if_closed(row, self._now(), "sign_in")
        if row.pin is None and row.first_code is None:
            self._store.audit.append(row.id, "staff.sign_in_refused", row.id, {"reason": "no_pin"})
            raise NoSecret(f"Staff account {row.id} has no PIN and no first sign-in code.")
        by_pin = verifies(row.pin, pin)  # slow: outside the store lock
        by_code = not by_pin and verifies(row.first_code, pin)
        now = self._now()
        with self._store.staff_tx():
            row = self._row(staff_id)  # it may have changed while the PIN was checked
            lock = _lock(row)
            closed = row.status != Status.ACTIVE or lock.locked(now)
            if not closed and (by_pin or by_code):
                self._store.staff_save_lock(row.id, 0, 0, None)
                how = "pin" if by_pin else "first_code"
                self._store.audit.append(row.id, "staff.signed_in", row.id, {"with": how})
            elif not closed:
                lock = self._count_failure(row, lock, now, "staff.sign_in_failed")
        if closed:
            self._refuse_if_closed(row, now, "sign_in")
        if by_pin:
            return StaffSession.start(row.id, Text(row.name_km, row.name_en), Role(row.role), now)
        if by_code:
            assert row.first_code is not None
            token = secrets.token_urlsafe(16)
            self._tickets = {  # forget abandoned ones
                k: v for k, v in self._tickets.items() if now - v[2] < IDLE_TIMEOUT
            }
            self._tickets[token] = (row.id, verifier_id(row.first_code), now)
            return FirstSignIn(row.id, Text(row.name_km, row.name_en), token, now)
        self._raise_wrong(row, lock, now)

    def _raise_wrong(self, row: StaffRow, lock: LockState, now: datetime) -> NoReturn:
        if lock.locked(now):
            assert lock.locked_until is not None
            raise AccountLocked(
                f"Staff account {row.id} locked after wrong PINs.",
                until=lock.locked_until,
                minutes=lock.minutes_left(now),
            )
        raise WrongPin(f"Wrong PIN for staff account {row.id}.", left=lock.tries_left())

    def _count_failure(
        self, row: StaffRow, lock: LockState, now: datetime, action: str
    ) -> LockState:
        """One more wrong PIN or code, in the caller's transaction, audited; maybe a lock."""
        new = after_failure(lock, now)
        self._store.staff_save_lock(row.id, new.failures, new.locks, new.locked_until)
        self._store.audit.append(row.id, action, row.id, {"failures": lock.failures + 1})
        if new.locks > lock.locks:
            minutes = int((new.locked_until - now).total_seconds() // 60) if new.locked_until else 0
            self._store.audit.append(
                "kiosk", "staff.locked", row.id, {"lock": new.locks, "minutes": minutes}
            )
        return new

    def finish_first_sign_in(self, ticket: FirstSignIn, new_pin: str, repeat: str) -> StaffSession:
        """Set the PIN chosen after a one-time code; the code is used up. WeakPin, PinFormat,
        PinMismatch (nothing changes; the ticket stays good), SessionExpired (too late)."""
        now = self._now()
        held = self._tickets.get(ticket.token)
        if held is None or held[0] != ticket.staff_id or now - held[2] >= IDLE_TIMEOUT:
            self._tickets.pop(ticket.token, None)
            raise SessionExpired(
                "The first sign-in took too long.", minutes=int(IDLE_TIMEOUT.total_seconds() // 60)
            )
        check_pin(new_pin)
        if new_pin != repeat:
            raise PinMismatch("The two PINs differ.")
        self._refuse_if_closed(self._row(ticket.staff_id), now, "sign_in")
        verifier = make_verifier(new_pin, self._params)
        with self._store.staff_tx():
            row = self._row(ticket.staff_id)
            if row.first_code is None or verifier_id(row.first_code) != held[1]:
                self._tickets.pop(ticket.token, None)
                raise WrongCode(f"The first sign-in code of {row.id} was replaced or used.")
            self._set_secrets(row, pin=verifier, first_code=None, used_code=row.first_code)
            self._store.audit.append(row.id, "staff.pin_set", row.id, {"how": "first_sign_in"})
            self._queue_pin(row.id, row.id, pin=verifier)
        del self._tickets[ticket.token]
        return StaffSession.start(row.id, Text(row.name_km, row.name_en), Role(row.role), now)

    def change_pin(self, session: StaffSession, current: str, new_pin: str, repeat: str) -> None:
        """A signed-in person changes their own PIN (the current one is checked and counted
        like a sign-in)."""
        self.check(session)
        check_pin(new_pin)
        if new_pin != repeat:
            raise PinMismatch("The two PINs differ.")
        row = self._row(session.staff_id)
        if not verifies(row.pin, check_code(current)):
            now = self._now()
            with self._store.staff_tx():
                row = self._row(session.staff_id)
                lock = self._count_failure(row, _lock(row), now, "staff.pin_change_failed")
            if lock.locked(now):
                session.end()
            self._raise_wrong(row, lock, now)
        verifier = make_verifier(new_pin, self._params)
        with self._store.staff_tx():
            self._set_secrets(self._row(row.id), pin=verifier, first_code=None)
            self._store.audit.append(row.id, "staff.pin_set", row.id, {"how": "change"})
            self._queue_pin(row.id, row.id, pin=verifier)

    def _queue_pin(
        self, staff_id: str, by: str, *, pin: str | None = None, first_code: str | None = None
    ) -> None:
        """`reset_pin` for the server: both keys, one of them a verifier (PROTOCOL.md)."""
        detail = {"pin_verifier": pin, "first_code_verifier": first_code}
        self._store.staff_queue_change(staff_id, "reset_pin", by, detail)

    def _set_secrets(
        self,
        row: StaffRow,
        *,
        pin: str | None,
        first_code: str | None,
        used_code: str | None = None,
    ) -> StaffRow:
        used = row.used | {verifier_id(used_code)} if used_code else row.used
        new = replace(row, pin=pin, first_code=first_code, used=used)
        self._store.staff_write(new)
        return new

    # -- sessions ----------------------------------------------------------------------------
    def check(self, session: StaffSession) -> None:
        """The session may go on: not idle too long, the account still active in the same
        role (the roster may have changed it). Touches it; ends it otherwise."""
        now = self._now()
        session.touch(now)
        row = self._store.staff_row(session.staff_id)
        if row is None or row.status != Status.ACTIVE:
            session.end()
            raise AccountDisabled(f"Staff account {session.staff_id} is no longer active.")
        if row.role != session.role:
            session.end()
            raise SessionExpired(
                f"The role of {session.staff_id} changed.", message_key="staff.session_changed"
            )

    def authorise(self, session: StaffSession, action: Action | str) -> None:
        """`check` plus the role's permission: NotAllowed if the role may not do `action`."""
        self.check(session)
        if not session.can(action):
            raise NotAllowed(f"Role {session.role} may not {Action(action)}.")

    def sign_out(self, session: StaffSession, *, reason: str = "user") -> None:
        """End the session (`reason`: "user", "idle", or "assisted": an assisted application
        finished and the PIN is asked again), audited once."""
        if reason not in ("user", "idle", "assisted"):
            raise ValueError(f"unknown sign-out reason {reason!r}")
        session.end()
        if not session.signed_out:
            session.signed_out = True
            self._store.audit.append(
                session.staff_id, "staff.signed_out", session.staff_id, {"reason": reason}
            )

    # -- unlocking ---------------------------------------------------------------------------
    def unlock_with_code(self, staff_id: str, code: str) -> None:
        """Open a locked account with the back office's one-time unlock code (from the
        roster). A wrong code counts like a wrong PIN and can lock it longer (WrongCode)."""
        check_code(code)
        now = self._now()
        row = self._row(staff_id)
        self._refuse_if_closed(row, now, "unlock")
        if not _lock(row).locked(now):
            raise NotLocked(f"Staff account {row.id} is not locked.")
        right = verifies(row.unlock, code)
        with self._store.staff_tx():
            row = self._row(staff_id)
            if right and row.unlock is not None:
                self._store.staff_save_lock(row.id, 0, 0, None)
                self._store.staff_write(
                    replace(row, unlock=None, used=row.used | {verifier_id(row.unlock)})
                )
                self._store.audit.append(row.id, "staff.unlocked", row.id, {"by": "code"})
                self._store.staff_queue_change(row.id, "unlock", row.id, {"how": "code"})
                return
            self._count_failure(row, _lock(row), now, "staff.unlock_code_failed")
        raise WrongCode(f"Wrong unlock code for staff account {row.id}.")

    def unlock(self, session: StaffSession, staff_id: str) -> None:
        """A supervisor opens someone else's locked account."""
        self._target(session, staff_id, Action.UNLOCK, clerks_only=False)
        now = self._now()
        with self._store.staff_tx():
            row = self._row(staff_id)
            if not _lock(row).locked(now) and row.failures == 0:
                raise NotLocked(f"Staff account {row.id} is not locked.")
            self._store.staff_save_lock(row.id, 0, 0, None)
            self._store.audit.append(
                session.staff_id, "staff.unlocked", row.id, {"by": "supervisor"}
            )
            self._store.staff_queue_change(
                row.id, "unlock", session.staff_id, {"how": "supervisor"}
            )

    # -- a supervisor's local changes ---------------------------------------------------------
    def _target(
        self, session: StaffSession, staff_id: str, action: Action, *, clerks_only: bool
    ) -> StaffRow:
        self.authorise(session, action)
        if staff_id == session.staff_id:
            raise NotAllowed("Not on one's own account.", message_key="staff.self_action")
        row = self._row(staff_id)
        if clerks_only and row.role != Role.CLERK:
            raise NotAllowed(f"Staff account {row.id} is not a clerk.")
        return row

    def add_local_clerk(self, session: StaffSession, name: Text) -> tuple[StaffMember, str]:
        """Add a clerk on this kiosk (reported to the server). Returns the account and its
        one-time first sign-in code, to hand to the clerk once; only its verifier is kept."""
        self.authorise(session, Action.MANAGE_LOCAL_CLERKS)
        try:
            clean = check_name({"km": name.km, "en": name.en})
        except RosterRefused as exc:
            raise BadName(f"Bad clerk name: {exc.reason}.") from None
        code = new_code()
        verifier = make_verifier(code, self._params)
        row = StaffRow(
            id=new_id(),
            role=Role.CLERK.value,
            status=Status.ACTIVE.value,
            version=0,
            origin="local",
            name_km=clean.km,
            name_en=clean.en,
            first_code=verifier,
        )
        with self._store.staff_tx():
            self._store.staff_write(row)
            self._store.audit.append(session.staff_id, "staff.added", row.id, {"role": "clerk"})
            self._store.staff_queue_change(
                row.id,
                "add",
                session.staff_id,
                {
                    "name": {"km": clean.km, "en": clean.en},
                    "role": Role.CLERK.value,
                    "first_code_verifier": verifier,
                },
            )
        return _member(row), code

    def disable(self, session: StaffSession, staff_id: str) -> None:
        """Turn a clerk's account off here at once (reported to the server), and remove its
        photo in the same transaction: an account turned off never keeps its face, even when
        the kiosk stops between the two. Turning off one already off removes a photo left."""
        from kiosk.staff import photo

        row = self._target(session, staff_id, Action.MANAGE_LOCAL_CLERKS, clerks_only=True)
        with self._store.staff_tx():
            if row.status != Status.DISABLED:
                row = replace(self._row(staff_id), status=Status.DISABLED.value)
                self._store.staff_write(row)
                self._store.audit.append(session.staff_id, "staff.disabled", staff_id, {})
                self._store.staff_queue_change(staff_id, "disable", session.staff_id, {})
            removed = photo.unassign(self._store, session.staff_id, staff_id)
        if removed:
            photo.sweep(self._store)

    def reset_pin(self, session: StaffSession, staff_id: str) -> str:
        """Forget a clerk's PIN and lock state; returns a new one-time first sign-in code."""
        self._target(session, staff_id, Action.MANAGE_LOCAL_CLERKS, clerks_only=True)
        code = new_code()
        verifier = make_verifier(code, self._params)
        with self._store.staff_tx():
            self._set_secrets(self._row(staff_id), pin=None, first_code=verifier)
            self._store.staff_save_lock(staff_id, 0, 0, None)
            self._store.audit.append(session.staff_id, "staff.pin_reset", staff_id, {})
            self._queue_pin(staff_id, session.staff_id, first_code=verifier)
        return code

    # -- photos on the sign-in cards (kiosk/staff/photo.py) -------------------------------------
    def photos(self, known: frozenset[str] = frozenset()) -> dict[str, tuple[str, bytes | None]]:
        """{staff id: (sha256, JPEG or None when `known` holds that sha)}."""
        from kiosk.staff import photo

        return photo.read_photos(self._store, known)

    def set_photo(self, session: StaffSession, staff_id: str, data: bytes) -> str:
        """A supervisor sets (or replaces) an active account's photo, their own included:
        checked (one face, fair light), stored encrypted, audited. PhotoRefused, NotAllowed."""
        from kiosk.staff import photo

        return photo.set_photo(self, self._store, session, staff_id, data)

    def remove_photo(self, session: StaffSession, staff_id: str) -> bool:
        """A supervisor removes an account's photo (audited); False if it had none."""
        from kiosk.staff import photo

        return photo.remove_photo(self, self._store, session, staff_id)

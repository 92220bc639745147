"""The kiosk's first supervisor, made by the technician's setup when there is nobody to sign in.

`StaffDesk.add_local_clerk` needs a signed-in supervisor; a fresh kiosk has none (and, offline,
no roster either). So setup may create exactly one supervisor, and only while the kiosk has no
active supervisor at all: afterwards this path is closed and accounts are managed by a
supervisor or the ministry. The account is audited (`staff.added`, by "technician") and queued
for the server as an `add` by `technician`, the actor PROTOCOL.md allows for this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.model import new_id
from kiosk.staff.errors import BadName, NotAllowed, PinMismatch, RosterRefused
from kiosk.staff.model import Role, StaffMember, Status
from kiosk.staff.pins import PIN_PARAMS, Argon2Params, check_pin, make_verifier
from kiosk.staff.roster import check_name
from kiosk.store.staff import StaffRow
from kiosk.text import Text

if TYPE_CHECKING:
    from kiosk.store import Store

BY_TECHNICIAN = "technician"  # the `by` of the queued change (sync/server/staff_changes.py)


def has_supervisor(store: Store) -> bool:
    """Whether an active supervisor account exists (from the roster or made here)."""
    return any(
        r.role == Role.SUPERVISOR.value and r.status == Status.ACTIVE.value
        for r in store.staff_rows()
    )


def supervisors(store: Store) -> list[StaffMember]:
    """The active supervisors, for setup's "from the roster" choice."""
    from kiosk.staff.desk import StaffDesk

    return [m for m in StaffDesk(store).members() if m.role is Role.SUPERVISOR]


def check_first_supervisor(name: Text, pin: str, repeat: str) -> Text:
    """The cleaned name, after the checks that need no store (BadName, PinFormat, WeakPin,
    PinMismatch), so a screen can say what is wrong before the slow Argon2id step."""
    try:
        clean = check_name({"km": name.km, "en": name.en})
    except RosterRefused as exc:
        raise BadName(f"Bad supervisor name: {exc.reason}.") from None
    check_pin(pin)
    if pin != repeat:
        raise PinMismatch("The two PINs differ.")
    return clean


def create_first_supervisor(
    store: Store, name: Text, pin: str, repeat: str, *, params: Argon2Params = PIN_PARAMS
) -> StaffMember:
    """Create the kiosk's first supervisor with the PIN chosen at setup. NotAllowed when an
    active supervisor already exists; nothing is written if any check fails."""
    from kiosk.staff.desk import _member

    clean = check_first_supervisor(name, pin, repeat)
    verifier = make_verifier(pin, params)
    row = StaffRow(
        id=new_id(),
        role=Role.SUPERVISOR.value,
        status=Status.ACTIVE.value,
        version=0,
        origin="local",
        name_km=clean.km,
        name_en=clean.en,
        pin=verifier,
    )
    with store.staff_tx():
        if has_supervisor(store):
            raise NotAllowed(
                "This kiosk already has a supervisor; setup cannot add another.",
                message_key="setup.supervisor.exists",
            )
        store.staff_write(row)
        store.audit.append(
            BY_TECHNICIAN, "staff.added", row.id, {"role": "supervisor", "by": "setup"}
        )
        store.staff_queue_change(
            row.id,
            "add",
            BY_TECHNICIAN,
            {
                "name": {"km": clean.km, "en": clean.en},
                "role": Role.SUPERVISOR.value,
                "pin_verifier": verifier,
                "first_code_verifier": None,
            },
        )
    return _member(row)

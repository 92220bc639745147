"""Shared pieces of the staff tests: roster entries as the feed sends them, a desk with cheap
Argon2id parameters (the protocol's floor, ~25 ms a verify instead of ~0.2 s), and a
check that nothing secret or personal reached the audit. (No tests of its own.)"""

from __future__ import annotations

from typing import Any

from kiosk.staff import Argon2Params, StaffDesk, make_verifier
from kiosk.store import Store
from kiosk.store.db import DB_FILE
from tests.core.conftest import ManualClock

CHEAP = Argon2Params(time_cost=2, memory_cost=19 * 1024, parallelism=1)
COMMUNE = "120101"
SUPERVISOR = "0190f0c2-0000-7000-8000-000000000001"
CLERK = "0190f0c2-0000-7000-8000-000000000002"
TECH = "0190f0c2-0000-7000-8000-000000000003"
SUP_PIN, CLERK_PIN, TECH_PIN = "482913", "275046", "913572"
NAMES = {
    SUPERVISOR: {"km": "ស្រី មាលា", "en": "Srey Mealea"},
    CLERK: {"km": "សុខ វិចិត្រ", "en": "Sok Vichet"},
    TECH: {"km": "ហេង សុភា", "en": "Heng Sophea"},
}


def verifier(secret: str) -> str:
    return make_verifier(secret, CHEAP)


def entry(
    staff_id: str,
    *,
    seq: int = 1,
    role: str = "clerk",
    status: str = "active",
    version: int = 1,
    pin: str | None = None,
    first_code: str | None = None,
    unlock: str | None = None,
    commune: str = COMMUNE,
    **overrides: Any,
) -> dict[str, Any]:
    """A `staff` feed entry (sync/PROTOCOL.md "Staff roster"); secrets are given in clear
    and turned into verifiers here."""
    staff: dict[str, Any] = {
        "id": staff_id,
        "name": dict(NAMES.get(staff_id, {"km": "ចាន់ ដារា", "en": "Chan Dara"})),
        "role": role,
        "status": status,
        "pin_verifier": verifier(pin) if pin else None,
        "first_code_verifier": verifier(first_code) if first_code else None,
        "unlock_verifier": verifier(unlock) if unlock else None,
        "version": version,
    }
    staff.update(overrides)
    return {"kind": "staff", "seq": seq, "commune_code": commune, "staff": staff}


def standard_roster(**kw: Any) -> list[dict[str, Any]]:
    """A supervisor, a clerk and a technician, each with a PIN."""
    return [
        entry(SUPERVISOR, seq=1, role="supervisor", pin=SUP_PIN, **kw),
        entry(CLERK, seq=2, pin=CLERK_PIN, **kw),
        entry(TECH, seq=3, role="technician", pin=TECH_PIN, **kw),
    ]


def desk_with_roster(store: Store, clock: ManualClock, **kw: Any) -> StaffDesk:
    store.apply_changes(standard_roster(**kw), "10")
    return StaffDesk(store, clock=clock, params=CHEAP)


def assert_audit_clean(store: Store, *secrets: str) -> None:
    """No audit entry holds a PIN, a code, a verifier or a staff name; and the database file
    holds no name and no verifier in plaintext."""
    conn = store._conn
    rows = conn.execute("SELECT actor, action, subject, details FROM audit").fetchall()
    text = "\n".join("|".join(r) for r in rows)
    banned = [*secrets, "$argon2", *(n for name in NAMES.values() for n in name.values())]
    for word in banned:
        assert word not in text, word
    store.checkpoint()
    raw = (store.data_dir / DB_FILE).read_bytes()
    for word in ["$argon2", *(n for name in NAMES.values() for n in name.values())]:
        assert word.encode() not in raw, word

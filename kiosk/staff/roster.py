"""The staff roster from the change feed (`kind: "staff"`, sync/PROTOCOL.md "Staff roster").

Every entry is checked before any is used: types, lengths, the role and status words, this
kiosk's commune, and verifiers of the expected Argon2id form within bounds. One bad entry
refuses the whole page's roster (all-or-nothing), and the last good roster stays in use: a
half-applied roster could leave a supervisor out or a disabled clerk in. The refusal carries
the entry's seq and the field's path, never its value (it may be a name or a verifier).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.staff.errors import RosterRefused
from kiosk.staff.model import NAME_MAX, Role, Status
from kiosk.staff.pins import verifier_problem
from kiosk.store.cleaning import clean_str
from kiosk.text import Text
from sync import protocol

if TYPE_CHECKING:
    from kiosk.store import Store
    from kiosk.store.staff import StaffChange

KIND = "staff"
VERSION_MAX = 2**53 - 1  # what any JSON reader keeps exact
VERIFIER_FIELDS = ("pin_verifier", "first_code_verifier", "unlock_verifier")


@dataclass(frozen=True)
class RosterEntry:
    """One checked `staff` entry, names cleaned (NFC, no control or zero-width characters)."""

    seq: int
    id: str
    name: Text
    role: Role
    status: Status
    pin_verifier: str | None
    first_code_verifier: str | None
    unlock_verifier: str | None
    version: int


@dataclass(frozen=True)
class RosterResult:
    """What a page did: ids written (newer versions), entries ignored (older or equal)."""

    applied: tuple[str, ...]
    ignored: int


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _canonical_uuid(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def check_name(name: object, *, seq: int | str = "-", path: str = "name") -> Text:
    """A display name `{"km", "en"}`: both strings, non-empty once cleaned, `NAME_MAX` at
    most; cleaned as typed text is (kiosk.store.cleaning), then by the protocol's rule."""

    def bad(field: str, reason: str) -> RosterRefused:
        return RosterRefused(
            f"Staff entry {seq}: {field} {reason}.", seq=seq, field=field, reason=reason
        )

    if not isinstance(name, Mapping):
        raise bad(path, "not_an_object")
    out: dict[str, str] = {}
    for lang in ("km", "en"):
        value = name.get(lang)
        if not isinstance(value, str):
            raise bad(f"{path}.{lang}", "not_a_string")
        if len(value) > 4 * NAME_MAX:
            raise bad(f"{path}.{lang}", "too_long")
        cleaned = " ".join(clean_str(value).split())  # no zero-width or control characters
        if not cleaned:
            raise bad(f"{path}.{lang}", "empty")
        if len(cleaned) > NAME_MAX:
            raise bad(f"{path}.{lang}", "too_long")
        try:  # the server's own rule, so a name made here is one it accepts
            out[lang] = protocol.clean_staff_name(cleaned)
        except ValueError:
            raise bad(f"{path}.{lang}", "invalid") from None
    return Text(km=out["km"], en=out["en"])


def parse_entry(entry: object, commune_code: str) -> RosterEntry:
    """Check one feed entry; RosterRefused names the first bad field (`staff.role`, ...)."""
    seq: int | str = "-"
    if isinstance(entry, Mapping) and _is_int(entry.get("seq")):
        seq = entry["seq"]

    def bad(field: str, reason: str) -> RosterRefused:
        return RosterRefused(
            f"Staff entry {seq}: {field} {reason}.", seq=seq, field=field, reason=reason
        )

    if not isinstance(entry, Mapping):
        raise bad("entry", "not_an_object")
    if entry.get("kind") != KIND:
        raise bad("kind", "not_staff")
    if not _is_int(entry.get("seq")) or entry["seq"] < 0:
        raise bad("seq", "not_a_count")
    if entry.get("commune_code") != commune_code:
        raise bad("commune_code", "other_commune")
    staff = entry.get("staff")
    if not isinstance(staff, Mapping):
        raise bad("staff", "not_an_object")
    if not _canonical_uuid(staff.get("id")):
        raise bad("staff.id", "not_a_uuid")
    name = check_name(staff.get("name"), seq=seq, path="staff.name")
    try:
        role = Role(str(staff.get("role")))
    except ValueError:
        raise bad("staff.role", "unknown_role") from None
    try:
        status = Status(str(staff.get("status")))
    except ValueError:
        raise bad("staff.status", "unknown_status") from None
    verifiers: dict[str, str | None] = {}
    for key in VERIFIER_FIELDS:
        value = staff.get(key)
        if value is not None:
            problem = verifier_problem(value)
            if problem is not None:
                raise bad(f"staff.{key}", problem)
        verifiers[key] = value
    version = staff.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad("staff.version", "not_a_version")
    if not 1 <= version <= VERSION_MAX:
        raise bad("staff.version", "not_a_version")
    return RosterEntry(
        seq=entry["seq"],
        id=staff["id"],
        name=name,
        role=role,
        status=status,
        pin_verifier=verifiers["pin_verifier"],
        first_code_verifier=verifiers["first_code_verifier"],
        unlock_verifier=verifiers["unlock_verifier"],
        version=version,
    )


def parse_page(entries: Iterable[object], commune_code: str) -> list[RosterEntry]:
    """Every entry checked, or RosterRefused for the first bad one (nothing is applied).
    Several entries for one person keep only the highest version."""
    best: dict[str, RosterEntry] = {}
    for raw in entries:
        entry = parse_entry(raw, commune_code)
        held = best.get(entry.id)
        if held is None or entry.version > held.version:
            best[entry.id] = entry
    return list(best.values())


def apply_roster(store: Store, entries: list[dict[str, Any]]) -> RosterResult:
    """Apply `staff` entries outside the feed (a snapshot, the technician's setup): all or
    nothing, in one store transaction, audited. RosterRefused when any entry is bad."""
    return store.apply_staff_entries(entries)


def changes_body(changes: Iterable[StaffChange]) -> dict[str, Any]:
    """The body of `POST /v1/staff-changes` for queued local changes (the server takes each
    change id once, so a batch whose answer was lost is simply sent again)."""
    return {
        "changes": [
            {
                "id": c.id,
                "staff_id": c.staff_id,
                "action": c.action,
                "by": c.by,
                "at": c.at,
                "detail": c.detail,
            }
            for c in changes
        ]
    }

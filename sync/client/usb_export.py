"""`sala export --to DIR`: every registration the server has not acknowledged, as one bundle.

The bundle (sync/protocol/usb.py) holds the commit bodies as `push` would send them (the server
fills in the upload paths), their media, the queued staff changes, the audit entries past the
server's last acknowledged head and the feed cursor; it is encrypted to the ministry's USB key
and signed with the device key. Free space is checked first; the file is written to a hidden
temp name, fsynced, then renamed, so a stick pulled mid-write holds no bundle at all, never a
half one (and a half one would fail its signed hash anyway).

Who exports is checked here, not only on the screen: a signed-in staff member (`by`, their
`StaffSession`) must hold `usb_export` (supervisors and technicians; a clerk is refused) and is
the audit entry's actor with their role. `by=None` is the machine's own technician (`sala export`
at the shell, the technician screen reached with a setup code), recorded as "technician".

Nothing leaves the outbox: the registrations are only noted as carried (setting `usb.carried`,
`{registration id: bundle id}`; no schema change) until a return bundle or the network brings
their receipts. Sending them online meanwhile is harmless: the server answers the same
registration id and content with its original receipt.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.model import utc_now
from kiosk.update.cli import installed_version
from sync import protocol
from sync.client import device_key, usb_key
from sync.client.audit_push import SENT_SETTING, wire_entry
from sync.client.enrol import Identity, load_identity
from sync.client.push import claim_fields, commit_body, flagged
from sync.client.usb_key import UsbError
from sync.client.usb_writer import encrypted_body, write_bundle
from sync.protocol import usb as fmt

if TYPE_CHECKING:
    from kiosk.staff import StaffSession

log = logging.getLogger(__name__)

CARRIED_SETTING = "usb.carried"  # {registration id: bundle id}: on a stick, not yet receipted
EXPORTS_SETTING = "usb.exports"  # the last exports: [{"bundle_id", "at", "file", "count"}]
FREE_MARGIN = 1024 * 1024  # bytes left free on the stick beyond the bundle
AUDIT_MAX = 1000  # entries per bundle, the server's batch limit
STAFF_MAX = 100
TECHNICIAN = "technician"  # the audit's actor when nobody is signed in (the CLI, a setup code)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    bundle_id: str
    registrations: int
    media: int
    size: int


def read_only(folder: Path) -> bool:
    """A stick mounted read-only (or a folder this user cannot write)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)
    except OSError:
        return False  # gone: the write says so


def identity_or_fail(data_dir: Path) -> Identity:
    identity = load_identity(Path(data_dir))
    if identity is None:
        raise UsbError("This kiosk is not enrolled.", key="usb.error.not_enrolled")
    return identity


def collect(store: Any, device_id: str) -> dict[str, Any]:
    """The index of everything unacknowledged (its media are read later, one at a time);
    flagged registrations (a clerk must look at them first) stay out, as they do online."""
    skip = flagged(store)
    regs = [i.registration for i in store.outbox(limit=1_000_000) if i.registration.id not in skip]
    items: list[dict[str, Any]] = []
    media: list[dict[str, Any]] = []
    seen: set[str] = set()
    for reg in regs:
        known = {}
        for a in reg.attachments:
            sha = a.media.sha256
            state = store.upload_state(reg.id, sha)
            if state is not None and state.url:
                known[sha] = state.url  # the server finishes this upload instead of a new one
            if sha not in seen:
                seen.add(sha)
                media.append({"sha256": sha, "size": a.media.size, "mime": a.media.mime})
        empty = {a.media.sha256: "" for a in reg.attachments}  # the server fills them in
        body = commit_body(reg, empty, **claim_fields(store, reg.id))  # as push sends it
        items.append({"id": reg.id, "body": body, "uploads": known})
    index: dict[str, Any] = {"registrations": items, "media": media}
    index["feed_cursor"] = store.feed_cursor()
    pending = store.staff_changes_pending(limit=STAFF_MAX)
    if pending:
        from kiosk.staff import changes_body

        index["staff_changes"] = changes_body(pending)["changes"]
    index["audit"] = _audit(store, device_id)
    index["app_version"] = installed_version()  # the ministry sends a release only if other
    return index


def _audit(store: Any, device_id: str) -> list[dict[str, Any]]:
    """Entries past the head the server acknowledged to this device (all of them when it never
    did: the server takes entries it holds again if they are identical)."""
    sent = store.get_setting(SENT_SETTING) or {}
    head = int(sent.get("seq") or 0) if sent.get("device_id") == device_id else 0
    return [wire_entry(link) for link in store.audit.after(head, limit=AUDIT_MAX)]


def export(
    store: Any,
    data_dir: Path,
    to: Path,
    *,
    by: StaffSession | None = None,
    on_chunk: Callable[[int], None] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> ExportResult:
    """Write the bundle into directory `to` (the mounted stick); UsbError says why not, and
    then nothing on the kiosk changed. `by`: the signed-in staff member exporting (see the
    module docstring); NotAllowed / SessionExpired / AccountDisabled (kiosk.staff) before
    anything is read when they may not."""
    actor = _actor(store, by)
    to = Path(to)
    if not to.is_dir():
        raise UsbError(f"{to} is not a folder (is the stick mounted?)", key="usb.error.no_stick")
    identity = identity_or_fail(data_dir)
    recipient = usb_key.public_key(data_dir, identity.server_public_key, stick=to)
    key = device_key.load(Path(data_dir))
    index = collect(store, identity.device_id)
    if not index["registrations"] and not index.get("staff_changes"):  # the audit alone: no
        raise UsbError("Nothing is waiting to be sent.", key="usb.error.nothing")
    now = protocol.format_date(clock())
    manifest = fmt.new_manifest(fmt.KIND_EXPORT, identity.device_id, identity.commune_code, now)
    files = len(index["media"])
    manifest["counts"] = {"registrations": len(index["registrations"]), "media": files}
    bundle_id = str(manifest["bundle_id"])
    name = f"sala-{identity.device_id[:8]}-{now[:10]}-{bundle_id[:8]}{fmt.EXPORT_SUFFIX}"
    with encrypted_body(Path(data_dir), index, store.read_media, recipient) as (enc, body):
        manifest["enc"] = enc
        head = fmt.header(manifest, body.size, body.sha256, key)
        size = len(head) + body.size
        if read_only(to):  # said before "full": a locked stick also reports little room
            raise UsbError(f"{to} is read-only.", key="usb.error.read_only")
        free = shutil.disk_usage(to).free
        if free < size + FREE_MARGIN:
            need = (size + FREE_MARGIN) // (1024 * 1024) + 1
            raise UsbError(
                f"The stick has {free} bytes free; the bundle needs {size}.",
                key="usb.error.no_space",
                mb=need,
            )
        write_bundle(to / name, [head, *body.chunks()], size=size, on_chunk=on_chunk)
    carried = dict(store.get_setting(CARRIED_SETTING) or {})
    carried.update({item["id"]: bundle_id for item in index["registrations"]})
    store.set_setting(CARRIED_SETTING, carried)
    count = len(index["registrations"])
    record = {"bundle_id": bundle_id, "at": now, "file": name, "count": count}
    store.set_setting(
        EXPORTS_SETTING, [*list(store.get_setting(EXPORTS_SETTING) or [])[-9:], record]
    )
    details = {"registrations": count, "media": files, "role": actor[1]}
    audit_entry(store, "usb.exported", bundle_id, details, actor=actor[0])
    log.info("usb: exported %d registrations, %d files, %d bytes", count, files, size)
    return ExportResult(to / name, bundle_id, count, files, size)


def _actor(store: Any, by: StaffSession | None) -> tuple[str, str]:
    """(actor, role) for the audit, once `by` may export: the session not ended, the account
    still active in that role (the roster may have changed it), the role's permission. Its
    idle clock is the screen's (the journey's), so it is neither read nor touched here."""
    if by is None:
        return TECHNICIAN, TECHNICIAN
    from kiosk.staff import IDLE_TIMEOUT, Action, NotAllowed, SessionExpired, StaffDesk
    from kiosk.staff.model import role_can

    if by.ended:
        raise SessionExpired("The staff session ended.", minutes=IDLE_TIMEOUT.seconds // 60)
    member = StaffDesk(store).member(by.staff_id)  # UnknownStaff when gone
    if not member.active or member.role != by.role or not role_can(by.role, Action.USB_EXPORT):
        raise NotAllowed(f"Staff {by.staff_id} ({by.role}) may not export to USB.")
    return by.staff_id, str(by.role)


def audit_entry(
    store: Any, action: str, subject: str, details: dict[str, Any], *, actor: str = ""
) -> None:
    """Ids and counts only (the audit reaches the server); `actor` the staff id, else the
    machine's technician."""
    store.audit.append(actor or TECHNICIAN, action, subject, details)

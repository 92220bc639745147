"""`sala import RETURN_BUNDLE`: apply what the ministry sent back on the stick.

Checked first, nothing changed on refusal: the file's framing and hash, kind `return`, meant for
this device and commune, signed by the server key pinned at enrolment. Then the same steps as
the network: each receipt verified and stored with `store.mark_accepted` (as `push` does), a
refused registration flagged like a network 409, staff changes marked sent, the audit head
noted, catalogs installed by `pull.install_catalog`, and the feed entries applied with their
cursor by `store.apply_changes` (entries at or below the kiosk's cursor are skipped, and a
cursor never goes back, so a return bundle older than the last online pull does nothing twice).
Applied bundle ids are kept (`usb.returns`): a second import says so and changes nothing.
The bundle's signed time counts as a server contact for release freshness, and a release in it
goes to the updater as a downloaded one does (`usb_release.receive`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.model import utc_now
from kiosk.store.errors import StoreError
from kiosk.update.spool import note_contact, note_offer
from sync import protocol
from sync.client import usb_key
from sync.client.api import Refused
from sync.client.audit_push import SENT_SETTING
from sync.client.pull import GAZETTEER_VERSION_SETTING, install_catalog
from sync.client.push import problem_key
from sync.client.usb_export import CARRIED_SETTING, audit_entry, identity_or_fail
from sync.client.usb_key import UsbError
from sync.protocol import usb as fmt

log = logging.getLogger(__name__)
RETURNS_SETTING = "usb.returns"  # ids of return bundles already applied (the last 50)


@dataclass
class ReturnResult:
    bundle_id: str
    already: bool = False
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    changes: int = 0
    release: str | None = None  # the version handed to the updater
    release_refused: str | None = None  # why a release in the bundle was not
    skipped: list[UsbError] = field(default_factory=list)  # other bundles refused (a folder)


class _Answer:
    """A catalog body from the bundle, answered where `install_catalog` would fetch it."""

    def __init__(self, body: str | None) -> None:
        self.status_code = 200 if body is not None else 404
        self.content = (body or "").encode("utf-8")
        self.text = body or ""

    def json(self) -> Any:
        return {"error": "not_in_bundle", "message": "The catalog is not in this bundle."}


class _BundleDocuments:
    """Serves `GET <url>` from the return bundle's `documents`, so catalogs are installed by
    the same code as online (`pull.install_catalog`)."""

    def __init__(self, documents: dict[str, str]) -> None:
        self.documents = documents

    def request(self, method: str, path: str, **_: Any) -> _Answer:
        return _Answer(self.documents.get(path) if method == "GET" else None)


def read(data_dir: Path, blob: bytes) -> tuple[dict[str, Any], dict[str, Any], dict[str, bytes]]:
    """(manifest, index, files by sha256) of a return bundle meant for this kiosk; UsbError
    otherwise."""
    identity = identity_or_fail(data_dir)
    try:
        parsed = fmt.parse(blob)
        if parsed.manifest.get("kind") != fmt.KIND_RETURN:
            raise fmt.BundleError("wrong_kind", "This is a kiosk's export, not a return bundle.")
        if parsed.manifest.get("device_id") != identity.device_id:
            raise UsbError(
                f"This return bundle is for device {parsed.manifest.get('device_id')}, "
                f"not this kiosk ({identity.device_id}).",
                key="usb.error.wrong_device",
            )
        if parsed.manifest.get("commune_code") != identity.commune_code:
            raise UsbError(
                f"This return bundle is for commune {parsed.manifest.get('commune_code')}.",
                key="usb.error.wrong_commune",
            )
        fmt.check_signature(parsed, identity.server_public_key)
        index, files = fmt.unpack_payload(parsed.body)
    except fmt.BundleError as exc:
        raise UsbError.from_bundle(exc) from exc
    return parsed.manifest, index, files


def _receipts(store: Any, server_key: str, index: dict[str, Any], result: ReturnResult) -> None:
    for item in index.get("receipts") or []:
        receipt, signature = item.get("receipt"), str(item.get("signature"))
        if not isinstance(receipt, dict) or not protocol.verify_receipt(
            server_key, receipt, signature
        ):
            raise UsbError(
                "A receipt is not signed by the ministry server.", key="usb.error.bad_signature"
            )
    for item in index.get("receipts") or []:
        reg_id = str(item["registration_id"])
        try:
            store.mark_accepted(
                reg_id, {"receipt": item["receipt"], "signature": item["signature"]}
            )
            result.accepted.append(reg_id)
        except StoreError as exc:  # purged or unknown here: nothing left to acknowledge
            log.info("usb: receipt for %s not applied: %s", reg_id, type(exc).__name__)
    for item in index.get("refused") or []:
        reg_id, code = str(item.get("registration_id")), str(item.get("error") or "refused")
        message = f"USB import refused: {code}: {item.get('message')}"
        try:
            store.record_sync_error(reg_id, message)
            if code == protocol.ERR_APP_NUMBER_TAKEN:  # as online: a number of its own, resent
                store.renumber(reg_id)
            else:  # as a network refusal: set aside for a clerk
                store.mark_problem(reg_id, *problem_key(Refused(message, status=409, code=code)))
        except StoreError:
            continue
        result.refused.append(reg_id)


def _feed(store: Any, data_dir: Path, index: dict[str, Any]) -> int:
    docs = _BundleDocuments(index.get("documents") or {})
    snap = index.get("snapshot")
    if isinstance(snap, dict):  # the kiosk's cursor was older than the server keeps
        changes = [{"kind": "status", **s} for s in snap.get("statuses") or []]
        changes += [
            {"kind": "staff", "seq": 0, "commune_code": store.commune_code, "staff": row}
            for row in snap.get("staff") or []
        ]
        nxt = str(snap["next"])
    else:
        changes, nxt = list(index.get("changes") or []), str(index.get("next") or "0")
    current = int(store.feed_cursor() or 0)
    if int(nxt) <= current:
        return 0  # the kiosk already pulled past this bundle online
    changes = [c for c in changes if isinstance(snap, dict) or int(c.get("seq", 0)) > current]
    for change in changes:
        if change.get("kind") == "catalog" and change.get("version"):
            url = change.get("url") or f"/v1/catalog/{change['version']}"
            install_catalog(store, docs, str(change["version"]), str(url), data_dir)  # type: ignore[arg-type]
        elif change.get("kind") == "gazetteer" and change.get("version"):
            store.set_setting(GAZETTEER_VERSION_SETTING, str(change["version"]))
        elif change.get("kind") == protocol.RELEASE_KIND and isinstance(
            change.get("manifest"), dict
        ):
            note_offer(data_dir, protocol.canonical_json(change["manifest"]))  # as pull does
    store.apply_changes(changes, nxt)
    return len(changes)


def apply_return(
    store: Any, data_dir: Path, blob: bytes, *, clock: Callable[[], datetime] = utc_now
) -> ReturnResult:
    """Apply a return bundle's contents (see the module docstring); UsbError if refused.
    `clock` is the kiosk's (a technician's deferral of a release is in its time)."""
    manifest, index, files = read(data_dir, blob)
    identity = identity_or_fail(data_dir)
    result = ReturnResult(str(manifest["bundle_id"]))
    done = list(store.get_setting(RETURNS_SETTING) or [])
    if result.bundle_id in done:
        result.already = True
        return result
    _contact(data_dir, manifest)
    _receipts(store, identity.server_public_key, index, result)
    sent = [str(r.get("id")) for r in index.get("staff_results") or [] if r.get("id")]
    if sent:
        store.mark_staff_changes_sent(sent)
    head = index.get("audit_head")
    if isinstance(head, dict) and isinstance(head.get("head_seq"), int):
        mark = {"device_id": identity.device_id, "seq": head["head_seq"], "hash": head["head_hash"]}
        store.set_setting(SENT_SETTING, mark)
    result.changes = _feed(store, data_dir, index)
    if index.get("usb_key"):
        try:
            usb_key.save(data_dir, index["usb_key"], identity.server_public_key)
        except UsbError as exc:
            log.warning("usb: key in the return bundle refused: %s", exc.message)
    if isinstance(index.get("release"), dict):
        _release(data_dir, index["release"], files, result, clock())
    carried = dict(store.get_setting(CARRIED_SETTING) or {})
    for reg_id in result.accepted:
        carried.pop(reg_id, None)
    store.set_setting(CARRIED_SETTING, carried)
    store.set_setting(RETURNS_SETTING, [*done, result.bundle_id][-50:])
    audit_entry(
        store,
        "usb.return_applied",
        result.bundle_id,
        {
            "accepted": len(result.accepted),
            "refused": len(result.refused),
            "changes": result.changes,
            "release": result.release or result.release_refused,
        },
    )
    return result


def _contact(data_dir: Path, manifest: dict[str, Any]) -> None:
    """The server signed this bundle's `created_at`: release freshness counts from it, as from
    a feed request (`spool.note_contact` only ever moves forward, so an old bundle does not)."""
    try:
        note_contact(data_dir, protocol.parse_date(str(manifest.get("created_at"))))
    except (ValueError, OSError) as exc:
        log.warning("usb: contact time not noted: %s", exc)


def _release(
    data_dir: Path,
    entry: dict[str, Any],
    files: dict[str, bytes],
    result: ReturnResult,
    now: datetime,
) -> None:
    """Hand a release in the bundle to the updater; its refusal never undoes the import."""
    from sync.client.usb_release import receive

    outcome = receive(data_dir, entry, files, now=now)
    if outcome.state == "requested":
        result.release = outcome.version
    elif outcome.state in ("refused", "bad_release", "no_space"):
        result.release_refused = outcome.reason or outcome.state


def import_file(store: Any, data_dir: Path, path: Path) -> ReturnResult:
    """Apply one return bundle file, or, for a folder (the stick), every return bundle in it
    addressed to this kiosk, oldest first (those applied before are skipped: `already`)."""
    path = Path(path)
    if path.is_dir():
        return _import_folder(store, data_dir, path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise UsbError(f"Cannot read {path}: {exc}", key="usb.error.unreadable") from exc
    return apply_return(store, data_dir, blob)


def returns_on(folder: Path, device_id: str) -> list[Path]:
    """This kiosk's return bundles in `folder` (by the name the server gives), oldest first by
    the time the server wrote them (a copy from stick to stick changes the files' mtimes)."""
    found = Path(folder).glob(f"sala-return-{device_id[:8]}-*{fmt.RETURN_SUFFIX}")
    return sorted(found, key=lambda p: (_created(p), p.name))


def _created(path: Path) -> str:
    try:
        with path.open("rb") as f:
            return str(fmt.peek_manifest(f.read(fmt.PEEK_BYTES)).get("created_at", ""))
    except (OSError, fmt.BundleError):
        return ""  # unreadable or damaged: first, so its refusal is said before anything


def _import_folder(store: Any, data_dir: Path, folder: Path) -> ReturnResult:
    """Every return bundle for this kiosk, oldest first: each one's receipts are applied and
    its feed only past the cursor, so the result is the newest one's, and none twice. A
    refused one (damaged, another commune) does not stop the others; it is in `skipped`, and
    raised when none went in. When
    there is none by name, a return bundle for another kiosk on the stick is read anyway, to
    say why it is refused (another kiosk or commune, damaged) rather than "none found"."""
    files = returns_on(folder, identity_or_fail(data_dir).device_id)
    if not files:
        others = sorted(p for p in Path(folder).glob(f"*{fmt.RETURN_SUFFIX}")
                        if not p.name.startswith("."))  # fmt: skip
        if not others:
            raise UsbError(
                f"No return bundle for this kiosk in {folder}.", key="usb.error.no_return"
            )
        files = others[-1:]
    total = ReturnResult(bundle_id="", already=True)
    went_in = False
    for file in files:
        try:
            one = import_file(store, data_dir, file)
        except UsbError as exc:  # a damaged or foreign one: the others still go in
            log.warning("usb: %s refused: %s", file.name, exc.message)
            total.skipped.append(exc)
            continue
        went_in = True
        total.bundle_id = total.bundle_id or one.bundle_id
        total.already = total.already and one.already
        total.accepted += [i for i in one.accepted if i not in total.accepted]
        total.refused += [i for i in one.refused if i not in total.refused]
        total.changes += one.changes
        total.release = one.release or total.release
        total.release_refused = one.release_refused or total.release_refused
    if not went_in:
        raise total.skipped[0]
    return total

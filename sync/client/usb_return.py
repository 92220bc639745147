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
A stick is someone else's: its files are opened through `kiosk.usb_sticks` (regular files only,
never waiting on a FIFO or reading a device, at most `RETURN_MAX_BYTES`), as this runs on the
db worker. The bundle is read as a stream (`usb_reader.BundleReader`): header and signature,
then one pass over the whole body that checks everything and keeps nothing (a damaged bundle is
refused before anything in it is used), then the index, and a release's .deb streamed from the
bundle into the updater's file: about one segment plus the index is held, never the bundle.
"""

from __future__ import annotations

import io
import logging
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from kiosk.model import utc_now
from kiosk.store.errors import StoreError
from kiosk.update.manifest import UpdateRefused
from kiosk.update.spool import note_contact, note_offer
from kiosk.usb_sticks import open_stick_file, read_stick_head
from sync import protocol
from sync.client import usb_key
from sync.client.api import Refused
from sync.client.audit_push import SENT_SETTING
from sync.client.pull import GAZETTEER_VERSION_SETTING, install_catalog
from sync.client.push import problem_key
from sync.client.usb_export import CARRIED_SETTING, audit_entry, identity_or_fail
from sync.client.usb_key import UsbError
from sync.protocol import usb as fmt
from sync.protocol.usb_reader import BundleReader

log = logging.getLogger(__name__)
RETURNS_SETTING = "usb.returns"  # ids of return bundles already applied (the last 50)
# A return bundle is receipts, feed entries, catalogs and at most one release (.deb ~105 MB):
# anything larger is not one, and is refused before it is read.
RETURN_MAX_BYTES = 512 * 1024 * 1024


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


def _open(source: Path | bytes) -> BundleReader:
    """The bundle as a reader: a file opened as a stick's (`open_return_file`), or bytes."""
    try:
        return BundleReader(
            io.BytesIO(source) if isinstance(source, bytes) else open_return_file(source)
        )
    except fmt.BundleError as exc:
        raise UsbError.from_bundle(exc) from exc
    except OSError as exc:  # the stick was pulled
        raise UsbError(f"Cannot read the bundle: {exc}", key="usb.error.unreadable") from exc


def read(data_dir: Path, reader: BundleReader) -> tuple[dict[str, Any], dict[str, Any]]:
    """(manifest, index) of a return bundle meant for this kiosk, its body read through once
    and checked whole (hashes, index, every file) before anything in it is used; UsbError
    otherwise."""
    identity = identity_or_fail(data_dir)
    manifest = reader.manifest
    try:
        if manifest.get("kind") != fmt.KIND_RETURN:
            raise fmt.BundleError("wrong_kind", "This is a kiosk's export, not a return bundle.")
        if manifest.get("device_id") != identity.device_id:
            raise UsbError(
                f"This return bundle is for device {manifest.get('device_id')}, "
                f"not this kiosk ({identity.device_id}).",
                key="usb.error.wrong_device",
            )
        if manifest.get("commune_code") != identity.commune_code:
            raise UsbError(
                f"This return bundle is for commune {manifest.get('commune_code')}.",
                key="usb.error.wrong_commune",
            )
        fmt.check_signature(reader.header, identity.server_public_key)
        reader.verify(limit=0)  # every file hashed in pieces: nothing held
        index = reader.payload().index()
    except fmt.BundleError as exc:
        raise UsbError.from_bundle(exc) from exc
    except OSError as exc:  # the stick was pulled while it was read
        raise UsbError(f"Cannot read the bundle: {exc}", key="usb.error.unreadable") from exc
    return manifest, index


def _deb_writer(reader: BundleReader, sha256: str) -> Callable[[BinaryIO], None]:
    """Writes the file `sha256` of the bundle into an open file, a piece at a time, read again
    (and checked again) from the stick: for `usb_release.receive`, which checks the release's
    signature first and its .deb after. A bundle that no longer reads as it did is
    UpdateRefused("unreadable"); a failed write (the kiosk's disk) stays an OSError."""

    def write(out: BinaryIO) -> None:
        failed = False

        def put(piece: memoryview) -> None:
            nonlocal failed
            try:
                out.write(piece)
            except OSError:
                failed = True
                raise

        try:
            for _item, _data in reader.payload().media(
                0, lambda item: put if item.get("sha256") == sha256 else None
            ):
                pass
        except fmt.BundleError as exc:
            raise UpdateRefused("unreadable", exc.message) from exc
        except OSError as exc:
            if failed:
                raise
            raise UpdateRefused("unreadable", str(exc)) from exc

    return write


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
    store: Any, data_dir: Path, source: Path | bytes, *, clock: Callable[[], datetime] = utc_now
) -> ReturnResult:
    """Apply a return bundle's contents (see the module docstring), from its file on a stick
    (read as a stream) or its bytes; UsbError if refused. `clock` is the kiosk's (a
    technician's deferral of a release is in its time)."""
    with _open(source) as reader:
        return _apply(store, data_dir, reader, clock)


def _apply(
    store: Any, data_dir: Path, reader: BundleReader, clock: Callable[[], datetime]
) -> ReturnResult:
    manifest, index = read(data_dir, reader)
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
        _release(data_dir, index, reader, result, clock())
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
    index: dict[str, Any],
    reader: BundleReader,
    result: ReturnResult,
    now: datetime,
) -> None:
    """Hand a release in the bundle to the updater, its .deb streamed from the bundle (once
    the updater has checked its signed manifest); its refusal never undoes the import."""
    from sync.client.usb_release import receive

    shas = {str(m.get("sha256")) for m in index.get("media") or [] if isinstance(m, dict)}
    files = {sha: _deb_writer(reader, sha) for sha in shas}
    outcome = receive(data_dir, index["release"], files, now=now)
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
    return apply_return(store, data_dir, path)


def open_return_file(path: Path) -> BinaryIO:
    """A return bundle file on a stick, opened through the one stick reader (regular files
    only, size-capped, never blocking on a FIFO or reading /dev/zero for ever: this runs on
    the db worker); UsbError in the technician's words otherwise. The caller closes it."""
    opened = open_stick_file(path, RETURN_MAX_BYTES)
    if opened is not None:
        return opened
    try:
        info = path.stat()  # only to say why: a stat never blocks, even on a FIFO
    except OSError as exc:
        raise UsbError(f"Cannot read {path}: {exc}", key="usb.error.unreadable") from exc
    if not stat.S_ISREG(info.st_mode):
        raise UsbError(f"{path} is not a regular file.", key="usb.error.not_a_bundle")
    if info.st_size > RETURN_MAX_BYTES:
        raise UsbError(
            f"{path} is {info.st_size} bytes, over the {RETURN_MAX_BYTES} a return bundle has.",
            key="usb.error.too_large",
            mb=RETURN_MAX_BYTES // (1024 * 1024),
        )
    raise UsbError(f"Cannot read {path}.", key="usb.error.unreadable")


def returns_on(folder: Path, device_id: str) -> list[Path]:
    """This kiosk's return bundles in `folder` (by the name the server gives), oldest first by
    the time the server wrote them (a copy from stick to stick changes the files' mtimes)."""
    found = Path(folder).glob(f"sala-return-{device_id[:8]}-*{fmt.RETURN_SUFFIX}")
    return sorted(found, key=lambda p: (_created(p), p.name))


def _created(path: Path) -> str:
    head = read_stick_head(path, fmt.PEEK_BYTES)  # a FIFO or a device is never opened to wait
    try:
        return str(fmt.peek_manifest(head).get("created_at", "")) if head else ""
    except fmt.BundleError:
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

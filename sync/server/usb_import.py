"""`sala server import BUNDLE`: take a kiosk's USB bundle, write the signed return bundle.

Every registration goes through `registrations.commit`, the network commit itself, and every
file through the tus module's own creation and append (`uploads._create`/`_append`, which dedup
by device and SHA-256 and fsync before they count), so the rules and the idempotency are the
network's: the same id and content answers the original receipt (importing twice changes
nothing), other content is refused as `conflict` and reported back for a supervisor. Staff
changes and audit entries go through `staff_changes.apply_changes` and `audit_upload.upload`.

The ministry's USB key is an X25519 key in the server data dir (`usb-key.pem`, 0600, made on
first use); kiosks get it as a certificate signed by the server's receipt key, which they pinned
at enrolment: in the answer to `POST /v1/device-report`, in every return bundle, or from
`sala server usb-key --out DIR` on a stick.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError
from sqlalchemy import select

from sync import protocol as p
from sync.protocol import usb as fmt
from sync.protocol.usb_reader import BundleReader
from sync.server import audit_upload, db, feed, registrations, staff_changes, uploads
from sync.server.auth import Device
from sync.server.context import Context
from sync.server.durable import fsync_dir, write_atomic
from sync.server.errors import ApiError, json_body

USB_KEY_FILE = "usb-key.pem"
FEED_PAGE = 1000
CHUNK = 1024 * 1024  # a release's .deb is read and written in pieces of this size
_certificates: dict[Path, dict[str, Any]] = {}
_key_lock = threading.Lock()


def usb_key(ctx: Context) -> X25519PrivateKey:
    """The key in the data dir, made on first use. Made under a lock and put in place with a
    hard link (which fails if the file exists), so two first uses at once, even the server and
    a CLI, end with one key: kiosks must never encrypt to a key that was then overwritten."""
    path = ctx.config.data_dir / USB_KEY_FILE
    with _key_lock:
        if not path.exists():
            key = X25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            tmp = path.with_name(f".{USB_KEY_FILE}.{uuid.uuid4().hex}")
            write_atomic(tmp, pem, mode=0o600)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first: use that one
            finally:
                tmp.unlink()
        found = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(found, X25519PrivateKey):
        raise ValueError(f"{path} is not an X25519 key")
    return found


def key_certificate(ctx: Context) -> dict[str, Any]:
    """The USB public key signed by the receipt key (cached per data dir and key)."""
    public = fmt.x25519_public_b64(usb_key(ctx))
    cached = _certificates.get(ctx.config.data_dir)
    if cached is None or cached["key"]["public_key"] != public:
        made = (ctx.config.data_dir / USB_KEY_FILE).stat().st_mtime  # stable across restarts
        cached = fmt.key_certificate(
            ctx.key, public, p.format_date(datetime.fromtimestamp(made, UTC))
        )
        _certificates[ctx.config.data_dir] = cached
    return cached


def _now_text() -> str:
    return p.format_date(datetime.fromtimestamp(db.now(), UTC))


@dataclass
class ImportResult:
    bundle_id: str
    device_id: str
    created: list[str] = field(default_factory=list)  # newly received registration ids
    repeated: list[str] = field(default_factory=list)  # already held with the same content
    refused: list[dict[str, Any]] = field(default_factory=list)
    staff: int = 0
    audit_stored: int = 0
    release: str | None = None  # the version whose .deb went into the return bundle
    return_path: Path | None = None


def _device(ctx: Context, device_id: str) -> tuple[Device, str]:
    with db.reading(ctx.engine) as conn:
        row = conn.execute(select(db.devices).where(db.devices.c.id == device_id)).first()
    if row is None:
        raise fmt.BundleError("unknown_device", f"Device {device_id} is not enrolled here.")
    if row.revoked_at is not None:
        raise fmt.BundleError("device_revoked", f"Device {device_id} was revoked.")
    return Device(row.id, row.commune_code, row.kiosk_number), str(row.public_key)


def open_export(ctx: Context, reader: BundleReader) -> tuple[Device, X25519PrivateKey]:
    """(the sending device, the key that opens it) once every check passed: the manifest and
    its signature before anything of the body is read, then the whole body once (segment tags,
    body hash, index, every file's hash) keeping nothing; BundleError if not."""
    manifest = reader.manifest
    if manifest.get("kind") != fmt.KIND_EXPORT:
        raise fmt.BundleError("wrong_kind", "This is a return bundle; give it to the kiosk.")
    device, public_key = _device(ctx, str(manifest.get("device_id")))
    fmt.check_signature(reader.header, public_key)
    if not re.match(registrations.UUID_PATTERN, str(manifest.get("bundle_id"))):
        # it names the return bundle's file and the console's audit rows: a UUID, checked
        # before anything is committed (a kiosk makes one with uuid4)
        raise fmt.BundleError("tampered", "The bundle's id is not a UUID.")
    if manifest.get("commune_code") != device.commune_code:
        raise fmt.BundleError(
            "wrong_commune",
            f"The bundle says commune {manifest.get('commune_code')}, the device is enrolled "
            f"for {device.commune_code}.",
        )
    if not isinstance(manifest.get("enc"), dict):
        raise fmt.BundleError("tampered", "An export bundle must be encrypted.")
    key = usb_key(ctx)
    reader.verify(key, ctx.config.max_upload)
    return device, key


def _upload_path(
    ctx: Context, device: Device, reg_id: str, sha: str, data: bytes, known: str | None
) -> str:
    """The upload that holds this file for this device: the kiosk's own half-sent upload
    finished with the rest of the bytes, or tus creation-with-upload (which reuses a complete
    upload of the same file), so a later network commit of the same record names the same one."""
    if len(data) > ctx.config.max_upload:
        raise ApiError(413, "too_large", f"A file of {len(data)} bytes is over the upload limit.")
    upload_id = (known or "").rsplit("/", 1)[-1]
    if known and known.startswith("/v1/uploads/"):
        try:
            row = uploads._load(ctx.engine, upload_id, device.id)
            if row.sha256 == sha and row.length == len(data) and row.status in ("open", "complete"):
                offset = uploads._append(
                    ctx, upload_id, device.id, int(row.offset), data[row.offset :]
                )
                if offset == len(data):
                    return known
        except ApiError:
            pass  # expired, deleted or failed: a new upload below
    new_id, offset = uploads._create(ctx, device.id, sha, len(data), reg_id, data)
    if offset != len(data):
        raise ApiError(409, "upload_failed", f"File {sha[:12]}… was not stored.")
    return f"/v1/uploads/{new_id}"


Stored = dict[tuple[str, str], str | ApiError]  # (registration, sha256) → its upload


def _wanted(items: Any) -> dict[str, list[tuple[str, str | None]]]:
    """For each file, the registrations that list it with the kiosk's own upload of it, if
    any. Entries `_commit_one` will refuse before any upload (no UUID, malformed) are left out,
    as the one-at-a-time import stored nothing for them either."""
    wanted: dict[str, list[tuple[str, str | None]]] = {}
    for item in items if isinstance(items, list) else []:
        try:
            reg_id = str(item["id"])
            if not re.match(registrations.UUID_PATTERN, reg_id):
                continue
            known = item.get("uploads") or {}
            listed = item["body"].get("attachments") or []
            for sha in dict.fromkeys(str(a["sha256"]) for a in listed):
                wanted.setdefault(sha, []).append((reg_id, known.get(sha)))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return wanted


def _store_media(
    ctx: Context,
    device: Device,
    items: Any,
    media: Iterator[tuple[dict[str, Any], bytes | None]],
) -> Stored:
    """Each file of the bundle into the upload store as it is decrypted, one at a time (the
    largest file is what the import holds), for every registration that lists it; a file no
    registration lists is read past. An upload refused for one registration refuses that one."""
    wanted = _wanted(items)
    stored: Stored = {}
    for entry, data in media:
        sha = str(entry["sha256"])
        for reg_id, known in wanted.pop(sha, []):
            try:
                if data is None:  # over the upload limit: never held (`fmt.PayloadReader.media`)
                    why = f"A file of {entry['size']} bytes is over the upload limit."
                    raise ApiError(413, "too_large", why)
                stored[(reg_id, sha)] = _upload_path(ctx, device, reg_id, sha, data, known)
            except ApiError as exc:
                stored[(reg_id, sha)] = exc
        del data
    return stored


def _commit_one(
    ctx: Context, device: Device, item: dict[str, Any], stored: Stored
) -> dict[str, Any]:
    reg_id = str(item["id"])
    body = dict(item["body"])
    if not re.match(registrations.UUID_PATTERN, reg_id):
        raise ApiError(422, "invalid_request", "The registration id is not a UUID.")
    attachments = []
    paths: dict[str, str] = {}
    for att in body.get("attachments") or []:
        sha = str(att["sha256"])
        if sha not in paths:
            found = stored.get((reg_id, sha))
            if found is None:
                raise ApiError(409, p.ERR_ATTACHMENTS_MISSING, f"File {sha[:12]}… is not in it.")
            if isinstance(found, ApiError):
                raise found
            paths[sha] = found
        attachments.append({**att, "upload": paths[sha]})
    body["attachments"] = attachments
    try:
        registrations.CommitIn.model_validate(body)
        doc = json_body(p.canonical_json(body))  # what the API hashes: NaN etc. refused
    except (ValidationError, ValueError) as exc:
        raise ApiError(422, "invalid_request", f"Not a valid commit body: {exc}") from exc
    status, answer = registrations.commit(ctx, device, reg_id, doc)
    return {"registration_id": reg_id, "status": status, **answer, "uploads": paths}


def _feed_for(ctx: Context, device: Device, since: str | None) -> dict[str, Any]:
    """The feed entries the kiosk would pull (all pages), or the snapshot if its cursor is old."""
    try:
        cursor = p.parse_uint(since) if since else 0
        changes: list[dict[str, Any]] = []
        while True:
            page = feed.read_changes(ctx.engine, device, cursor, FEED_PAGE)
            changes += page["changes"]
            cursor = int(page["next"])
            if not page["more"]:
                return {"changes": changes, "next": page["next"]}
    except (ApiError, ValueError):
        return {"snapshot": feed.snapshot(ctx.engine, device)}


def _documents(ctx: Context, changes: list[dict[str, Any]]) -> dict[str, str]:
    """Bodies of the catalogs the entries announce (the kiosk cannot fetch them by URL)."""
    from sync.server import catalog

    out: dict[str, str] = {}
    with db.reading(ctx.engine) as conn:
        for ch in changes:
            if ch.get("kind") == "catalog" and ch.get("version"):
                body = catalog.fetch(conn, "catalog", str(ch["version"]))
                if body is not None:
                    out[f"/v1/catalog/{ch['version']}"] = body
    return out


def import_bundle(ctx: Context, path: Path) -> tuple[ImportResult, Iterator[bytes]]:
    """Commit everything in the bundle file; returns what happened and the return bundle's
    bytes in pieces (`fmt.sealed`). The bundle is checked whole first (`open_export`), then
    read again with its files stored one at a time, then its registrations committed in
    order: memory is about a segment plus the largest file, whatever the bundle's size."""
    with BundleReader(path) as reader:
        device, key = open_export(ctx, reader)
        payload = reader.payload(key)
        index = payload.index()
        files = payload.media(ctx.config.max_upload)
        stored = _store_media(ctx, device, index.get("registrations"), files)
    result = ImportResult(str(reader.manifest["bundle_id"]), device.id)
    receipts = []
    for item in index.get("registrations") or []:
        try:
            done = _commit_one(ctx, device, item, stored)
        except ApiError as exc:
            result.refused.append(
                {"registration_id": str(item.get("id")), "error": exc.code, "message": exc.message}
            )
            continue
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a malformed item
            why = f"Not a valid registration entry: {type(exc).__name__}"
            rid = str(item.get("id")) if isinstance(item, dict) else "?"
            result.refused.append(
                {"registration_id": rid, "error": "invalid_request", "message": why}
            )
            continue
        (result.created if done.pop("status") == 201 else result.repeated).append(
            done["registration_id"]
        )
        receipts.append(done)
    back: dict[str, Any] = {"receipts": receipts, "refused": result.refused}
    staff = index.get("staff_changes") or []
    if staff:
        try:
            back["staff_results"] = staff_changes.apply_changes(ctx.engine, device, staff)[
                "results"
            ]
            result.staff = len(staff)
        except ApiError as exc:  # all or nothing, as online; the kiosk sends them again later
            back["staff_refused"] = {"error": exc.code, "message": exc.message, **exc.extra}
    audit = index.get("audit") or []
    if audit:
        try:
            head = audit_upload.upload(ctx.engine, device, audit)
            result.audit_stored = int(head.get("stored", 0))
            back["audit_head"] = head
        except ApiError as exc:
            back["audit_refused"] = {"error": exc.code, **exc.extra}
    pulled = _feed_for(ctx, device, index.get("feed_cursor"))
    back.update(pulled)
    back["documents"] = _documents(ctx, pulled.get("changes") or [])
    back["usb_key"] = key_certificate(ctx)
    deb: Path | None = None
    found = release_for(ctx.config.data_dir, index.get("app_version"))
    if found is not None:
        entry, deb = found
        back["release"] = entry
        back["media"] = [
            {"sha256": entry["sha256"], "size": entry["size"], "mime": fmt.RELEASE_MIME}
        ]
        result.release = str(entry["version"])
    out = fmt.new_manifest(fmt.KIND_RETURN, device.id, device.commune_code, _now_text())
    out["reply_to"] = result.bundle_id
    out["counts"] = {"receipts": len(receipts), "refused": len(result.refused)}
    return result, fmt.sealed(out, lambda: _return_payload(back, deb), ctx.key)


def _return_payload(back: dict[str, Any], deb: Path | None) -> Iterator[bytes]:
    """The return bundle's payload: its index, then the release's .deb read from its file."""
    yield fmt.payload_head(back)
    if deb is not None:
        with deb.open("rb") as f:
            while piece := f.read(CHUNK):
                yield piece


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while piece := f.read(CHUNK):
            digest.update(piece)
    return digest.hexdigest()


def release_for(data_dir: Path, kiosk_version: Any) -> tuple[dict[str, Any], Path] | None:
    """The newest published release (`releases.publish`, by its signed `issued_at`) and its
    .deb's path (size and hash checked, the file not held), unless the kiosk said it runs
    that version. The server holds no release key and does not order Debian versions: the
    kiosk verifies the manifest and refuses a rollback itself."""
    from sync.server.releases import RELEASES_DIR

    best: tuple[str, str, dict[str, Any], Path] | None = None
    root = Path(data_dir) / RELEASES_DIR
    for path in sorted(root.glob("*/manifest.json")) if root.is_dir() else []:
        try:
            document = json.loads(path.read_bytes())
            manifest = document["manifest"]
            key = (str(manifest["issued_at"]), str(manifest["version"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if best is None or key > best[:2]:
            best = (*key, document, path.parent)
    if best is None or best[1] == kiosk_version:
        return None
    _, version, document, folder = best
    info = document["manifest"]["deb"]
    deb = folder / str(info["file"])
    try:
        size = deb.stat().st_size
        if size != info.get("size") or _file_sha256(deb) != info.get("sha256"):
            return None  # the stored copy is not the signed one: the kiosk would refuse it
    except OSError:
        return None
    entry = {"version": version, "manifest": document, "file": info["file"],
             "size": size, "sha256": info["sha256"]}  # fmt: skip
    return entry, deb


def import_file(ctx: Context, path: Path, out_dir: Path | None = None) -> ImportResult:
    """`import_bundle` on a file; the return bundle goes durably next to it (or to out_dir):
    written in pieces to a temp file, fsynced, renamed (the old file or the new, never half)."""
    result, back = import_bundle(ctx, Path(path))
    target = Path(out_dir or Path(path).parent)
    name = f"sala-return-{result.device_id[:8]}-{result.bundle_id[:8]}{fmt.RETURN_SUFFIX}"
    final = target / name
    tmp = final.with_name(f".{name}.{os.urandom(4).hex()}.tmp")
    try:
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "wb") as f:
            for piece in back:
                f.write(piece)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target)
    result.return_path = final
    return result

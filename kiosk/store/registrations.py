"""Rows <-> `Registration`: answer cleaning, answer encryption, attachment rows.

Answers are stored as AES-GCM(answers key, canonical JSON) with the registration id as
associated data, so a ciphertext copied onto another row does not decrypt.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.model import Attachment, MediaRef, Registration, ServerStatus, State
from kiosk.overrides import check_override_details, check_reason
from kiosk.store.cleaning import clean_value
from kiosk.store.crypto import open_sealed, seal
from kiosk.store.errors import StoreCorrupt
from sync.protocol import canonical_json, canonical_text

REG_COLUMNS = (
    "seq, id, service_id, form_version, state, locale, commune_code, created_at, updated_at, "
    "answers, app_number, submitted_at, fee_khr, server_status, status_note, status_at, "
    "server_receipt, last_sync_error"
)


def clean_answers(answers: dict[str, Any]) -> dict[str, Any]:
    cleaned = clean_value(answers)
    assert isinstance(cleaned, dict)
    return cleaned


def encrypt_answers(aead: AESGCM, reg_id: str, answers: dict[str, Any]) -> bytes:
    return seal(aead, canonical_json(answers), reg_id.encode("ascii"))


def decrypt_answers(aead: AESGCM, reg_id: str, blob: bytes | None) -> dict[str, Any]:
    if blob is None:
        return {}
    try:
        data = open_sealed(aead, blob, reg_id.encode("ascii"))
    except InvalidTag:
        raise StoreCorrupt(
            f"The answers of registration {reg_id} cannot be decrypted: the "
            "row was altered or the data key is not this kiosk's."
        ) from None
    try:
        result: dict[str, Any] = json.loads(data)
    except ValueError:
        raise StoreCorrupt(f"The answers of registration {reg_id} are not readable JSON.") from None
    return result


def submission_sha256(answers: dict[str, Any], attachments: Sequence[Attachment]) -> str:
    """SHA-256 of what the citizen submitted at this kiosk: the cleaned answers and each
    attachment's (field, page, kind, media hash). Kept in the tombstone after purge, in the
    `content_sha256` column (its name since schema v1). Not the server's `commit_body_sha256`,
    which hashes the whole commit body."""
    body = {
        "answers": answers,
        "attachments": sorted([a.field_id, a.page, a.kind, a.media.sha256] for a in attachments),
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def write_attachments(
    conn: sqlite3.Connection, reg_id: str, attachments: Iterable[Attachment]
) -> None:
    """Replace the registration's attachment rows. A clerk override in `checks` must give a
    reason code (kiosk.overrides): these checks are kept in plaintext."""
    attachments = list(attachments)
    for a in attachments:
        override = a.checks.get("override") if isinstance(a.checks, dict) else None
        if isinstance(override, dict):
            check_override_details(override)
        elif override is not None:
            check_reason(override)
    conn.execute("DELETE FROM attachments WHERE registration_id = ?", (reg_id,))
    conn.executemany(
        "INSERT OR REPLACE INTO attachments (registration_id, field_id, page, kind, sha256, "
        "size, mime, checks) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                reg_id,
                a.field_id,
                a.page,
                a.kind,
                a.media.sha256,
                a.media.size,
                a.media.mime,
                canonical_text(a.checks),
            )
            for a in attachments
        ],
    )


def load_attachments(
    conn: sqlite3.Connection, reg_ids: Sequence[str]
) -> dict[str, list[Attachment]]:
    out: dict[str, list[Attachment]] = {rid: [] for rid in reg_ids}
    if not reg_ids:
        return out
    marks = ",".join("?" * len(reg_ids))
    rows = conn.execute(
        "SELECT registration_id, field_id, page, kind, sha256, size, mime, checks "
        f"FROM attachments WHERE registration_id IN ({marks}) "
        "ORDER BY registration_id, field_id, page",
        tuple(reg_ids),
    )
    for rid, fid, page, kind, sha, size, mime, checks in rows:
        out[rid].append(
            Attachment(
                field_id=fid,
                kind=kind,
                page=page,
                media=MediaRef(sha256=sha, size=size, mime=mime),
                checks=json.loads(checks),
            )
        )
    return out


def rows_to_registrations(
    conn: sqlite3.Connection,
    aead: AESGCM,
    rows: Sequence[Sequence[Any]],
    damaged: list[tuple[str, str]] | None = None,
) -> list[Registration]:
    """Registrations (answers decrypted, attachments loaded) from REG_COLUMNS rows.

    A row that does not decode (a flipped bit in its answers, a mangled date) is left out and
    named in `damaged` as (id, why): one bad row must not stop the queue, search or sync.
    Without a `damaged` list the first bad row raises StoreCorrupt."""
    atts = load_attachments(conn, [r[1] for r in rows])
    out = []
    for r in rows:
        try:
            out.append(_row_to_registration(r, aead, atts[r[1]]))
        except (StoreCorrupt, ValueError, TypeError, KeyError) as exc:
            if damaged is None:
                if isinstance(exc, StoreCorrupt):
                    raise
                raise StoreCorrupt(f"Registration {r[1]} is damaged: {exc}") from exc
            damaged.append((str(r[1]), str(exc)))
    return out


def _row_to_registration(
    r: Sequence[Any], aead: AESGCM, attachments: list[Attachment]
) -> Registration:
    (
        _seq,
        rid,
        service_id,
        form_version,
        state,
        locale,
        commune,
        created,
        updated,
        answers,
        app_number,
        submitted,
        fee,
        server_status,
        note,
        status_at,
        receipt,
        sync_err,
    ) = r
    return Registration(
        id=rid,
        service_id=service_id,
        form_version=form_version,
        state=State(state),
        locale=locale,
        commune_code=commune,
        created_at=datetime.fromisoformat(created),
        updated_at=datetime.fromisoformat(updated),
        answers=decrypt_answers(aead, rid, answers),
        attachments=attachments,
        app_number=app_number,
        submitted_at=_dt(submitted),
        fee_khr=fee,
        server_status=_status(server_status),
        status_note=note,
        status_at=_dt(status_at),
        server_receipt=json.loads(receipt) if receipt else None,
        last_sync_error=sync_err,
    )


def _status(value: str | None) -> ServerStatus | None:
    if value is None:
        return None
    try:
        return ServerStatus(value)
    except ValueError:
        return None  # a status a newer server knows and this kiosk does not: shown as unknown

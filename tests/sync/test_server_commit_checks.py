"""Capture checks travel with each attachment (PROTOCOL.md "Commit": `checks`): the server keeps
them in the stored body for the officer's page and the override flags, refuses an oversized
one, and a kiosk upgraded after committing without them (its answer lost on a cut link) gets
its original receipt when it re-sends the commit with them, code or not. Real server processes
on SQLite and PostgreSQL; no kiosk code."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from tests.sync.conftest import Kiosk, ServerProcess, registration_doc

CHECKS = {"sharpness": {"value": 212.4, "min": 80.0}, "override": {"reason": "glasses_glare"}}


@pytest.fixture(scope="module")
def kiosk(backend_server: ServerProcess) -> Any:
    k = Kiosk(backend_server).enrol()
    yield k
    k.close()


def _doc(kiosk: Kiosk, **extra: Any) -> dict[str, Any]:
    photo = uuid.uuid4().bytes * 64
    return registration_doc(kiosk, [(photo, kiosk.upload(photo))], **extra)


def _with_checks(doc: dict[str, Any], checks: Any = CHECKS) -> dict[str, Any]:
    return {**doc, "attachments": [{**a, "checks": checks} for a in doc["attachments"]]}


def _stored(server: ServerProcess, reg_id: str) -> dict[str, Any]:
    with server.engine() as engine, engine.connect() as conn:
        body = conn.execute(
            text("SELECT body FROM registrations WHERE id = :id"), {"id": reg_id}
        ).scalar_one()
    return dict(json.loads(body))


def test_checks_are_kept_with_the_commit(backend_server: ServerProcess, kiosk: Kiosk) -> None:
    reg_id = str(uuid.uuid4())
    sent = kiosk.commit(reg_id, _with_checks(_doc(kiosk)))
    assert sent.status_code == 201, sent.text
    assert _stored(backend_server, reg_id)["attachments"][0]["checks"] == CHECKS


def test_an_oversized_checks_object_is_refused(kiosk: Kiosk) -> None:
    big = {f"m{i}": "x" * 100 for i in range(50)}  # > 4096 characters of JSON
    refused = kiosk.commit(str(uuid.uuid4()), _with_checks(_doc(kiosk), big))
    assert refused.status_code == 422, refused.text


@pytest.mark.parametrize("code", [None, "HJKM34"])
def test_an_upgraded_kiosk_resending_with_checks_gets_its_receipt(
    backend_server: ServerProcess, kiosk: Kiosk, code: str | None
) -> None:
    old = _doc(kiosk, **({"verification_code": code} if code else {}))
    reg_id = str(uuid.uuid4())
    first = kiosk.commit(reg_id, old)
    assert first.status_code == 201, first.text

    resent = kiosk.commit(reg_id, _with_checks(old))
    assert resent.status_code == 200, resent.text
    assert resent.json()["receipt"] == first.json()["receipt"]
    assert "checks" not in _stored(backend_server, reg_id)["attachments"][0]  # nothing rewritten

    edited = _with_checks({**old, "answers": {"name_km": "other"}})
    assert kiosk.commit(reg_id, edited).status_code == 409  # other content is still other

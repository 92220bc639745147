"""Issue 13: a commit carries its receipt's verification code, so the partner API can say
`genuine`. A kiosk upgraded after committing without a code re-sends the same commit with it
(its answer was lost): it gets the original receipt and the code is kept, once. Real server
processes on SQLite and PostgreSQL; no kiosk code."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.sync.conftest import Kiosk, ServerProcess, registration_doc
from tests.sync.test_server_partner import ID_CARD, check, make_key


@pytest.fixture(scope="module")
def world(backend_server: ServerProcess) -> Any:
    kiosk = Kiosk(backend_server).enrol()
    key, _ = make_key(backend_server, "--ministry", "interior")
    yield kiosk, key
    kiosk.close()


def result(server: ServerProcess, key: str, doc: dict[str, Any], code: str) -> str:
    r = check(server, key, doc["app_number"], code)
    assert r.status_code == 200, r.text
    return str(r.json()["result"])


def test_a_commit_with_its_code_is_checked_genuine_and_a_wrong_code_is_not(
    backend_server: ServerProcess, world: tuple[Kiosk, str]
) -> None:
    kiosk, key = world
    doc = registration_doc(kiosk, service=ID_CARD, verification_code="K7MP3Q")
    reg_id = str(uuid.uuid4())
    first = kiosk.commit(reg_id, doc)
    assert first.status_code == 201, first.text
    assert result(backend_server, key, doc, "k7mp3q") == "genuine"
    assert result(backend_server, key, doc, "K7MP3R") == "not_genuine"
    again = kiosk.commit(reg_id, doc)  # a plain retry: the original receipt
    assert again.status_code == 200 and again.json()["receipt"] == first.json()["receipt"]

    changed = kiosk.commit(reg_id, {**doc, "verification_code": "K7MP3R"})
    assert changed.status_code == 409 and changed.json()["error"] == "conflict"
    without = kiosk.commit(reg_id, {k: v for k, v in doc.items() if k != "verification_code"})
    assert without.status_code == 409  # the held commit has a code: this is other content
    assert result(backend_server, key, doc, "K7MP3Q") == "genuine"  # nothing was overwritten


def test_an_upgraded_kiosk_resending_an_old_commit_gets_its_receipt_and_the_code_is_kept(
    backend_server: ServerProcess, world: tuple[Kiosk, str]
) -> None:
    kiosk, key = world
    old = registration_doc(kiosk, service=ID_CARD)  # before the upgrade: no code
    reg_id = str(uuid.uuid4())
    first = kiosk.commit(reg_id, old)
    assert first.status_code == 201, first.text
    assert result(backend_server, key, old, "HJKM34") == "unverifiable"

    new = {**old, "verification_code": "HJKM34"}
    resent = kiosk.commit(reg_id, new)
    assert resent.status_code == 200, resent.text
    assert resent.json()["receipt"] == first.json()["receipt"]  # content_sha256 the first one's
    assert resent.json()["signature"] == first.json()["signature"]
    assert result(backend_server, key, old, "hjkm34") == "genuine"
    assert result(backend_server, key, old, "HJKM39") == "not_genuine"

    assert kiosk.commit(reg_id, new).status_code == 200  # its answer lost again: still 200
    assert kiosk.commit(reg_id, old).status_code == 200  # a kiosk not yet upgraded: as before
    other = kiosk.commit(reg_id, {**old, "verification_code": "CDEF67"})
    assert other.status_code == 409 and other.json()["error"] == "conflict"
    edited = kiosk.commit(reg_id, {**new, "answers": {"name_km": "other"}})
    assert edited.status_code == 409  # other content with a code is still other content
    assert result(backend_server, key, old, "HJKM34") == "genuine"  # the first code stays


def test_two_resends_with_different_codes_at_once_record_one(
    backend_server: ServerProcess, world: tuple[Kiosk, str]
) -> None:
    kiosk, key = world
    old = registration_doc(kiosk, service=ID_CARD)
    reg_id = str(uuid.uuid4())
    assert kiosk.commit(reg_id, old).status_code == 201
    codes = ["AAAA33", "CCCC44", "DDDD66", "EEEE77"]
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(lambda c: kiosk.commit(reg_id, {**old, "verification_code": c}), codes)
        )
    statuses = [r.status_code for r in answers]
    assert sorted(statuses) == [200, 409, 409, 409], statuses
    kept = codes[statuses.index(200)]
    assert [result(backend_server, key, old, c) for c in codes] == [
        "genuine" if c == kept else "not_genuine" for c in codes
    ]


@pytest.mark.parametrize("code", ["abc123", "K7M", "K7MP3Q-1", "K" * 17, 123456, ""])
def test_a_malformed_code_is_refused_and_nothing_is_stored(
    backend_server: ServerProcess, world: tuple[Kiosk, str], code: object
) -> None:
    kiosk, _ = world
    doc = registration_doc(kiosk, service=ID_CARD, verification_code=code)
    reg_id = str(uuid.uuid4())
    r = kiosk.commit(reg_id, doc)
    assert r.status_code == 422 and r.json()["error"] == "invalid_request", r.text
    good = kiosk.commit(reg_id, {**doc, "verification_code": "K7MP3Q"})
    assert good.status_code == 201, good.text  # the refused one left nothing behind


def test_the_commit_schema_documents_the_code(backend_server: ServerProcess) -> None:
    spec = httpx.get(f"{backend_server.url}/openapi.json").json()
    field = spec["components"]["schemas"]["CommitIn"]["properties"]["verification_code"]
    patterns = [field.get("pattern")] + [a.get("pattern") for a in field.get("anyOf", [])]
    assert "^[0-9A-Z]{4,16}$" in patterns

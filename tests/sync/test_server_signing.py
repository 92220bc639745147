"""Issue 10 items 9 and 13: numbers in ASCII digits only, and signatures that cover tus headers.

`since=²` and `Upload-Length: ²` got a 500 (str.isdigit() accepts superscripts, int() does
not), and Arabic-Indic digits were read as numbers. And the device signature covered no
headers: an in-path rewrite of Upload-Length or Upload-Metadata on a signed POST was accepted.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sync import protocol as p
from tests.sync.conftest import Kiosk, ServerProcess

NOT_ASCII = ["²", "٣", "١٠", "３", "𝟗", "+5", "-1", "1_0", " ", "5 5", "9" * 19]


def test_parse_uint_takes_ascii_digits_only() -> None:
    assert p.parse_uint("0") == 0 and p.parse_uint(" 42\t") == 42
    for text in [*NOT_ASCII, "", None]:
        with pytest.raises(ValueError):
            p.parse_uint(text)


@pytest.mark.parametrize("since", NOT_ASCII)
def test_a_cursor_in_other_digits_is_refused_not_a_500(server: ServerProcess, since: str) -> None:
    kiosk = Kiosk(server).enrol()
    target = "/v1/changes?" + httpx.QueryParams({"since": since}).__str__()
    r = kiosk.request("GET", target)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "bad_cursor" and "Retry-After" not in r.headers


@pytest.mark.parametrize("value", ["²", "١٠", "٣", "1e3"])
def test_tus_numbers_in_other_digits_are_refused(server: ServerProcess, value: str) -> None:
    kiosk = Kiosk(server).enrol()
    data = b"0123456789"
    r = kiosk.create_upload(data, length=None)
    assert r.status_code == 201, r.text
    meta = p.encode_tus_metadata({"sha256": hashlib.sha256(data).hexdigest()})
    headers = {"Tus-Resumable": "1.0.0", "Upload-Length": value, "Upload-Metadata": meta}
    created = kiosk.request("POST", "/v1/uploads", headers=_latin1(headers))
    assert created.status_code == 400, created.text
    assert created.json()["error"] == "bad_header"
    chunk = {"Content-Type": p.TUS_CONTENT_TYPE, "Upload-Offset": value, "Tus-Resumable": "1.0.0"}
    patched = kiosk.request("PATCH", r.headers["Location"], data, headers=_latin1(chunk))
    assert patched.status_code == 400 and patched.json()["error"] == "bad_header"
    assert "Traceback" not in server.log_tail()


def _latin1(headers: dict[str, str]) -> dict[str, Any]:
    """Non-ASCII values as raw bytes: latin-1 where it can (`²` is byte 0xB2, which the server
    reads back as "²"), else UTF-8 (which it reads as other latin-1 characters)."""

    def raw(v: str) -> bytes:
        try:
            return v.encode("latin-1")
        except UnicodeEncodeError:
            return v.encode()

    return {k: v if v.isascii() else raw(v) for k, v in headers.items()}


def _tampering(kiosk: Kiosk, change: Callable[[httpx.Request], None]) -> None:
    """Rewrite requests after they were signed, like something in the path would."""
    kiosk.http = httpx.Client(base_url=kiosk.server.url, event_hooks={"request": [change]})


def _uploads(kiosk: Kiosk) -> int:
    """How many uploads this device has on the server (a rewritten POST must add none)."""
    with sqlite3.connect(kiosk.server.data_dir / "server.db") as db:
        sql = "SELECT count(*) FROM uploads WHERE device_id = ?"
        n = int(db.execute(sql, (kiosk.device_id,)).fetchone()[0])
    db.close()
    return n


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda r: r.headers.__setitem__("Upload-Length", "11"),
        lambda r: r.headers.__setitem__(
            "Upload-Metadata", p.encode_tus_metadata({"sha256": "b" * 64})
        ),
        lambda r: r.headers.__setitem__("Upload-Checksum", p.tus_checksum_header(b"other")),
        lambda r: r.headers.__setitem__("Upload-Offset", "0"),  # added where there was none
    ],
    ids=["length", "metadata", "checksum", "added-offset"],
)
def test_a_rewritten_tus_header_breaks_the_signature(
    server: ServerProcess, rewrite: Callable[[httpx.Request], None]
) -> None:
    kiosk = Kiosk(server).enrol()
    data = os.urandom(10)
    _tampering(kiosk, rewrite)
    r = kiosk.create_upload(data, first=data)
    assert r.status_code == 401, r.text
    assert r.json()["error"] == "bad_signature"
    assert _uploads(kiosk) == 0


def test_a_rewritten_patch_offset_breaks_the_signature(server: ServerProcess) -> None:
    kiosk = Kiosk(server).enrol()
    data = os.urandom(100)
    location = kiosk.create_upload(data, first=data[:50]).headers["Location"]
    _tampering(kiosk, lambda r: r.headers.__setitem__("Upload-Offset", "40"))
    r = kiosk.patch(location, 50, data[50:])
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"


def test_a_repeated_header_breaks_the_signature(server: ServerProcess) -> None:
    kiosk = Kiosk(server).enrol()
    data = os.urandom(10)
    sha = hashlib.sha256(data).hexdigest()
    headers = {
        "Tus-Resumable": "1.0.0",
        "Upload-Length": "10",
        "Upload-Metadata": p.encode_tus_metadata({"sha256": sha}),
    }
    signed = p.sign_request(kiosk.key, kiosk.device_id, "POST", "/v1/uploads", headers=headers)
    raw = [*headers.items(), *signed.items(), ("Upload-Length", "5")]
    r = kiosk.http.post("/v1/uploads", headers=raw)
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"


def test_version_1_signatures_still_work_where_they_cover_everything(
    server: ServerProcess,
) -> None:
    kiosk = Kiosk(server).enrol()
    v1 = p.sign_request(kiosk.key, kiosk.device_id, "GET", "/v1/changes", version=1)
    assert p.HDR_SIGNATURE_VERSION not in v1
    assert kiosk.http.get("/v1/changes", headers=v1).status_code == 200
    headers = _tus_post_headers(b"abc")
    v1 = p.sign_request(kiosk.key, kiosk.device_id, "POST", "/v1/uploads", version=1)
    r = kiosk.http.post("/v1/uploads", headers={**headers, **v1})
    assert r.status_code == 401, r.text
    assert r.json()["error"] == p.ERR_SIGNATURE_VERSION
    assert "Upload-Length".lower() in r.json()["message"]
    bad = p.sign_request(kiosk.key, kiosk.device_id, "GET", "/v1/changes")
    bad[p.HDR_SIGNATURE_VERSION] = "3"
    r = kiosk.http.get("/v1/changes", headers=bad)
    assert r.status_code == 401 and r.json()["error"] == p.ERR_SIGNATURE_VERSION


def _tus_post_headers(data: bytes) -> dict[str, str]:
    meta = p.encode_tus_metadata({"sha256": hashlib.sha256(data).hexdigest()})
    return {"Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": meta}


def test_version_1_on_uploads_until_the_configured_date(make_server: Any) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    for until, status in ((tomorrow, 201), (yesterday, 401)):
        srv = make_server("--accept-v1-tus-until", until)
        kiosk = Kiosk(srv).enrol()
        v1 = p.sign_request(kiosk.key, kiosk.device_id, "POST", "/v1/uploads", version=1)
        r = kiosk.http.post("/v1/uploads", headers={**_tus_post_headers(b"abc"), **v1})
        assert r.status_code == status, (until, r.text)
        srv.stop()

"""The USB bundle upload page against a real `sala-server`: a kiosk's bundle (built with
`sync.protocol.usb` and the test kiosk's key, as tests/sync/test_server_usb_import.py does: no
kiosk code) is uploaded as a multipart form, imported through the network's commit path, and
its counts shown; the signed return bundle downloads; a second upload says it was imported
before; bad bundles, other communes and missing CSRF tokens change nothing.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sync.protocol import usb as fmt
from tests.console.conftest import Console, png, sign_in_http
from tests.console.seed import audit, csrf_of, db
from tests.sync.conftest import Kiosk, registration_doc
from tests.sync.test_server_usb_import import make_bundle

SERVICE = ("birth_certificate_copy", "1")


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("usb_root", role="admin", ministry="*", jurisdiction="all")
    console.add_account("usb_far", role="supervisor", ministry="interior", jurisdiction="08")
    kiosk = Kiosk(console.server, label="Chbar Ampov hall").enrol(commune="120101")
    clients = {name: sign_in_http(console, name) for name in ("usb_root", "usb_far")}
    for c in clients.values():
        c.cookies.set("sala_lang", "en", path="/console")
    yield {"kiosk": kiosk, **clients}
    for c in clients.values():
        c.close()
    kiosk.close()


def upload(c: httpx.Client, blob: bytes, csrf: str | None = None) -> httpx.Response:
    token = csrf_of(c) if csrf is None else csrf
    files = {"bundle": ("k.salabundle", blob, "application/octet-stream")}
    return c.post("/console/usb", data={"csrf": token}, files=files)


def count(page: str, which: str) -> int:
    found = re.search(rf'<dd class="n-{which}">(\d+)</dd>', page)
    assert found, page[-1500:]
    return int(found.group(1))


def held(console: Console, reg_id: str) -> bool:
    with db(console) as conn:
        return bool(conn.execute("SELECT 1 FROM registrations WHERE id = ?", (reg_id,)).fetchone())


def test_upload_import_download_and_a_second_upload(console: Console, world: Any) -> None:
    kiosk, root = world["kiosk"], world["usb_root"]
    photo = png(60, 80, (200, 150, 120))
    regs = [
        (str(uuid.uuid4()), registration_doc(kiosk, [(photo, "")], service=SERVICE)),
        (str(uuid.uuid4()), registration_doc(kiosk, service=SERVICE)),
    ]
    blob = make_bundle(kiosk, regs, [photo])
    page = root.get("/console/usb").text
    assert 'enctype="multipart/form-data"' in page and "Up to 256 MB" in page
    r = upload(root, blob)
    assert r.status_code == 200, r.text[-1500:]
    assert "The bundle was imported." in r.text
    assert (count(r.text, "created"), count(r.text, "repeated"), count(r.text, "refused")) == (
        2,
        0,
        0,
    )
    assert all(held(console, rid) for rid, _ in regs)
    link = re.search(r'href="(/console/usb/returns/120101/[^"]+\.salareturn)"', r.text)
    assert link, r.text[-1500:]
    back = root.get(link.group(1))
    assert back.status_code == 200
    assert back.headers["content-type"] == "application/octet-stream"
    parsed = fmt.parse(back.content)
    fmt.check_signature(parsed, kiosk.server_public_key)
    assert parsed.manifest["kind"] == fmt.KIND_RETURN
    index, _media = fmt.unpack_payload(parsed.body)
    assert {x["registration_id"] for x in index["receipts"]} == {rid for rid, _ in regs}

    again = upload(root, blob)
    assert again.status_code == 200
    assert "Nothing new: this bundle was already imported" in again.text
    assert "Imported on " in again.text and " by console:usb_root" in again.text
    assert (count(again.text, "created"), count(again.text, "repeated")) == (0, 2)
    bundle_id = fmt.parse(blob).manifest["bundle_id"]
    assert [o for _w, s, o in audit(console, "console_usb_import") if s == bundle_id] == [
        "ok",
        "ok",
    ]
    assert audit(console, "console_usb_return")


def test_a_conflict_is_reported_for_the_kiosks_supervisor(console: Console, world: Any) -> None:
    kiosk, root = world["kiosk"], world["usb_root"]
    rid, doc = str(uuid.uuid4()), registration_doc(kiosk, service=SERVICE)
    assert upload(root, make_bundle(kiosk, [(rid, doc)], [])).status_code == 200
    changed = {**doc, "answers": {"name_km": "ផ្សេង"}}
    r = upload(root, make_bundle(kiosk, [(rid, changed)], []))
    assert r.status_code == 200 and count(r.text, "refused") == 1
    assert rid in r.text and "the kiosk keeps it for its supervisor" in r.text


def test_bad_bundles_are_refused_in_the_officers_language(console: Console, world: Any) -> None:
    kiosk, root = world["kiosk"], world["usb_root"]
    rid = str(uuid.uuid4())
    blob = make_bundle(kiosk, [(rid, registration_doc(kiosk, service=SERVICE))], [])
    tampered = blob[:-10] + bytes(b ^ 0xFF for b in blob[-10:])
    r = upload(root, tampered)
    assert r.status_code == 422 and "altered or is damaged" in r.text
    assert "Nothing was changed." in r.text
    r = upload(root, b"just a text file\n")
    assert r.status_code == 422 and "not a Sala USB bundle" in r.text
    r = upload(root, blob[: len(blob) // 2])
    assert r.status_code == 422 and "cut short" in r.text
    stranger = fmt.parse(blob)
    manifest = {k: v for k, v in stranger.manifest.items() if k not in ("body_size", "body_sha256")}
    manifest["device_id"] = str(uuid.uuid4())
    r = upload(root, fmt.seal(manifest, stranger.body, kiosk.key))
    assert r.status_code == 422 and "not enrolled here" in r.text
    r = root.post("/console/usb", files={"bundle": ("k.salabundle", blob)})
    assert r.status_code == 403  # no CSRF token
    r = upload(root, b"")
    assert r.status_code == 422 and "Choose a .salabundle file" in r.text
    assert not held(console, rid)
    root.cookies.set("sala_lang", "km", path="/console")
    km = root.get("/console/usb").text
    root.cookies.set("sala_lang", "en", path="/console")
    assert "ផ្ទុក​កញ្ចប់" in km
    assert list((console.server.data_dir / "usb-uploads").iterdir()) == []  # temp files gone


def test_a_supervisor_of_another_province_gets_a_403(console: Console, world: Any) -> None:
    kiosk, far = world["kiosk"], world["usb_far"]
    rid = str(uuid.uuid4())
    r = upload(far, make_bundle(kiosk, [(rid, registration_doc(kiosk, service=SERVICE))], []))
    assert r.status_code == 403 and "outside your jurisdiction" in r.text
    assert not held(console, rid)
    assert any(
        o == "refused:outside_jurisdiction" for _w, _s, o in audit(console, "console_usb_import")
    )


def test_an_oversize_upload_is_refused_before_its_body_is_read(
    console: Console, world: Any
) -> None:
    """The stated cap (256 MB) from the Content-Length alone: nothing is read or written."""
    root = world["usb_root"]
    cookie = "; ".join(f"{k}={v}" for k, v in root.cookies.items())
    host, port = console.url.split("//")[1].split(":")
    head = (
        "POST /console/usb HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Cookie: {cookie}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {300 * 1024 * 1024}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(head.encode())
        answer = b""
        while b"</html>" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"The file is over 256 MB" in answer
    assert list((console.server.data_dir / "usb-uploads").iterdir()) == []


def test_a_bundle_over_the_servers_16_mb_json_limit_goes_through(
    console: Console, world: Any
) -> None:
    """A month offline makes bundles bigger than any API body: 20 MB of pages, streamed in."""
    kiosk, root = world["kiosk"], world["usb_root"]
    pages = [os.urandom(10 * 1024 * 1024), os.urandom(10 * 1024 * 1024)]
    rid = str(uuid.uuid4())
    doc = registration_doc(kiosk, [(m, "") for m in pages], service=SERVICE)
    blob = make_bundle(kiosk, [(rid, doc)], pages)
    assert len(blob) > 20 * 1024 * 1024
    r = upload(root, blob)
    assert r.status_code == 200, r.text[-1500:]
    assert count(r.text, "created") == 1 and held(console, rid)

"""Upload one file to a Sala server over tus 1.0.0, signing every request: a worked example.

Why `requests` and not a stock tus client: tuspy (1.1) sends its requests through module-level
`requests.post/patch/head` calls with headers fixed up front, and offers no session, `auth=` or
per-request hook. A Sala signature covers each request's method, path, date, nonce, tus headers
and body hash (sync/PROTOCOL.md), so it has to be made for every request, after the body is
known; tuspy would also send `Upload-Checksum` in sha1 unless told otherwise, and the server
takes sha256 only. `SalaAuth` below is that hook for `requests`: any client that accepts a
`requests.Session` or an `auth=` can use it unchanged. The tus part is the plain protocol:
POST with the first chunk (creation-with-upload), then PATCHes, each with its sha256; after a
409 or a lost answer, HEAD says where the server is.

    python -m sync.examples.tus_upload --server https://sala.example.gov.kh \\
        --device-id ID --key device-key.pem --registration REG_ID photo.jpg

prints the upload's Location, to put in the commit's `attachments[].upload`. It imports only
`requests`, `cryptography` and `sync.protocol` (the wire helpers shared by kiosk and server).
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import protocol as p

TUS = {"Tus-Resumable": p.TUS_VERSION}


class SalaAuth(requests.auth.AuthBase):
    """Signs each prepared request as the enrolled device (Sala-Signature-Version 2).

    `requests` calls it after the body and headers are final, so the signature covers exactly
    what is sent; add no header afterwards that the signature covers (`p.SIGNED_HEADERS`).
    """

    def __init__(self, device_id: str, key: Ed25519PrivateKey) -> None:
        self.device_id = device_id
        self.key = key

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not isinstance(body, bytes):
            raise TypeError("SalaAuth signs bytes bodies only (no streams)")
        method = r.method or "GET"
        r.headers.update(
            p.sign_request(self.key, self.device_id, method, r.path_url, body, headers=r.headers)
        )
        return r


def _refused(r: requests.Response) -> RuntimeError:
    return RuntimeError(f"{r.request.method} {r.url}: {r.status_code} {r.text[:200]}")


def upload(
    session: requests.Session,
    server: str,
    data: bytes,
    registration_id: str,
    chunk_size: int = 256 * 1024,
) -> str:
    """Send `data` whole; returns the upload's Location (`/v1/uploads/<id>`)."""
    base = server.rstrip("/")
    sha = hashlib.sha256(data).hexdigest()
    first = data[:chunk_size]
    meta = p.encode_tus_metadata({"sha256": sha, "registration": registration_id})
    headers = {**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": meta}
    if first:
        headers["Content-Type"] = p.TUS_CONTENT_TYPE
        headers["Upload-Checksum"] = p.tus_checksum_header(first)
    r = session.post(f"{base}/v1/uploads", data=first, headers=headers, timeout=60)
    if r.status_code != 201:
        raise _refused(r)
    location = r.headers["Location"]
    offset = p.parse_uint(r.headers["Upload-Offset"])
    retries = 0
    while offset < len(data):
        chunk = data[offset : offset + chunk_size]
        headers = {
            **TUS,
            "Content-Type": p.TUS_CONTENT_TYPE,
            "Upload-Offset": str(offset),
            "Upload-Checksum": p.tus_checksum_header(chunk),
        }
        answer: requests.Response | None
        try:
            answer = session.patch(f"{base}{location}", data=chunk, headers=headers, timeout=60)
        except requests.ConnectionError:
            answer = None  # the chunk may have arrived: ask below
        if answer is not None and answer.status_code == 204:
            offset = p.parse_uint(answer.headers["Upload-Offset"])
            retries = 0
            continue
        retries += 1
        if answer is not None and answer.status_code not in (409, p.HTTP_CHECKSUM_MISMATCH):
            raise _refused(answer)
        if retries > 3:
            raise RuntimeError(f"PATCH {location}: no progress after {retries} tries")
        head = session.head(f"{base}{location}", headers=TUS, timeout=60)
        if head.status_code != 200:
            raise _refused(head)
        offset = p.parse_uint(head.headers["Upload-Offset"])
    return location


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--server", required=True, help="https://… (the /v1 API's base)")
    ap.add_argument("--device-id", required=True, help="from the enrolment answer")
    ap.add_argument("--key", required=True, type=Path, help="the device's Ed25519 key, PEM")
    ap.add_argument("--registration", required=True, help="the registration id it belongs to")
    ap.add_argument("--ca-file", help="the ministry CA to trust (default: the system's)")
    ap.add_argument("file", type=Path)
    args = ap.parse_args(argv)
    key = serialization.load_pem_private_key(args.key.read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        ap.error("--key must be an Ed25519 private key")
    session = requests.Session()
    session.auth = SalaAuth(args.device_id, key)
    if args.ca_file:
        session.verify = args.ca_file
    print(upload(session, args.server, args.file.read_bytes(), args.registration))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`sala enrol`: make the kiosk's Ed25519 key, register it with a one-time code, pin the server.

What enrolment leaves in the data dir:
- `sync-device.key`  the private key (PEM, PKCS#8), mode 0600; it never leaves the kiosk;
- `sync-device.json` server URL, device id, commune, the server's public key (pinned: every
  receipt is checked with it) and, for https, the path of the ministry CA copy `sync-ca.pem`.
Plain http is refused unless the server is on this machine (loopback) or the technician says
`--allow-insecure-http`: a kiosk must never send citizens' data in clear by accident.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.durable import write_atomic
from sync import protocol
from sync.client.api import Api, SyncError, error_code

IDENTITY_FILE = "sync-device.json"
KEY_FILE = "sync-device.key"
CA_FILE = "sync-ca.pem"


class EnrolError(SyncError):
    key = "sync.enrol.failed"


@dataclass(frozen=True)
class Identity:
    server_url: str
    device_id: str
    commune_code: str
    server_public_key: str
    ca_file: str | None = None
    allow_insecure_http: bool = False


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, *, allow_insecure_http: bool) -> str:
    """The URL without a trailing slash, or EnrolError saying what to do instead."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EnrolError(
            f"The server address {url!r} is not a web address. "
            "Use the https://… address the ministry gave.",
            key="sync.enrol.bad_url",
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and not allow_insecure_http:
        raise EnrolError(
            f"Refusing plain http to {parts.hostname}: citizens' data would travel unencrypted. "
            "Use the https:// address, or add --allow-insecure-http only on a closed test network.",
            key="sync.enrol.insecure",
        )
    return url.strip().rstrip("/")


def session_for(
    identity: Identity | None, session: requests.Session | None = None
) -> requests.Session:
    """A session that trusts only the pinned ministry CA for https."""
    session = session or requests.Session()
    if identity and identity.ca_file:
        session.verify = identity.ca_file
    return session


def load_identity(data_dir: Path) -> Identity | None:
    path = Path(data_dir) / IDENTITY_FILE
    if not path.exists():
        return None
    return Identity(**json.loads(path.read_text(encoding="utf-8")))


def load_key(data_dir: Path) -> Ed25519PrivateKey:
    raw = (Path(data_dir) / KEY_FILE).read_bytes()
    key = serialization.load_pem_private_key(raw, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise EnrolError("The device key file is not an Ed25519 key.", key="sync.enrol.bad_key")
    return key


def _write_private(path: Path, data: bytes) -> None:
    """Create with 0600 from the first byte (no window where others could read it), durably."""
    write_atomic(path, data, mode=0o600)


def _load_or_make_key(data_dir: Path) -> Ed25519PrivateKey:
    """Reuse a key from an enrolment that failed half-way; otherwise make a new one."""
    path = data_dir / KEY_FILE
    if path.exists():
        return load_key(data_dir)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(path, pem)
    return key


def enrol(
    data_dir: Path,
    server_url: str,
    code: str,
    *,
    session: requests.Session | None = None,
    ca_file: str | None = None,
    allow_insecure_http: bool = False,
    label: str | None = None,
) -> Identity:
    """Register this kiosk with the server; returns (and saves) its identity."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    url = check_server_url(server_url, allow_insecure_http=allow_insecure_http)
    pinned_ca: str | None = None
    if urlsplit(url).scheme == "https" and ca_file:
        if not Path(ca_file).is_file():
            raise EnrolError(f"The CA file {ca_file} does not exist.", key="sync.enrol.no_ca")
        shutil.copyfile(ca_file, data_dir / CA_FILE)
        pinned_ca = str(data_dir / CA_FILE)
    session = session or requests.Session()
    if pinned_ca:
        session.verify = pinned_ca
    key = _load_or_make_key(data_dir)
    body = {
        "code": code.strip(),
        "public_key": protocol.public_key_b64(key),
        "label": label or socket.gethostname(),
    }
    try:
        resp = session.post(
            url + "/v1/devices",
            data=protocol.canonical_json(body),
            headers={"Content-Type": "application/json"},
            timeout=(10, 30),
            verify=session.verify,  # explicit, or $REQUESTS_CA_BUNDLE would override the pin
        )
    except requests.exceptions.SSLError as exc:
        raise EnrolError(
            f"The server's certificate is not signed by the given CA: {exc}",
            key="sync.enrol.tls",
        ) from exc
    except requests.RequestException as exc:
        raise EnrolError(f"Cannot reach {url}: {exc}", key="sync.error.offline") from exc
    if resp.status_code != 201:
        err, message = error_code(resp)
        raise EnrolError(
            f"The server refused the enrolment code ({resp.status_code} {err}): {message}",
            key="sync.enrol.refused",
        )
    answer = resp.json()
    protocol.load_public_key(answer["server_public_key"])  # ValueError if it is not a key
    identity = Identity(
        server_url=url,
        device_id=str(answer["device_id"]),
        commune_code=str(answer["commune_code"]),
        server_public_key=str(answer["server_public_key"]),
        ca_file=pinned_ca,
        allow_insecure_http=allow_insecure_http,
    )
    _write_private(data_dir / IDENTITY_FILE, json.dumps(asdict(identity), indent=2).encode("utf-8"))
    return identity


def api_for(data_dir: Path, session: requests.Session | None = None) -> Api:
    """An `Api` for the enrolled device in `data_dir`; EnrolError if not enrolled yet."""
    identity = load_identity(Path(data_dir))
    if identity is None:
        raise EnrolError(
            "This kiosk is not enrolled yet. "
            "A technician runs: sala enrol --server URL --code CODE",
            key="sync.error.not_enrolled",
        )
    check_server_url(identity.server_url, allow_insecure_http=identity.allow_insecure_http)
    return Api(
        session_for(identity, session),
        identity.server_url,
        device_id=identity.device_id,
        key=load_key(Path(data_dir)),
        server_public_key=identity.server_public_key,
    )

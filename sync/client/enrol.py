"""`sala enrol`: make the kiosk's Ed25519 key, register it with a one-time code, pin the server.

What enrolment leaves in the data dir:
- `sync-device-key.json` the private key, wrapped by the store's key-encryption key (machine
  secret outside the data dir + optional passphrase; see device_key.py), mode 0600; it never
  leaves the kiosk, and a copy of the data dir alone cannot act as the kiosk;
- `sync-device.json` server URL, device id, commune, the server's public key (pinned: every
  receipt is checked with it), the kiosk number and, for https, the path of the ministry CA
  copy `sync-ca.pem`;
- `config.json` gains `kiosk_number` (1-99, unique in the commune, from the server's answer):
  the store writes it into every application number, so two kiosks never make the same one.
Plain http is refused unless the server is on this machine (loopback) or the technician says
`--allow-insecure-http`: a kiosk must never send citizens' data in clear by accident.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.durable import write_atomic
from sync import protocol
from sync.client import device_key
from sync.client.api import Api, SyncError, error_code

IDENTITY_FILE = "sync-device.json"
KEY_FILE = device_key.KEY_FILE
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
    kiosk_number: int | None = None  # None: enrolled by a server that did not give one yet


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
    raw = json.loads(path.read_text(encoding="utf-8"))
    known = {f.name for f in fields(Identity)}
    return Identity(**{k: v for k, v in raw.items() if k in known})


def kiosk_number_of(answer: dict[str, object]) -> int | None:
    """The enrolment answer's `kiosk_number` (1-99), or None if absent; anything else is a
    server fault the technician must hear about, not a number to print on receipts."""
    value = answer.get("kiosk_number")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
        raise EnrolError(
            f"The server gave an invalid kiosk number {value!r} (expected 1-99).",
            key="sync.enrol.refused",
        )
    return value


def _save_kiosk_number(data_dir: Path, number: int | None) -> None:
    """Put the kiosk number into config.json, where the store reads it at each submit."""
    try:
        from kiosk.config import load_config, save_config
    except ImportError:  # pragma: no cover - the core is always installed with the client
        return
    from dataclasses import replace

    save_config(replace(load_config(data_dir), kiosk_number=number))


def load_key(data_dir: Path) -> Ed25519PrivateKey:
    """The device key, unwrapped with this machine's secret (DeviceKeyError, a SyncError, if
    it cannot be); an old plaintext key is wrapped and removed on the way."""
    return device_key.load(Path(data_dir))


def _write_private(path: Path, data: bytes) -> None:
    """Create with 0600 from the first byte (no window where others could read it), durably."""
    write_atomic(path, data, mode=0o600)


def _load_or_make_key(data_dir: Path) -> Ed25519PrivateKey:
    """Reuse a key from an enrolment that failed half-way; otherwise make a new one."""
    return device_key.load_or_make(data_dir)


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
    number = kiosk_number_of(answer)
    identity = Identity(
        server_url=url,
        device_id=str(answer["device_id"]),
        commune_code=str(answer["commune_code"]),
        server_public_key=str(answer["server_public_key"]),
        ca_file=pinned_ca,
        allow_insecure_http=allow_insecure_http,
        kiosk_number=number,
    )
    _write_private(data_dir / IDENTITY_FILE, json.dumps(asdict(identity), indent=2).encode("utf-8"))
    _save_kiosk_number(data_dir, number)
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

"""The ministry's USB key on the kiosk, and the error every USB step raises.

The key is the server's X25519 key for bundles, in a certificate signed by the server's receipt
key, which the kiosk pinned at enrolment (`sync-device.json`); so a key file cannot be swapped
on a stick. It arrives in the answer to each device report, in every return bundle, or as
`sala-usb-key.json` written on the stick by `sala server usb-key --out DIR`; the kiosk keeps the
last verified one as `sync-usb-key.json` in its data dir.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk.durable import write_atomic
from sync import protocol
from sync.client.api import SyncError
from sync.protocol import usb as fmt

KEY_FILE = "sync-usb-key.json"


class UsbError(SyncError):
    """A USB step that did not happen; nothing was changed. `message_key`/`params` follow the
    UserFacingError shape (`kiosk.i18n.error_text`); `message` is the technician's English."""

    key = "usb.error.unknown"

    def __init__(self, message: str, *, key: str, **params: Any) -> None:
        super().__init__(message, key=key)
        self.params = params

    @property
    def message_key(self) -> str:
        return self.key

    @classmethod
    def from_bundle(cls, exc: fmt.BundleError) -> UsbError:
        return cls(exc.message, key=f"usb.error.{exc.code}")


def load(data_dir: Path) -> dict[str, Any] | None:
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        return None
    try:
        cert = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return cert if isinstance(cert, dict) else None


def save(data_dir: Path, cert: Any, server_public_key: str) -> bool:
    """Keep `cert` if the pinned server key signed it; True if it was new. A bad one is
    refused with UsbError and the kept one stays."""
    try:
        fmt.verify_key_certificate(cert, server_public_key)
    except fmt.BundleError as exc:
        raise UsbError.from_bundle(exc) from exc
    if load(data_dir) == cert:
        return False
    write_atomic(Path(data_dir) / KEY_FILE, protocol.canonical_json(cert))
    return True


def public_key(data_dir: Path, server_public_key: str, stick: Path | None = None) -> str:
    """The ministry's X25519 key to encrypt to: the kept one, or a key file on the stick
    (verified, then kept) when there is none or the stick's is newer (the ministry made a new
    key). UsbError `usb.error.no_key` if neither exists."""
    cert = load(data_dir)
    found = _on_stick(stick) if stick is not None else None
    if found is not None and (cert is None or _created(found) > _created(cert)):
        save(data_dir, found, server_public_key)
        cert = found
    if cert is None:
        raise UsbError(
            "This kiosk has no ministry USB key yet. Sync once online, or put the file from "
            "`sala server usb-key --out DIR` on the stick.",
            key="usb.error.no_key",
        )
    try:
        return fmt.verify_key_certificate(cert, server_public_key)
    except fmt.BundleError as exc:
        raise UsbError.from_bundle(exc) from exc


def _on_stick(stick: Path) -> Any:
    path = Path(stick) / fmt.KEY_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsbError(
            f"The key file on the stick is unreadable: {exc}", key="usb.error.bad_key"
        ) from exc


def _created(cert: Any) -> str:
    key = cert.get("key") if isinstance(cert, dict) else None
    return str(key.get("created_at", "")) if isinstance(key, dict) else ""

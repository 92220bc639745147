"""A release that came in a return bundle (PROTOCOL.md "USB bundles": `release`), handed to the
updater as a downloaded one is (sync/client/release_fetch.py), so a commune without a link
still gets fixes.

The same checks in the same order, all `kiosk.update`'s: the pinned release key's signature,
freshness (counted from the last server contact, which the bundle's signed time moves on) and
anti-rollback before a byte of the .deb is written; then its size and SHA-256; then
`spool.request_install`, which verifies everything again before the root unit is asked. A
technician's deferral holds it (`deferral.install_decision`); the root unit installs only when
no session runs (`kiosk.update.apply`), as after `sala update usb`. A refused release is
noted for `sala update status` (`spool.note_fetch`, source `usb`) and never fails the import.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from kiosk.diagnostics.store_checks import MIN_FREE_BYTES, free_space
from kiosk.model import utc_now
from kiosk.update import spool
from kiosk.update import state as state_mod
from kiosk.update.cli import installed_version, key_path
from kiosk.update.deferral import install_decision
from kiosk.update.manifest import UpdateRefused, load_public_key, read_signed
from kiosk.update.verify import check_deb, check_manifest
from sync import protocol

log = logging.getLogger(__name__)
_QUIET = ("already_installed", "rollback")  # the kiosk is as new or newer: nothing to say
_FINAL = ("refused", "rolled_back", "rollback_failed", "rollback_unavailable")  # root unit's
# Writes the .deb into the open file, from the bundle it is streamed out of (never held whole);
# UpdateRefused("unreadable") if the bundle no longer reads as it did when it was verified.
DebWriter = Callable[[BinaryIO], None]


def _held(data_dir: Path, version: str) -> str | None:
    """Why this version is not asked for again, as for a download: already requested (the
    next stick brings it again until the kiosk reports it installed), or the root unit
    refused or rolled it back."""
    rec = spool.fetch_state(data_dir) or {}
    request = spool.update_dir(data_dir) / spool.SPOOL_DIR / spool.REQUEST
    if rec.get("version") == version and rec.get("state") == "requested" and request.exists():
        return "requested"
    res = spool.result(data_dir) or {}
    if res.get("version") == version and res.get("outcome") in _FINAL:
        return str(res.get("outcome"))
    return None


@dataclass(frozen=True)
class ReleaseOutcome:
    """state: current | refused | bad_release | no_space | deferred | requested."""

    state: str
    version: str | None = None
    reason: str = ""


def receive(
    data_dir: Path,
    entry: dict[str, Any],
    files: Mapping[str, bytes | DebWriter],
    *,
    key: Path | None = None,
    installed: str | None = None,
    now: datetime | None = None,
    margin: int = MIN_FREE_BYTES,
) -> ReleaseOutcome:
    """Check the bundle's release `entry` (`{"manifest": <signed document>, ...}`) and its
    .deb (`files[sha256]`: its bytes, or a `DebWriter`), then ask for its install; what
    happened, never an exception for a bad release."""
    data_dir = Path(data_dir)
    now = now or utc_now()
    installed = installed or installed_version()
    at = protocol.format_date(now)

    def note(state: str, version: str | None, reason: str = "") -> None:
        record = {"source": "usb", "version": version, "state": state, "reason": reason, "at": at}
        spool.note_fetch(data_dir, record)

    try:
        document = protocol.canonical_json(entry.get("manifest"))
        public = load_public_key(key_path(str(key) if key else None))
        m = read_signed(document, public)
        check_manifest(m, installed, state_mod.load(spool.update_dir(data_dir)))
    except (UpdateRefused, ValueError, TypeError) as exc:
        code = exc.code if isinstance(exc, UpdateRefused) else "bad_manifest"
        version = exc.params.get("version") if isinstance(exc, UpdateRefused) else None
        if code in _QUIET:
            return ReleaseOutcome("current", str(version) if version else None, code)
        note("refused", str(version) if version else None, code)
        log.warning("usb: release in the return bundle refused: %s", code)
        return ReleaseOutcome("refused", str(version) if version else None, code)
    held = _held(data_dir, m.version)
    if held is not None:
        return ReleaseOutcome("current", m.version, held)
    data = files.get(m.sha256)
    if data is None:
        note("refused", m.version, "unreadable")
        return ReleaseOutcome("bad_release", m.version, "unreadable")
    if free_space(data_dir) - margin < 2 * m.size:  # this copy, then the spool's
        note("no_space", m.version)
        return ReleaseOutcome("no_space", m.version, "no_space")
    spool.note_offer(data_dir, document)
    folder = spool.update_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".usb-{m.sha256[:16]}.deb.part"
    try:
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            if isinstance(data, bytes):
                f.write(data)
            else:  # streamed from the bundle, a piece at a time
                data(f)
        check_deb(tmp, m)
        # idle=True: the root unit waits until no session runs before dpkg (kiosk.update.apply)
        decision = install_decision(data_dir, m.version, now, idle=True)
        if decision.action == "deferred":  # kept where a download would be, for later
            download = spool.download_dir(data_dir)
            download.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp.replace(download / m.deb_file)
            note("verified", m.version, "deferred")
            return ReleaseOutcome("deferred", m.version)
        spool.request_install(data_dir, document, tmp, public, installed)
    except UpdateRefused as exc:
        note("refused", m.version, exc.code)
        log.warning("usb: release %s refused: %s", m.version, exc)
        return ReleaseOutcome("refused", m.version, exc.code)
    except OSError as exc:
        note("no_space", m.version)
        log.warning("usb: release %s not handed over: %s", m.version, exc)
        return ReleaseOutcome("no_space", m.version, "no_space")
    finally:
        tmp.unlink(missing_ok=True)
    note("requested", m.version)
    log.info("usb: release %s requested for install", m.version)
    return ReleaseOutcome("requested", m.version)

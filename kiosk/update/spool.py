"""The kiosk's side of an update, in `<data dir>/update/`: the idle signal, the health stamp,
the newest offered manifest, the technician's deferral, and the install request the root
unit picks up (`spool/request.json`, watched by sala-update.path).

The idle signal: the UI calls `mark_session(data_dir, True)` when a citizen starts a journey
or staff sign in, and `False` back on the attract screen; `session.json` names the kiosk's pid,
so a kiosk that died mid-journey does not block updates forever.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.durable import write_atomic
from kiosk.update import downgrade
from kiosk.update import state as state_mod
from kiosk.update.manifest import Manifest, UpdateRefused, parse, read_signed
from kiosk.update.verify import verify_release
from kiosk.update.versions import newer
from kiosk.usb_sticks import read_stick_file
from sync import protocol

UPDATE_DIR = "update"
SPOOL_DIR = "spool"
REQUEST = "request.json"
RESULT = "result.json"
SESSION = "session.json"
HEALTH = "health.json"
OFFERED = "offered.json"
DEFERRAL = "deferral.json"
DOWNGRADE = "downgrade.json"  # in the spool: the signed downgrade a request relies on
USB_DIR = "sala-update"  # the folder on a USB stick: one or more *.manifest.json + their .deb


def update_dir(data_dir: Path) -> Path:
    return Path(data_dir) / UPDATE_DIR


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, protocol.canonical_json(obj), mode=0o600)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's (the root unit asking about sala's)
        return True
    return True


# -- the signals the kiosk gives -------------------------------------------------------------------
def mark_session(data_dir: Path, active: bool, *, pid: int | None = None) -> None:
    _write_json(update_dir(data_dir) / SESSION, {"active": active, "pid": pid or os.getpid()})


def is_idle(data_dir: Path) -> bool:
    s = _read_json(update_dir(data_dir) / SESSION)
    return not (isinstance(s, dict) and s.get("active") is True and _alive(s.get("pid")))


def write_health_stamp(data_dir: Path, version: str, now: datetime) -> None:
    """The running kiosk says it reached its attract screen on `version`."""
    stamp = {"version": version, "at": protocol.format_date(now)}
    _write_json(update_dir(data_dir) / HEALTH, stamp)


def health_stamp(data_dir: Path, since: datetime) -> str | None:
    """The stamped version, if the stamp was written at or after `since`."""
    s = _read_json(update_dir(data_dir) / HEALTH)
    try:
        if isinstance(s, dict) and protocol.parse_date(str(s["at"])) >= since:
            return str(s["version"])
    except (KeyError, ValueError):
        pass
    return None


# -- offers: from the change feed or a USB stick ---------------------------------------------------
def note_contact(data_dir: Path, server_time: datetime) -> None:
    """A signed request just succeeded at `server_time` (the server refuses a date more than
    5 minutes off, so this is the server's clock): the freshness reference moves on. Written
    at most hourly, not on every sync round."""
    directory = update_dir(data_dir)
    st = state_mod.load(directory)
    known = protocol.parse_date(st.last_contact) if st.last_contact else None
    if known is None or server_time - known >= timedelta(hours=1):
        st.note_contact(server_time)
        state_mod.save(directory, st)


def note_offer(data_dir: Path, document: bytes) -> bool:
    """Keep the newest manifest the feed brought (the updater verifies it before any use);
    True if it is newer than the one kept."""
    directory = update_dir(data_dir)
    try:
        m = parse(json.loads(document)["manifest"])
    except (UpdateRefused, ValueError, KeyError, TypeError):
        return False
    kept = offered(data_dir)
    if kept is not None and not newer(m.version, kept.version):
        return False
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(directory / OFFERED, document, mode=0o600)
    return True


def offered(data_dir: Path) -> Manifest | None:
    """The kept offer's fields (unverified: for display and scheduling only)."""
    try:
        doc = json.loads((update_dir(data_dir) / OFFERED).read_bytes())
        return parse(doc["manifest"])
    except (OSError, ValueError, KeyError, TypeError, UpdateRefused):
        return None


def usb_release(stick: Path, public: Ed25519PublicKey | None = None) -> tuple[bytes, Path]:
    """The newest release in `<stick>/sala-update/` (or `stick` itself): its signed manifest
    and the .deb it names, beside it. With `public` (the pinned release key), the newest among
    those it signed: a forged manifest with a higher version does not hide the genuine one
    (UpdateRefused: the newest one's refusal when none is signed, `no_release` when none)."""
    folder = stick / USB_DIR if (stick / USB_DIR).is_dir() else stick
    best: tuple[Manifest, bytes] | None = None
    refused: tuple[str, UpdateRefused] | None = None
    for path in sorted(folder.glob("*.manifest.json")):
        document = read_stick_file(path, protocol.RELEASE_MANIFEST_MAX_BYTES)
        if document is None:
            continue
        try:
            m = parse(json.loads(document)["manifest"])
        except (UpdateRefused, ValueError, KeyError, TypeError):
            continue
        if public is not None:
            try:
                read_signed(document, public)
            except UpdateRefused as exc:
                if refused is None or newer(m.version, refused[0]):
                    refused = (m.version, exc)
                continue
        if best is None or newer(m.version, best[0].version):
            best = (m, document)
    if best is None:
        raise refused[1] if refused is not None else UpdateRefused("no_release", str(folder))
    return best[1], folder / best[0].deb_file


def defer(data_dir: Path, version: str, until: datetime, offered_at: datetime) -> None:
    """A technician holds `version` back until `until` (policy.install_decision caps it)."""
    _write_json(
        update_dir(data_dir) / DEFERRAL,
        {
            "version": version,
            "until": protocol.format_date(until),
            "offered_at": protocol.format_date(offered_at),
        },
    )


def deferral(data_dir: Path, version: str) -> tuple[datetime | None, datetime | None]:
    """(deferred until, first offered at) for `version`, or (None, None)."""
    d = _read_json(update_dir(data_dir) / DEFERRAL)
    if not isinstance(d, dict) or d.get("version") != version:
        return None, None
    try:
        return protocol.parse_date(d["until"]), protocol.parse_date(d["offered_at"])
    except (KeyError, ValueError):
        return None, None


# -- the request to the root unit ------------------------------------------------------------------
def _downgrade_beside(
    document: bytes, deb: Path, public: Ed25519PublicKey, installed: str
) -> bytes | None:
    """A signed downgrade beside the .deb (a stick's folder) when the release is older than
    the installed one; the release's version is read unverified only to pick the file."""
    try:
        version = parse(json.loads(document)["manifest"]).version
    except (UpdateRefused, ValueError, KeyError, TypeError):
        return None  # verify_release names what is wrong with it
    if not newer(installed, version):
        return None
    return downgrade.beside(deb, version, installed, public)


def request_install(
    data_dir: Path,
    document: bytes,
    deb: Path,
    public: Ed25519PublicKey,
    installed: str,
    downgrade_doc: bytes | None = None,
) -> Manifest:
    """Verify the release, then hand it to the root unit: the .deb and manifest copied into
    the spool, `request.json` written last (its appearance starts sala-update.service).
    A refusal raises UpdateRefused and leaves the spool as it was. A release older than the
    installed one needs a signed downgrade (`downgrade_doc`, else the one beside the .deb)."""
    directory = update_dir(data_dir)
    st = state_mod.load(directory)
    if downgrade_doc is None:
        downgrade_doc = _downgrade_beside(document, deb, public, installed)
    m = verify_release(document, deb, public, installed, st, downgrade_doc)
    spool = directory / SPOOL_DIR
    spool.mkdir(parents=True, exist_ok=True)
    tmp = spool / f".{m.deb_file}.part"
    shutil.copyfile(deb, tmp)
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    tmp.replace(spool / m.deb_file)
    write_atomic(spool / "manifest.json", document, mode=0o600)
    request: dict[str, Any] = {"version": m.version, "deb": m.deb_file}
    (spool / DOWNGRADE).unlink(missing_ok=True)
    if downgrade_doc is not None and newer(installed, m.version):
        write_atomic(spool / DOWNGRADE, downgrade_doc, mode=0o600)
        request["downgrade"] = DOWNGRADE
    (spool / RESULT).unlink(missing_ok=True)
    _write_json(spool / REQUEST, request)
    st.accept(m)
    state_mod.save(directory, st)
    return m


def result(data_dir: Path) -> dict[str, Any] | None:
    """The root unit's last answer: {"version", "outcome": installed | rolled_back | refused,
    "reason", "at"}, and after a rollback "previous", the version it went back to."""
    r = _read_json(update_dir(data_dir) / SPOOL_DIR / RESULT)
    return r if isinstance(r, dict) else None


ROLLBACK_CHECK = "update_rollback"  # its id in the device report (sync/server/device_reports.py)
ROLLBACK_OUTCOMES = {
    "rolled_back": "warn",
    "rollback_failed": "fail",
    "rollback_unavailable": "fail",
}


def _word(value: object) -> str:
    """A value the server's device report accepts: a short word without spaces."""
    return "".join(c for c in str(value) if c.isprintable() and not c.isspace())[:64]


def rollback_check(data_dir: Path) -> dict[str, Any] | None:
    """The last update's rollback as a check of the device report (kiosk.diagnostics'
    fleet_report shape), so the ministry's fleet view shows it: which version failed (`from`),
    the one running again (`to`), why and when. None when the last result was no rollback.
    It stays in every report until a later update's result replaces it."""
    r = result(data_dir)
    if r is None or r.get("outcome") not in ROLLBACK_OUTCOMES:
        return None
    outcome = str(r["outcome"])
    values = {"from": _word(r.get("version", "")), "to": _word(r.get("previous") or ""),
              "reason": _word(r.get("reason", "")), "at": _word(r.get("at", "")),
              "outcome": outcome}  # fmt: skip
    return {"id": ROLLBACK_CHECK, "status": ROLLBACK_OUTCOMES[outcome], "values": values}


# -- fetching an offered release (sync/client/release_fetch.py) or a stick's (`sala update usb`) --
FETCH = "fetch.json"
DOWNLOAD_DIR = "download"


def download_dir(data_dir: Path) -> Path:
    """Where the offered release's .deb is downloaded (resumable `.part`), before it is verified
    and handed to the spool."""
    return update_dir(data_dir) / DOWNLOAD_DIR


def offered_document(data_dir: Path) -> bytes | None:
    """The kept offer's signed document, as the feed brought it (verify before any use)."""
    try:
        return (update_dir(data_dir) / OFFERED).read_bytes()
    except OSError:
        return None


def note_fetch(data_dir: Path, record: dict[str, Any]) -> bool:
    """Remember where the last fetch or stick check of a release got to, for `sala update
    status` and the technician screen: {"source": server | usb, "version", "state", "reason",
    "at", ...}; the text is `update.fetch.<state>`. Written only when it changed (a sync round
    runs every minute); True if written."""
    path = update_dir(data_dir) / FETCH
    old = _read_json(path)
    same = ("source", "version", "state", "reason", "done")
    if isinstance(old, dict) and all(old.get(k) == record.get(k) for k in same):
        return False
    _write_json(path, record)
    return True


def fetch_state(data_dir: Path) -> dict[str, Any] | None:
    r = _read_json(update_dir(data_dir) / FETCH)
    return r if isinstance(r, dict) else None

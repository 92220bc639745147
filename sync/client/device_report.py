"""`send_device_report`: the kiosk's self-test for the back office (`POST /v1/device-report`).

Part of a sync round, at most once per `EVERY_S`: the checks read every row and media file,
which is too much for every minute. The camera is left out (the screen owns it while the kiosk
runs). The body is `kiosk.diagnostics.fleet_report`: ids, statuses and values, no personal data.
The answer carries the ministry's signed USB key, kept for the next export to a stick. A
failure is logged and never stops the round.

An update that was rolled back (kiosk/update/apply.py) adds the check `update_rollback`
(kiosk.update.spool.rollback_check: from, to, reason, when) to every report until a later
update replaces it, and makes the next round send one at once rather than within 15 minutes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.update.spool import rollback_check
from sync import protocol
from sync.client import usb_key
from sync.client.api import Api, SyncError, error_code

log = logging.getLogger(__name__)
EVERY_S = 15 * 60.0
SENT_SETTING = "sync.device_report_at"  # when the last report was taken (ISO, kiosk clock)
ROLLBACK_SETTING = "sync.rollback_reported"  # the `at` of the last rollback the server took


def due(store: Any, now: datetime) -> bool:
    last = store.get_setting(SENT_SETTING)
    try:
        return last is None or (now - datetime.fromisoformat(str(last))).total_seconds() >= EVERY_S
    except ValueError:
        return True


def build_report(store: Any, data_dir: Path, now: datetime) -> dict[str, Any]:
    from kiosk.diagnostics import Context, fleet_report, run_checks

    ctx = Context(Path(data_dir), store=store, camera=None)
    report = fleet_report(run_checks(ctx), at=protocol.format_date(now))
    rollback = rollback_check(Path(data_dir))
    if rollback is not None:
        report["checks"].append(rollback)
        report["summary"][rollback["status"]] += 1
    return report


def _unreported_rollback(store: Any, data_dir: Path) -> str | None:
    """The `at` of a rollback the server has not taken yet, else None."""
    rollback = rollback_check(data_dir)
    if rollback is None or rollback["values"]["at"] == store.get_setting(ROLLBACK_SETTING):
        return None
    return str(rollback["values"]["at"])


def send_device_report(store: Any, api: Api, *, data_dir: Path | None, force: bool = False) -> bool:
    """Send the report if one is due; True if the server took it."""
    now = api.now()
    if data_dir is None:
        return False
    rollback_at = _unreported_rollback(store, Path(data_dir))
    if not (force or rollback_at is not None or due(store, now)):
        return False
    try:
        report = build_report(store, data_dir, now)
        store.set_setting(SENT_SETTING, now.isoformat())
    except Exception as exc:  # a check's own failure is in the report; this is a bug or a full disk
        log.warning("device report not made: %s", type(exc).__name__)
        return False
    try:
        resp = api.request("POST", "/v1/device-report", json_body=report)
    except SyncError as exc:
        log.warning("device report not sent: %s", exc.message)
        return False
    if resp.status_code != 200:
        code, message = error_code(resp)
        log.warning("device report refused: %s %s: %s", resp.status_code, code, message)
        return False
    if rollback_at is not None:
        store.set_setting(ROLLBACK_SETTING, rollback_at)
    try:
        cert = resp.json().get("usb_key")
        if cert is not None and usb_key.save(Path(data_dir), cert, api.server_public_key):
            log.info("device report: the ministry's USB key was updated")
    except (ValueError, AttributeError, SyncError) as exc:
        log.warning("device report: USB key not kept: %s", exc)
    return True

"""`send_device_report`: the kiosk's self-test for the back office (`POST /v1/device-report`).

Part of a sync round, at most once per `EVERY_S`: the checks read every row and media file,
which is too much for every minute. The camera is left out (the screen owns it while the kiosk
runs). The body is `kiosk.diagnostics.fleet_report`: ids, statuses and values, no personal data.
The answer carries the ministry's signed USB key, kept for the next export to a stick. A
failure is logged and never stops the round.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sync import protocol
from sync.client import usb_key
from sync.client.api import Api, SyncError, error_code

log = logging.getLogger(__name__)
EVERY_S = 15 * 60.0
SENT_SETTING = "sync.device_report_at"  # when the last report was taken (ISO, kiosk clock)


def due(store: Any, now: datetime) -> bool:
    last = store.get_setting(SENT_SETTING)
    try:
        return last is None or (now - datetime.fromisoformat(str(last))).total_seconds() >= EVERY_S
    except ValueError:
        return True


def build_report(store: Any, data_dir: Path, now: datetime) -> dict[str, Any]:
    from kiosk.diagnostics import Context, fleet_report, run_checks

    ctx = Context(Path(data_dir), store=store, camera=None)
    return fleet_report(run_checks(ctx), at=protocol.format_date(now))


def send_device_report(store: Any, api: Api, *, data_dir: Path | None, force: bool = False) -> bool:
    """Send the report if one is due; True if the server took it."""
    now = api.now()
    if data_dir is None or not (force or due(store, now)):
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
    try:
        cert = resp.json().get("usb_key")
        if cert is not None and usb_key.save(Path(data_dir), cert, api.server_public_key):
            log.info("device report: the ministry's USB key was updated")
    except (ValueError, AttributeError, SyncError) as exc:
        log.warning("device report: USB key not kept: %s", exc)
    return True

"""Setup's look at the devices: the test receipt, printer choices and the self-test summary.

The self-test is `kiosk.diagnostics.run_checks` (the one list of checks); setup only picks
which results the summary must show first (failures, then warnings).
"""

from __future__ import annotations

import glob
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.diagnostics import Context, Result, run_checks
from kiosk.model import Receipt
from kiosk.setup.draft import DEFAULT_ESCPOS

TEST_RECEIPT_ID = "00000000-0000-4000-8000-000000000000"


def sample_receipt(commune_code: str, service: Any, now: datetime) -> Receipt:
    """A receipt that is obviously a test (number 00000, code TEST00), for the printer step."""
    return Receipt(
        registration_id=TEST_RECEIPT_ID,
        app_number=f"{commune_code}-00-00000-0",
        verification_code="TEST00",
        service_id=str(getattr(service, "id", "test")),
        form_version=str(getattr(service, "version", "0")),
        commune_code=commune_code,
        fee_khr=0,
        submitted_at=now,
        processing_days=getattr(service, "processing_days", None),
    )


def escpos_spec(current: str) -> str:
    """The ESC/POS setting to offer: the current one if it is ESC/POS already, else the
    first USB printer device found, else the usual device file."""
    if current.startswith("escpos:"):
        return current
    devices = sorted(glob.glob("/dev/usb/lp*"))
    return f"escpos:file:{devices[0]}" if devices else DEFAULT_ESCPOS


def printer_kind(spec: str) -> str:
    """ "system" | "escpos" | "none": which of setup's three choices a setting is."""
    if spec.startswith("escpos:"):
        return "escpos"
    return "none" if spec.strip() in ("", "none") else "system"


def self_test(data_dir: Path, config: Any, *, camera: Any = None) -> list[Result]:
    """Every diagnostics check for the config setup is about to save (camera probe optional:
    the camera step already watched live frames)."""
    return run_checks(Context(data_dir=Path(data_dir), config=config, camera=camera))


def worst_first(results: list[Result]) -> list[Result]:
    order = {"fail": 0, "warn": 1, "ok": 2, "skipped": 3}
    return sorted(results, key=lambda r: order.get(r.status, 4))

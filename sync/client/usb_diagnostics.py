"""The PII-free diagnostics bundle written onto a USB stick: `sala diagnostics --out`'s own
`kiosk.diagnostics.bundle.write_bundle`, named for the kiosk and the day, its failures said as
the USB export says them (a read-only or full stick), so a technician's button and the command
line write the same zip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sync.client.enrol import load_identity
from sync.client.usb_key import UsbError
from sync.client.usb_writer import os_error


def diagnostics_name(data_dir: Path, today: str) -> str:
    """`sala-diagnostics-<device>-<YYYY-MM-DD>.zip` (`kiosk` before enrolment)."""
    identity = load_identity(Path(data_dir))
    who = identity.device_id[:8] if identity is not None else "kiosk"
    return f"sala-diagnostics-{who}-{today}.zip"


def write_diagnostics(data_dir: Path, stick: Path, *, camera: Any = None) -> Path:
    """Write the bundle into the folder `stick`; UsbError says why not (nothing left behind:
    the zip is written atomically)."""
    from kiosk.diagnostics.bundle import write_bundle
    from kiosk.i18n import cambodia_today

    stick = Path(stick)
    if not stick.is_dir():
        raise UsbError(f"{stick} is not a folder (is the stick mounted?)", key="usb.error.no_stick")
    target = stick / diagnostics_name(Path(data_dir), cambodia_today().isoformat())
    try:
        return write_bundle(Path(data_dir), target, camera=camera)
    except OSError as exc:
        raise os_error(exc, stick) from exc

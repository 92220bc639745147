"""The printer setting (`Config.printer`) read into a `PrinterSpec`, Qt-free: the receipt
printer (`ui/receipts/printers.py`) and the diagnostics' printer check read it the same way.

    "none" or ""                 no printer at this kiosk
    "system" / "system:NAME"     the OS default printer / the printer called NAME
    "escpos:usb:VID:PID"         USB thermal printer, ids in hex (e.g. escpos:usb:04b8:0202)
    "escpos:file:/dev/usb/lp0"   a device file (or any file: tests use a plain one)
    "escpos:network:HOST[:PORT]" a network thermal printer, port 9100 by default
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


class PrinterSettingError(ValueError):
    """The printer setting cannot be understood."""


@dataclass(frozen=True)
class PrinterSpec:
    kind: Literal["none", "system", "usb", "file", "network"]
    target: str = ""  # printer name, file path or host
    vendor: int = 0
    product: int = 0
    port: int = 9100


def parse_printer_spec(spec: str | None) -> PrinterSpec:
    """Read a `Config.printer` value; raises PrinterSettingError with what is wrong."""
    text = (spec or "").strip()
    if text in ("", "none"):
        return PrinterSpec("none")
    if text == "system":
        return PrinterSpec("system")
    if text.startswith("system:"):
        return PrinterSpec("system", text.removeprefix("system:"))
    if not text.startswith("escpos:"):
        raise PrinterSettingError(f"unknown printer setting {text!r}")
    kind, _, rest = text.removeprefix("escpos:").partition(":")
    if kind == "file" and rest:
        return PrinterSpec("file", rest)
    if kind == "usb":
        parts = rest.split(":")
        try:
            vendor, product = (int(p.removeprefix("0x"), 16) for p in parts)
        except ValueError:
            raise PrinterSettingError(
                f"USB printer needs escpos:usb:VID:PID in hex, not {text!r}"
            ) from None
        return PrinterSpec("usb", vendor=vendor, product=product)
    if kind == "network" and rest:
        host, _, port = rest.partition(":")
        if port and not port.isdigit():
            raise PrinterSettingError(f"bad network printer port in {text!r}")
        return PrinterSpec("network", host, port=int(port) if port else 9100)
    raise PrinterSettingError(f"unknown ESC/POS printer setting {text!r}")


__all__ = ["PrinterSettingError", "PrinterSpec", "parse_printer_spec"]

"""Checks of what is plugged in: fonts on disk, the camera, the printer, the scanner folder.

The camera is probed through a function passed in (`Context.camera`): the CLI reads a few
frames from the configured source, tests pass frames, and `None` skips it. The printer is
opened, never printed on: a network printer gets a short connect, a device file an open.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.diagnostics.model import CameraSample, Context, Result, result

if TYPE_CHECKING:
    import numpy as np

    from kiosk.config import Config

REQUIRED_FONTS = (
    "NotoSansKhmer-Regular.ttf",
    "NotoSansKhmer-Bold.ttf",
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
)
_TTF_TAGS = (b"\x00\x01\x00\x00", b"true", b"OTTO")
CAMERA_FRAMES = 8  # enough to tell frozen from live; ~0.5 s at 15 fps
CAMERA_SECONDS = 3.0


class FontError(ValueError):
    """A font file is missing or broken; the message names it."""


def check_font(path: Path) -> str:
    """A TrueType/OpenType file: right magic, a sane table directory, a cmap table."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FontError(
            f"font {path.name} is missing or unreadable ({exc.strerror}); "
            "reinstall Sala or copy it back into assets/fonts."
        ) from None
    if len(data) < 12 or data[:4] not in _TTF_TAGS:
        raise FontError(f"font {path.name} is not a TrueType/OpenType file.")
    (num_tables,) = struct.unpack(">H", data[4:6])
    if num_tables == 0 or len(data) < 12 + 16 * num_tables:
        raise FontError(f"font {path.name} is cut short (table directory incomplete).")
    tags = {data[12 + 16 * i : 16 + 16 * i] for i in range(num_tables)}
    for i in range(num_tables):
        offset, length = struct.unpack(">II", data[20 + 16 * i : 28 + 16 * i])
        if offset + length > len(data):
            raise FontError(f"font {path.name} is cut short (a table runs past the end).")
    if b"cmap" not in tags:
        raise FontError(f"font {path.name} has no character map.")
    return f"{path.name} ok"


def fonts_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("assets") / "fonts"))


def check_fonts(ctx: Context) -> Result:
    folder = ctx.fonts_dir or fonts_dir()
    bad = []
    for name in REQUIRED_FONTS:
        try:
            check_font(folder / name)
        except FontError as exc:
            bad.append(str(exc))
    values = {"fonts": len(REQUIRED_FONTS), "broken": len(bad)}
    if bad:
        return result("fonts", "fail", "broken", values, error=" ".join(bad))
    return result("fonts", "ok", "ok", values, names=", ".join(REQUIRED_FONTS))


# -- camera ------------------------------------------------------------------------------------
def probe_camera(config: Config | None) -> CameraSample:
    """Open the configured camera, read a few frames within a few seconds, close it."""
    from kiosk.capture.sources import open_source

    source = open_source(str(getattr(config, "camera", "auto")), width=640, height=480, fps=0.0)
    frames: list[np.ndarray] = []
    try:
        deadline = time.monotonic() + CAMERA_SECONDS
        while len(frames) < CAMERA_FRAMES and time.monotonic() < deadline:
            frame = source.read()
            if frame is not None:
                frames.append(frame)
            else:
                time.sleep(0.05)
    finally:
        source.close()
    return CameraSample(source.name, bool(getattr(source, "is_demo", False)), frames)


def judge_frames(frames: list[object]) -> str:
    """ "none", "black" (every frame dark: lens cap, dead sensor), "frozen" (every frame the
    same: a live sensor always has some noise) or "ok"; the thresholds of CameraSource."""
    import numpy as np

    from kiosk.capture import thresholds as T

    if not frames:
        return "none"
    thumbs = [np.asarray(f)[::16, ::16] for f in frames]
    if all(float(t.mean()) < T.BLACK_MEAN_MAX for t in thumbs):
        return "black"
    if len(thumbs) > 1 and all(np.array_equal(thumbs[0], t) for t in thumbs[1:]):
        return "frozen"
    return "ok"


def check_camera(ctx: Context) -> Result:
    if ctx.camera is None:
        return result("camera", "skipped", "not_checked")
    cfg = ctx.config_or_none()
    try:
        sample = ctx.camera(cfg)
    except Exception as exc:  # CaptureError (no camera), or OpenCV missing
        return result("camera", "fail", "missing", error=type(exc).__name__)
    verdict = judge_frames(list(sample.frames))
    values = {"source": "demo" if sample.is_demo else "camera", "frames": len(sample.frames)}
    if verdict != "ok":
        return result("camera", "fail", verdict, {**values, "verdict": verdict}, name=sample.name)
    if sample.is_demo:
        return result("camera", "warn", "demo", values)
    return result("camera", "ok", "ok", values, name=sample.name)


# -- printer -----------------------------------------------------------------------------------
def check_printer(ctx: Context) -> Result:
    from kiosk.printer_spec import PrinterSettingError, parse_printer_spec

    cfg = ctx.config_or_none()
    try:
        spec = parse_printer_spec(cfg.printer if cfg else "none")
    except PrinterSettingError as exc:
        return result("printer", "fail", "bad_setting", {"kind": "invalid"}, error=str(exc))
    values: dict[str, object] = {"kind": spec.kind}
    if spec.kind == "none":
        return result("printer", "skipped", "none", values)
    if spec.kind == "system":
        return result("printer", "skipped", "system", values)
    try:
        if spec.kind == "file":
            fd = os.open(spec.target, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NONBLOCK", 0))
            os.close(fd)
        elif spec.kind == "network":
            with socket.create_connection((spec.target, spec.port), timeout=ctx.printer_timeout):
                pass
        else:  # usb
            import usb.core  # pyusb, with the escpos extra

            if usb.core.find(idVendor=spec.vendor, idProduct=spec.product) is None:
                return result("printer", "fail", "unreachable", values, error="not connected")
    except ImportError:
        return result("printer", "fail", "unreachable", values, error="pyusb is not installed")
    except OSError as exc:
        return result("printer", "fail", "unreachable", values, error=exc.strerror or str(exc))
    return result("printer", "ok", "ok", values)


# -- scanner folder ----------------------------------------------------------------------------
def check_scanner(ctx: Context) -> Result:
    cfg = ctx.config_or_none()
    folder = cfg.scan_folder if cfg else None
    if folder is None:
        return result("scanner", "skipped", "none")
    if not Path(folder).is_dir():
        return result("scanner", "fail", "missing", folder=str(folder))
    try:  # imported files are moved out of it, so the kiosk must be able to write there
        fd, name = tempfile.mkstemp(prefix=".sala-check-", dir=folder)
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(name)
    except OSError:
        return result("scanner", "fail", "read_only", folder=str(folder))
    return result("scanner", "ok", "ok", folder=str(folder))

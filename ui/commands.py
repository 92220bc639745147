"""`sala kiosk` and `sala screenshots`: the UI's commands. No Qt import until one runs."""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{3,5})[xX×](\d{3,5})", text.strip())
    if not m:
        raise argparse.ArgumentTypeError("use WIDTHxHEIGHT, e.g. 1920x1080")
    return int(m.group(1)), int(m.group(2))


def _config(args: argparse.Namespace) -> Any:
    from kiosk.config import load_config

    data_dir = getattr(args, "data_dir", None)
    return load_config(Path(data_dir) if data_dir else None)


def cmd_kiosk(args: argparse.Namespace) -> int:
    # No cyclic GC until the attract screen is painted (`ui.app.run` says why), from here
    # rather than from `run()`: importing PySide and building its enums makes many objects
    # and few cycles, and the collections that triggers cost ~5 ms of start-up (measured
    # with gc.callbacks). `ui.policy` (the GC policy's one home) collects and turns it back
    # on after the first paint; plain `gc` here, as `ui.policy` would import PySide6 too soon.
    gc.disable()
    # OpenCV reads this when first imported (on a worker, later): slow webcams on Windows
    # otherwise (GUIDE.md §5). Not importing kiosk.capture here keeps cv2 out of start-up.
    os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")
    config = _config(args)
    # The attract screen's pure-Python modules are imported before PySide6 on purpose: once
    # PySide6 is loaded, shiboken's `__feature__` import hook reads the source of every module
    # imported after it (inspect.getsource) to see whether it uses PySide: ~2 ms of start-up.
    import ui.session
    import ui.widgets.text  # noqa: F401  (kiosk.i18n, kiosk.text, json)
    from ui.app import options_from_config, run

    camera = args.camera or ("demo" if args.demo else None)
    opts = options_from_config(config, camera=camera)
    throwaway = None
    if args.demo and not getattr(args, "data_dir", None):
        throwaway = opts.data_dir = Path(tempfile.mkdtemp(prefix="sala-demo-"))
        opts.server_url = None
    try:
        return run(opts, windowed=args.windowed, size=args.size)
    finally:
        if throwaway is not None:
            shutil.rmtree(throwaway, ignore_errors=True)


def cmd_screenshots(args: argparse.Namespace) -> int:
    from ui.screenshots import render_all

    paths = render_all(Path(args.out), sizes=args.sizes or None)
    print(f"wrote {len(paths)} screenshots to {args.out}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "kiosk",
        help="start the citizen touchscreen (full-screen, frameless)",
        description="Start the kiosk full-screen. With no camera it uses the demo camera.",
    )
    p.add_argument(
        "--windowed",
        action="store_true",
        help="an ordinary window instead of full-screen (development)",
    )
    p.add_argument("--size", type=_size, help="window size WIDTHxHEIGHT, e.g. 1080x1920")
    p.add_argument("--camera", help='camera: "auto", a device index, a video file or "demo"')
    p.add_argument(
        "--demo",
        action="store_true",
        help="demo camera, and a throw-away data dir unless --data-dir is given",
    )
    p.set_defaults(func=cmd_kiosk)
    s = sub.add_parser(
        "screenshots",
        help="render every screen in Khmer and English to PNG files",
        description="Render every kiosk screen offscreen in km and en at 1920x1080 and "
        "1080x1920 (or --size) to PNG files, for review.",
    )
    s.add_argument("--out", required=True, help="folder for the PNG files")
    s.add_argument(
        "--size",
        dest="sizes",
        type=_size,
        action="append",
        help="a size WIDTHxHEIGHT (repeatable); default 1920x1080 and 1080x1920",
    )
    s.set_defaults(func=cmd_screenshots)

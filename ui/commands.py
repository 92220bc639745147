"""`sala kiosk`, `sala screenshots` and `sala receipt`: the UI's commands. No Qt import until
one runs."""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import sys
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
    if getattr(args, "safe", False):  # the crash-loop limit's technician screen
        from ui.setup.safe_mode import run_safe

        data_dir = getattr(args, "data_dir", None)  # its config is read there: it may be broken
        return run_safe(
            Path(data_dir) if data_dir else None, windowed=args.windowed, size=args.size
        )
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
    from kiosk.logs import setup_logging  # the technician's log, PII redacted (kiosk/logs.py)

    setup_logging(opts.data_dir)
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


# `sala receipt` exit codes: written / no such sent application / could not (input, store, file).
RECEIPT_OK, RECEIPT_NOT_FOUND, RECEIPT_FAILED = 0, 1, 2


def cmd_receipt(args: argparse.Namespace) -> int:
    """Write a stored application's receipt as a PDF, found by its number (any printed form)."""
    from kiosk.catalog import CatalogError
    from kiosk.catalog.manager import CatalogManager
    from kiosk.i18n import error_text
    from kiosk.store.db import DB_FILE

    def fail(code: int, message: str) -> int:
        print(f"sala receipt: {message}", file=sys.stderr)
        return code

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        return fail(RECEIPT_FAILED, f"--out must name a .pdf file, not {str(out)!r}")
    if not out.parent.is_dir():
        return fail(RECEIPT_FAILED, f"the folder {str(out.parent)!r} does not exist")
    config = _config(args)
    if not (config.data_dir / DB_FILE).is_file():  # never make an empty store here
        return fail(RECEIPT_FAILED, f"no kiosk data in {config.data_dir} (try --data-dir)")
    try:
        catalog: Any = CatalogManager(config.data_dir).current()
    except (CatalogError, OSError) as exc:  # the receipt still prints, with the service id
        print(f"sala receipt: catalog unreadable, service shown by id: {exc}", file=sys.stderr)
        catalog = None
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a PDF needs no screen
    from PySide6.QtGui import QGuiApplication

    from kiosk.store import Store
    from ui.receipts.reprint import ReceiptNotFound, write_receipt_pdf

    _app = QGuiApplication.instance() or QGuiApplication(["sala"])  # text needs one (fonts)
    try:
        # orphan_hours=inf: looking up a receipt must not tidy away anyone's media
        with Store.open(
            config.data_dir, commune_code=config.commune_code, orphan_hours=float("inf")
        ) as store:
            path = write_receipt_pdf(
                store, args.app_number, out, catalog=catalog, locale=args.lang, size=args.size
            )
    except ReceiptNotFound as exc:
        return fail(RECEIPT_NOT_FOUND, error_text(exc, "en"))
    except Exception as exc:  # locked key, damaged store or row, unwritable file
        key = getattr(exc, "message_key", None)
        why = error_text(exc, "en") if isinstance(key, str) else str(exc)
        return fail(RECEIPT_FAILED, f"{why} ({type(exc).__name__}: {exc})")
    print(f"wrote {path}")
    return RECEIPT_OK


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
    p.add_argument(
        "--safe",
        action="store_true",
        help="safe mode after repeated failures: the self-test and a technician's tools only "
        "(sala-kiosk-failed.service)",
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
    r = sub.add_parser(
        "receipt",
        help="write a sent application's receipt as a PDF (to reprint it)",
        description="Find a sent application by its number as printed (also numbers from "
        "before kiosk numbers, and numbers replaced after a clash) or by registration id, and "
        "write its receipt as a PDF. Exit codes: 0 written, 1 no such sent application here, "
        "2 could not (bad --out, no store, locked key, damaged row).",
    )
    r.add_argument("app_number", metavar="APP_NUMBER", help="e.g. 120101-01-00042-7")
    r.add_argument("--out", required=True, help="the PDF file to write, e.g. receipt.pdf")
    r.add_argument("--size", choices=("A6", "A4"), default="A6", help="paper size (default A6)")
    r.add_argument(
        "--lang",
        choices=("km", "en"),
        help="the receipt's first language (default: the one the citizen applied in)",
    )
    r.set_defaults(func=cmd_receipt)

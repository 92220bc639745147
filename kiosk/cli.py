"""`sala status`, `sala self-test` and `sala diagnostics`: the technician's view of a kiosk,
without Qt.

`status` reads the database read-only and needs no key, so it works even when the data is
locked; `self-test` runs the shared checks (kiosk/diagnostics) and explains each failure in
plain words; `diagnostics` writes them, with logs and versions, into one PII-free zip.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any, TextIO

from kiosk.diagnostics import (
    MIN_FREE_BYTES,
    CameraSample,
    Context,
    Result,
    catalog_in_use,
    check_font,
    free_space,
    probe_camera,
    run_checks,
)
from kiosk.diagnostics.model import CameraProbe, StatVfs

_MARK = {"ok": "PASS", "warn": "WARN", "fail": "FAIL", "skipped": "SKIP"}


def register(sub: Any) -> None:
    """Add `status` and `self-test` to the `sala` parser."""
    p = sub.add_parser("status", help="counts of applications by state, and sync state")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser(
        "self-test",
        help="check data dir, database, audit chain, catalog, fonts, camera, printer, sync",
        description="Run the kiosk's checks and say what to do about each. Exit 1 if any "
        "failed (warnings pass).",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--lang", choices=("en", "km"), help="language of the texts (default en)")
    p.add_argument("--no-camera", action="store_true", help="do not open the camera")
    p.set_defaults(func=cmd_self_test)
    p = sub.add_parser(
        "diagnostics",
        help="write a diagnostics bundle (zip, no personal data) for the ministry's support",
        description="One zip: logs, versions, the configuration without secrets, self-test "
        "results, queue counts and recent sync errors, with names, phone and ID numbers "
        "removed. Exit 2 when the file cannot be written.",
    )
    p.add_argument("--out", required=True, help="the zip file to write, e.g. /media/usb/diag.zip")
    p.add_argument("--no-camera", action="store_true", help="do not open the camera")
    p.set_defaults(func=cmd_diagnostics)


def _data_dir(args: argparse.Namespace) -> Path:
    from kiosk.config import default_data_dir

    given = getattr(args, "data_dir", None)
    return Path(given) if given else default_data_dir()


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


# -- status --------------------------------------------------------------------------------------
def read_status(data_dir: Path, statvfs: StatVfs | None = None) -> dict[str, Any]:
    """Counts and sync state straight from the database file (read-only, no key needed),
    free space and the catalog in use. A file that does not read is reported as damaged."""
    from kiosk.diagnostics.queue import read_queue

    info: dict[str, Any] = {"data_dir": str(data_dir)}
    try:
        info["free_bytes"] = free_space(data_dir, statvfs)
    except OSError as exc:
        info["free_bytes"] = None
        info["free_error"] = str(exc)
    try:
        info["catalog"] = catalog_in_use(data_dir)
    except Exception as exc:  # a missing or broken catalog package must not hide the counts
        info["catalog"] = {"source": None, "error": str(exc)}
    try:
        info.update(read_queue(data_dir))
    except (sqlite3.Error, ValueError) as exc:  # ValueError: a damaged page of text
        info.update(exists=True, damaged=f"{type(exc).__name__}: {exc}")
    return info


def cmd_status(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    data_dir = _data_dir(args)
    info = read_status(data_dir, getattr(args, "statvfs", None))
    if getattr(args, "json", False):
        print(json.dumps(info, ensure_ascii=False, indent=2), file=out)
        return 1 if info.get("damaged") else 0
    print(f"Data dir: {data_dir}", file=out)
    free = info.get("free_bytes")
    if free is None:
        print(f"Free space: unknown ({info.get('free_error')})", file=out)
    else:
        low = "  LOW: free some space" if free < MIN_FREE_BYTES else ""
        print(f"Free space: {_mb(free)} (needs at least {_mb(MIN_FREE_BYTES)}){low}", file=out)
    cat = info["catalog"]
    if cat.get("source"):
        print(
            f"Catalog in use: {cat['source']} version {cat['version']}, {cat['services']} services",
            file=out,
        )
    if cat.get("installed_error") or cat.get("error"):
        print(
            f"  The installed catalog is damaged and not used: "
            f"{cat.get('installed_error') or cat.get('error')}",
            file=out,
        )
    if info.get("damaged"):
        print(
            f"The database is damaged and cannot be read ({info['damaged']}). "
            "Run `sala self-test` and restore the latest backup.",
            file=out,
        )
        return 1
    if not info["exists"]:
        print("No kiosk database here yet (nothing has been saved).", file=out)
        return 0
    print("Applications by state:", file=out)
    for state, n in info["counts"].items():
        print(f"  {state:<10} {n}", file=out)
    oldest = f" (oldest queued {info['outbox_oldest']})" if info["outbox_oldest"] else ""
    print(f"Waiting to upload: {info['outbox_pending']}{oldest}", file=out)
    print(f"Last sync success: {info['last_sync_success'] or 'never'}", file=out)
    err = info["last_sync_error"]
    print(
        "Last sync error: " + (f"{err.get('at')} {err.get('message')}" if err else "none"), file=out
    )
    bad = info.get("damaged_rows") or []
    print(f"Damaged applications (skipped, not sent): {len(bad)}", file=out)
    for row in bad:
        print(f"  {row['app_number'] or '-'} {row['id']}: {row['why']}", file=out)
    return 0


# -- self-test and diagnostics ------------------------------------------------------------------
def self_test_results(
    data_dir: Path,
    *,
    fonts_dir: Path | None = None,
    statvfs: StatVfs | None = None,
    camera: CameraProbe | None = None,
) -> list[Result]:
    """The shared checks (kiosk/diagnostics), with the disk and camera probes passed in."""
    ctx = Context(data_dir, statvfs=statvfs, fonts_dir=fonts_dir, camera=camera)
    return run_checks(ctx)


def print_results(results: list[Result], out: TextIO, locale: str = "en") -> int:
    """PASS/WARN/FAIL/SKIP lines with what to do; 1 if any check failed (warnings pass)."""
    from kiosk.i18n import tr

    for r in results:
        title = tr(f"diagnostics.{r.id}.title", locale)
        print(f"{_MARK[r.status]} {title}: {r.text(locale)}", file=out)
    failed = sum(r.status == "fail" for r in results)
    print(f"{len(results) - failed} of {len(results)} checks passed.", file=out)
    return 1 if failed else 0


def run_self_test(
    data_dir: Path,
    out: TextIO,
    fonts_dir: Path | None = None,
    statvfs: StatVfs | None = None,
    camera: CameraProbe | None = None,
) -> int:
    """Run every check, print it with an explanation; 0 unless one failed. `camera=None`
    skips the camera (tests); `sala self-test` probes the configured one."""
    results = self_test_results(data_dir, fonts_dir=fonts_dir, statvfs=statvfs, camera=camera)
    return print_results(results, out)


def cmd_self_test(args: argparse.Namespace, out: TextIO | None = None) -> int:
    camera = None if getattr(args, "no_camera", False) else probe_camera
    out = out or sys.stdout
    results = self_test_results(_data_dir(args), camera=camera)
    if getattr(args, "json", False):
        print(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2), file=out)
        return 1 if any(r.status == "fail" for r in results) else 0
    return print_results(results, out, getattr(args, "lang", None) or "en")


def cmd_diagnostics(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Write the PII-free bundle (kiosk/diagnostics/bundle.py); 0 written, 2 could not."""
    from kiosk.diagnostics.bundle import write_bundle

    camera = None if getattr(args, "no_camera", False) else probe_camera
    try:
        path = write_bundle(_data_dir(args), Path(args.out), camera=camera)
    except OSError as exc:
        print(f"sala diagnostics: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}", file=out or sys.stdout)
    return 0


__all__ = [
    "MIN_FREE_BYTES",
    "CameraSample",
    "catalog_in_use",
    "check_font",
    "cmd_diagnostics",
    "cmd_self_test",
    "cmd_status",
    "free_space",
    "print_results",
    "read_status",
    "register",
    "run_self_test",
    "self_test_results",
]

"""`sala status` and `sala self-test`: the technician's view of a kiosk, without Qt.

`status` reads the database read-only and needs no key, so it works even when the data is
locked; `self-test` opens everything a kiosk needs and explains each failure in plain words.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

REQUIRED_FONTS = (
    "NotoSansKhmer-Regular.ttf",
    "NotoSansKhmer-Bold.ttf",
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
)
_TTF_TAGS = (b"\x00\x01\x00\x00", b"true", b"OTTO")


def register(sub: Any) -> None:
    """Add `status` and `self-test` to the `sala` parser."""
    p = sub.add_parser("status", help="counts of applications by state, and sync state")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("self-test", help="check data dir, database, catalog, fonts, audit chain")
    p.set_defaults(func=cmd_self_test)


def _data_dir(args: argparse.Namespace) -> Path:
    from kiosk.config import default_data_dir

    given = getattr(args, "data_dir", None)
    return Path(given) if given else default_data_dir()


# -- status --------------------------------------------------------------------------------------
def read_status(data_dir: Path) -> dict[str, Any]:
    """Counts and sync state straight from the database file (read-only, no key needed)."""
    from kiosk.model import State
    from kiosk.store.db import DB_FILE

    path = data_dir / DB_FILE
    if not path.exists():
        return {"data_dir": str(data_dir), "exists": False}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        counts = dict.fromkeys((s.value for s in State), 0)
        counts.update(
            dict(
                conn.execute("SELECT state, COUNT(*) FROM registrations GROUP BY state").fetchall()
            )
        )
        pending, oldest = conn.execute(
            "SELECT COUNT(*), MIN(o.queued_at) FROM outbox o JOIN registrations r "
            "ON r.id = o.registration_id WHERE r.state IN ('submitted', 'uploading')"
        ).fetchone()
        settings = {
            k: json.loads(v)
            for k, v in conn.execute(
                "SELECT key, value FROM settings WHERE key IN "
                "('sync.last_success', 'sync.last_error', 'sync.feed_cursor')"
            )
        }
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    return {
        "data_dir": str(data_dir),
        "exists": True,
        "schema_version": version,
        "counts": counts,
        "outbox_pending": pending,
        "outbox_oldest": oldest,
        "last_sync_success": settings.get("sync.last_success"),
        "last_sync_error": settings.get("sync.last_error"),
        "feed_cursor": settings.get("sync.feed_cursor"),
    }


def cmd_status(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    data_dir = _data_dir(args)
    try:
        info = read_status(data_dir)
    except sqlite3.Error as exc:
        print(f"Cannot read the database in {data_dir}: {exc}. Run `sala self-test`.", file=out)
        return 1
    if getattr(args, "json", False):
        print(json.dumps(info, ensure_ascii=False, indent=2), file=out)
        return 0
    print(f"Data dir: {data_dir}", file=out)
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
    return 0


# -- self-test -----------------------------------------------------------------------------------
Check = tuple[str, Callable[[], str]]  # name, run() -> detail; raises SelfTestFailed


class SelfTestFailed(Exception):
    """A check failed; the message says what is wrong and what to do."""


def check_font(path: Path) -> str:
    """A TrueType/OpenType file: right magic, a sane table directory, a cmap table."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SelfTestFailed(
            f"font {path.name} is missing or unreadable ({exc.strerror}); "
            "reinstall Sala or copy it back into assets/fonts."
        ) from None
    if len(data) < 12 or data[:4] not in _TTF_TAGS:
        raise SelfTestFailed(f"font {path.name} is not a TrueType/OpenType file.")
    (num_tables,) = struct.unpack(">H", data[4:6])
    if num_tables == 0 or len(data) < 12 + 16 * num_tables:
        raise SelfTestFailed(f"font {path.name} is cut short (table directory incomplete).")
    tags = {data[12 + 16 * i : 16 + 16 * i] for i in range(num_tables)}
    for i in range(num_tables):
        offset, length = struct.unpack(">II", data[20 + 16 * i : 28 + 16 * i])
        if offset + length > len(data):
            raise SelfTestFailed(f"font {path.name} is cut short (a table runs past the end).")
    if b"cmap" not in tags:
        raise SelfTestFailed(f"font {path.name} has no character map.")
    return f"{path.name} ok"


def _fonts_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("assets") / "fonts"))


def run_self_test(data_dir: Path, out: TextIO, fonts_dir: Path | None = None) -> int:
    """Run every check, print PASS/FAIL with an explanation; 0 only if all passed."""
    from kiosk.config import load_config
    from kiosk.store import Store, StoreError
    from kiosk.store.db import check_writable

    store: list[Store] = []

    def writable() -> str:
        check_writable(data_dir)
        return str(data_dir)

    def database() -> str:
        cfg = load_config(data_dir)
        store.append(Store.open(data_dir, commune_code=cfg.commune_code))
        result = store[0].integrity_check()
        if result != ["ok"]:
            raise SelfTestFailed(
                "database integrity check failed: "
                + "; ".join(result[:3])
                + ". Restore the latest backup of the data dir."
            )
        return "integrity ok"

    def audit() -> str:
        if not store:
            raise SelfTestFailed("skipped: the database did not open.")
        broken = store[0].audit.verify()
        if broken is not None:
            raise SelfTestFailed(
                f"the audit log was altered at entry {broken}. Keep this "
                "data dir as it is and report it to the ministry."
            )
        return "chain ok"

    def media() -> str:
        if not store:
            raise SelfTestFailed("skipped: the database did not open.")
        bad = store[0].verify_media(limit=50)
        if bad:
            raise SelfTestFailed(
                f"{len(bad)} recent photos/pages are missing or damaged "
                f"(first: {bad[0]}). Restore the media folder from the backup."
            )
        return "the 50 most recent photos/pages decrypt and match their hash"

    def catalog() -> str:
        try:
            from kiosk.catalog import load_bundled_catalog
        except ImportError as exc:
            raise SelfTestFailed(f"the catalog module is not installed ({exc}).") from None
        cat = load_bundled_catalog()
        if not cat.services:
            raise SelfTestFailed("the bundled catalog has no usable service.")
        return f"{len(cat.services)} services, version {cat.version}"

    def fonts() -> str:
        folder = fonts_dir or _fonts_dir()
        return ", ".join(check_font(folder / name) for name in REQUIRED_FONTS)

    checks: list[Check] = [
        ("data dir writable", writable),
        ("database", database),
        ("audit chain", audit),
        ("media vault", media),
        ("catalog", catalog),
        ("fonts", fonts),
    ]
    failed = 0
    try:
        for name, run in checks:
            try:
                detail = run()
            except (SelfTestFailed, StoreError, OSError, ValueError) as exc:
                failed += 1
                print(f"FAIL {name}: {exc}", file=out)
            else:
                print(f"PASS {name}: {detail}", file=out)
    finally:
        for s in store:
            s.close()
    print(f"{len(checks) - failed} of {len(checks)} checks passed.", file=out)
    return 1 if failed else 0


def cmd_self_test(args: argparse.Namespace, out: TextIO | None = None) -> int:
    return run_self_test(_data_dir(args), out or sys.stdout)


__all__ = ["check_font", "cmd_self_test", "cmd_status", "read_status", "register", "run_self_test"]

"""`sala status` and `sala self-test`: the technician's view of a kiosk, without Qt.

`status` reads the database read-only and needs no key, so it works even when the data is
locked; `self-test` opens everything a kiosk needs and explains each failure in plain words.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

# Self-test fails below this much free space on the data dir's disk: a day of a busy commune's
# photos and pages (~300 applications x ~600 KB) plus SQLite's room to checkpoint and vacuum.
MIN_FREE_BYTES = 200 * 1024 * 1024
StatVfs = Callable[[Path], os.statvfs_result]

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


# -- free space and the catalog in use -----------------------------------------------------------
def free_space(data_dir: Path, statvfs: StatVfs | None = None) -> int:
    """Bytes free for Sala on the disk holding the data dir (or its nearest existing parent)."""
    probe = Path(data_dir)
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    st = (statvfs or os.statvfs)(probe)
    return int(st.f_bavail * st.f_frsize)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def catalog_in_use(data_dir: Path) -> dict[str, Any]:
    """Which catalog the kiosk shows: the installed one if it loads, else the bundled one;
    `installed_error` says why an installed file is not used (the kiosk falls back silently)."""
    from kiosk.catalog import CatalogError, load_bundled_catalog, load_catalog
    from kiosk.catalog.manager import CatalogManager

    path = CatalogManager(data_dir).path
    info: dict[str, Any] = {"installed_path": str(path) if path.exists() else None}
    if path.exists():
        try:
            cat = load_catalog(path)
        except (CatalogError, OSError, ValueError) as exc:
            info["installed_error"] = str(exc)
        else:
            return {
                **info,
                "source": "installed",
                "version": cat.version,
                "services": len(cat.services),
            }
    cat = load_bundled_catalog()
    return {**info, "source": "bundled", "version": cat.version, "services": len(cat.services)}


# -- status --------------------------------------------------------------------------------------
def read_status(data_dir: Path, statvfs: StatVfs | None = None) -> dict[str, Any]:
    """Counts and sync state straight from the database file (read-only, no key needed),
    free space and the catalog in use. A file that does not read is reported as damaged."""
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
        info.update(_read_db(data_dir))
    except (sqlite3.Error, ValueError) as exc:  # ValueError: a damaged page of text
        info.update(exists=True, damaged=f"{type(exc).__name__}: {exc}")
    return info


def _read_db(data_dir: Path) -> dict[str, Any]:
    from kiosk.model import State
    from kiosk.store.db import DB_FILE

    path = data_dir / DB_FILE
    if not path.exists():
        return {"exists": False}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        counts = dict.fromkeys((s.value for s in State), 0)
        counts.update(
            dict(
                conn.execute("SELECT state, COUNT(*) FROM registrations GROUP BY state").fetchall()
            )
        )
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        sound = " AND r.damaged IS NULL" if version >= 3 else ""
        pending, oldest = conn.execute(
            "SELECT COUNT(*), MIN(o.queued_at) FROM outbox o JOIN registrations r "
            "ON r.id = o.registration_id WHERE r.state IN ('submitted', 'uploading')" + sound
        ).fetchone()
        settings = {
            k: json.loads(v)
            for k, v in conn.execute(
                "SELECT key, value FROM settings WHERE key IN "
                "('sync.last_success', 'sync.last_error', 'sync.feed_cursor')"
            )
        }
        rows: list[Any] = []
        if version >= 3:
            rows = conn.execute(
                "SELECT id, app_number, damaged FROM registrations WHERE damaged IS NOT NULL "
                "ORDER BY seq"
            ).fetchall()
    finally:
        conn.close()
    return {
        "exists": True,
        "damaged_rows": [{"id": r[0], "app_number": r[1], "why": r[2]} for r in rows],
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


def run_self_test(
    data_dir: Path,
    out: TextIO,
    fonts_dir: Path | None = None,
    statvfs: StatVfs | None = None,
) -> int:
    """Run every check, print PASS/FAIL with an explanation; 0 only if all passed."""
    from kiosk.config import load_config
    from kiosk.store import Store, StoreError
    from kiosk.store.db import check_writable

    store: list[Store] = []

    def writable() -> str:
        check_writable(data_dir)
        return str(data_dir)

    def space() -> str:
        free = free_space(data_dir, statvfs)
        if free < MIN_FREE_BYTES:
            raise SelfTestFailed(
                f"only {_mb(free)} free on the disk holding {data_dir}; Sala needs at least "
                f"{_mb(MIN_FREE_BYTES)}. Delete old files or move the data dir to a bigger disk."
            )
        return f"{_mb(free)} free (at least {_mb(MIN_FREE_BYTES)} needed)"

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

    def records() -> str:
        if not store:
            raise SelfTestFailed("skipped: the database did not open.")
        store[0].verify_rows()
        bad = store[0].damaged()
        if bad:
            names = "; ".join(f"{num or '-'} ({rid})" for rid, num, _ in bad)
            raise SelfTestFailed(
                f"{len(bad)} application(s) cannot be decrypted and are skipped: {names}. "
                "The others are sound and still sync. Keep this data dir as it is, restore "
                "these from the latest backup, and report them to the ministry."
            )
        return "every application decrypts"

    def media() -> str:
        if not store:
            raise SelfTestFailed("skipped: the database did not open.")
        bad = store[0].verify_media()
        if bad:
            raise SelfTestFailed(
                f"{len(bad)} photos/pages are missing or damaged: {', '.join(bad)}. "
                "Restore the media folder from the backup."
            )
        return "every photo/page decrypts and matches its hash"

    def catalog() -> str:
        try:
            info = catalog_in_use(data_dir)
        except ImportError as exc:
            raise SelfTestFailed(f"the catalog module is not installed ({exc}).") from None
        if info.get("installed_error"):
            raise SelfTestFailed(
                f"the installed catalog {info['installed_path']} is damaged "
                f"({info['installed_error']}); the kiosk falls back to the bundled version "
                f"{info['version']}. It is replaced by the next catalog the server publishes, "
                "or delete the file to use the bundled one on purpose."
            )
        if not info["services"]:
            raise SelfTestFailed(f"the {info['source']} catalog has no usable service.")
        return f"{info['source']}: {info['services']} services, version {info['version']}"

    def fonts() -> str:
        folder = fonts_dir or _fonts_dir()
        return ", ".join(check_font(folder / name) for name in REQUIRED_FONTS)

    checks: list[Check] = [
        ("data dir writable", writable),
        ("free space", space),
        ("database", database),
        ("applications", records),
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


__all__ = [
    "MIN_FREE_BYTES",
    "catalog_in_use",
    "check_font",
    "cmd_self_test",
    "cmd_status",
    "free_space",
    "read_status",
    "register",
    "run_self_test",
]

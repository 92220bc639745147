"""Checks of the data dir, the database, the audit chain, the catalog, the backlog and sync.

Each returns one `Result`; none raises for what it is checking (an exception from a check is
turned into a failure by the runner). The texts are in diagnostics.json.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.diagnostics.model import Context, Result, Status, result
from kiosk.store.db import DB_FILE

# Fails below this much free space on the data dir's disk: a day of a busy commune's photos
# and pages (~300 applications x ~600 KB) plus SQLite's room to checkpoint and vacuum.
MIN_FREE_BYTES = 200 * 1024 * 1024
BACKLOG_WARN_HOURS = 72.0  # a backlog older than this: the link has been down for days
CLOCK_WARN_SECONDS = 120.0  # the server refuses signatures further off (PROTOCOL.md)
# Written by `sala enrol` (sync/client/enrol.py); read here by name because the kiosk layer
# may not import the sync client (the layers contract in pyproject.toml).
IDENTITY_FILE = "sync-device.json"


def mb(n: int) -> int:
    return round(n / 1024 / 1024)


def free_space(data_dir: Path, statvfs: Any = None) -> int:
    """Bytes free for Sala on the disk holding the data dir (or its nearest existing parent)."""
    import os

    probe = Path(data_dir)
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    st = (statvfs or os.statvfs)(probe)
    return int(st.f_bavail * st.f_frsize)


def check_data_dir(ctx: Context) -> Result:
    from kiosk.store.db import check_writable

    check_writable(ctx.data_dir)
    return result("data_dir", "ok", "ok", path=str(ctx.data_dir))


def check_free_space(ctx: Context) -> Result:
    free = free_space(ctx.data_dir, ctx.statvfs)
    values = {"free_mb": mb(free), "min_mb": mb(MIN_FREE_BYTES)}
    status: Status = "ok" if free >= MIN_FREE_BYTES else "fail"
    return result("free_space", status, status, values, path=str(ctx.data_dir), **values)


def check_database(ctx: Context) -> Result:
    """Opens the store (kept in the context for the checks after it) and runs integrity_check."""
    from kiosk.store import Store, StoreCorrupt, StoreError

    if ctx.store is None:
        try:
            cfg = ctx.load_config()
            ctx.store = Store.open(ctx.data_dir, commune_code=cfg.commune_code)
            ctx.opened_store = True
        except StoreCorrupt as exc:  # its own advice, in the technician's language
            ctx.store_error = str(exc)
            where = {k: str(exc.params.get(k, "")) for k in ("path", "copy")}
            return result("database", "fail", "corrupt", **where)
        except (StoreError, OSError, ValueError) as exc:
            ctx.store_error = str(exc)
            return result("database", "fail", "unopened", error=str(exc))
    rows = ctx.store.integrity_check()
    if rows != ["ok"]:
        return result("database", "fail", "integrity", error="; ".join(rows[:3]))
    return result("database", "ok", "ok")


def _no_store(check_id: str) -> Result:
    return result(check_id, "fail", "no_database")


def check_applications(ctx: Context) -> Result:
    if ctx.store is None:
        return _no_store("applications")
    ctx.store.verify_rows()
    bad = ctx.store.damaged()
    if bad:
        names = "; ".join(f"{num or '-'} ({rid})" for rid, num, _ in bad)
        return result(
            "applications", "fail", "damaged", {"damaged": len(bad)}, n=len(bad), names=names
        )
    return result("applications", "ok", "ok", {"damaged": 0})


def check_audit(ctx: Context) -> Result:
    if ctx.store is None:
        return _no_store("audit")
    broken = ctx.store.audit.verify()
    if broken is not None:
        return result("audit", "fail", "broken", {"broken_at": broken}, entry=broken)
    return result("audit", "ok", "ok")


def check_media(ctx: Context) -> Result:
    if ctx.store is None:
        return _no_store("media")
    bad = ctx.store.verify_media()
    if bad:
        return result(
            "media", "fail", "damaged", {"damaged": len(bad)}, n=len(bad), shas=", ".join(bad)
        )
    return result("media", "ok", "ok", {"damaged": 0})


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


def check_catalog(ctx: Context) -> Result:
    try:
        info = catalog_in_use(ctx.data_dir)
    except ImportError as exc:
        return result("catalog", "fail", "missing", error=str(exc))
    values = {
        "source": info["source"],
        "version": str(info["version"]),
        "services": info["services"],
    }
    if info.get("installed_error"):
        return result(
            "catalog",
            "fail",
            "installed_damaged",
            values,
            path=info["installed_path"],
            error=info["installed_error"],
            version=str(info["version"]),
        )
    if not info["services"]:
        return result("catalog", "fail", "empty", values, source=info["source"])
    return result("catalog", "ok", "ok", values, **values)


def _parse(at: object) -> datetime | None:
    if not isinstance(at, str):
        return None
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return None
    return when if when.tzinfo else None


def _hours(ctx: Context, at: object) -> float | None:
    when = _parse(at)
    return None if when is None else round((ctx.now() - when).total_seconds() / 3600, 1)


def check_backlog(ctx: Context) -> Result:
    from kiosk.diagnostics.queue import read_queue

    info = read_queue(ctx.data_dir)
    if not info["exists"]:
        return result("backlog", "ok", "empty", {"pending": 0})
    pending = int(info["outbox_pending"] or 0)
    age = _hours(ctx, info["outbox_oldest"]) if pending else None
    values = {"pending": pending, "oldest_hours": age}
    if not pending:
        return result("backlog", "ok", "empty", values)
    status: Status = "warn" if age is not None and age > BACKLOG_WARN_HOURS else "ok"
    return result(
        "backlog", status, "old" if status == "warn" else "ok", values, n=pending, hours=age
    )


def _enrolled(ctx: Context) -> dict[str, Any] | None:
    path = ctx.data_dir / IDENTITY_FILE
    if not path.exists():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    return raw if isinstance(raw, dict) else {}


def check_sync(ctx: Context) -> Result:
    """The last success and the last error (settings sync.last_success / sync.last_error);
    the error's text is not a param: it may quote the server, and `values` go to the server."""
    from kiosk.diagnostics.queue import read_queue

    info = read_queue(ctx.data_dir) if (ctx.data_dir / DB_FILE).exists() else {}
    success, error = info.get("last_sync_success"), info.get("last_sync_error") or None
    values: dict[str, Any] = {
        "last_success": success if isinstance(success, str) else None,
        "last_error_at": error.get("at") if isinstance(error, dict) else None,
    }
    if _enrolled(ctx) is None:
        return result("sync", "skipped", "not_enrolled", values)
    err_when, ok_when = _parse(values["last_error_at"]), _parse(values["last_success"])
    if err_when is not None and (ok_when is None or err_when > ok_when):
        return result(
            "sync", "warn", "error", values, at=values["last_error_at"], success=success or "-"
        )
    if ok_when is None:
        return result("sync", "warn", "never", values)
    return result("sync", "ok", "ok", values, at=values["last_success"])


def check_server(ctx: Context) -> Result:
    """Enrolled, TLS pinned, last known revoked state; no network (the sync worker has it)."""
    from kiosk.diagnostics.queue import read_queue

    ident = _enrolled(ctx)
    if ident is None:
        return result("server", "warn", "not_enrolled", {"enrolled": False})
    url = str(ident.get("server_url") or "")
    values: dict[str, Any] = {
        "enrolled": True,
        "server_url": url,
        "pinned": False,
        "revoked": False,
    }
    ca = ident.get("ca_file")
    key_pinned = bool(ident.get("server_public_key"))
    tls_pinned = not url.startswith("https://") or bool(ca and Path(str(ca)).is_file())
    values["pinned"] = key_pinned and tls_pinned
    if not values["pinned"]:
        return result("server", "fail", "no_pin", values, url=url)
    info = read_queue(ctx.data_dir) if (ctx.data_dir / DB_FILE).exists() else {}
    error = info.get("last_sync_error")
    text = json.dumps(error) if error else ""
    if "revoked" in text.lower():
        values["revoked"] = True
        return result("server", "fail", "revoked", values, url=url)
    return result("server", "ok", "ok", values, url=url)


def check_clock(ctx: Context) -> Result:
    """The kiosk's clock against the server's, as last learned by the sync client (setting
    `sync.clock_offset` = {"seconds", "at"}); no network here."""
    from kiosk.diagnostics.queue import read_queue

    info = read_queue(ctx.data_dir) if (ctx.data_dir / DB_FILE).exists() else {}
    learned = info.get("clock_offset")
    if not isinstance(learned, dict) or not isinstance(learned.get("seconds"), int | float):
        return result("clock", "skipped", "unknown", {"now": ctx.now().isoformat()})
    offset = round(float(learned["seconds"]), 1)
    values = {"offset_seconds": offset, "measured_at": learned.get("at")}
    if abs(offset) > CLOCK_WARN_SECONDS:
        return result("clock", "warn", "off", values, seconds=offset)
    return result("clock", "ok", "ok", values, seconds=offset)


def app_version() -> str:
    """From the installed distribution's metadata (its one owner is pyproject.toml)."""
    from importlib import metadata

    try:
        return metadata.version("sala")
    except metadata.PackageNotFoundError:
        return "unknown"


def check_version(ctx: Context) -> Result:
    version = ctx.version or app_version()
    status: Status = "warn" if version == "unknown" else "ok"
    return result("version", status, status, {"version": version}, version=version)

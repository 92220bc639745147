"""`pull_changes`: bring status, catalog and gazetteer changes down through the change feed.

Each page of changes is stored together with its cursor in one Store transaction
(`store.apply_changes`), CouchDB-checkpoint style: a crash between pages repeats at most one
page, and applying a status twice is harmless. A new catalog is downloaded and installed
*before* its page is applied, so a crash never skips it. A cursor the server no longer keeps
(410) is replaced by a snapshot.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sync import protocol
from sync.client.api import Api, Refused, error_code

log = logging.getLogger(__name__)

PAGE = 200
CATALOG_VERSION_SETTING = "sync.catalog_version"
GAZETTEER_VERSION_SETTING = "sync.gazetteer_version"
CATALOG_ERROR_SETTING = "sync.catalog_error"


def _get_json(api: Api, path: str, query: dict[str, Any] | None = None) -> Any:
    resp = api.request("GET", path, query=query)
    if resp.status_code != 200:
        code, message = error_code(resp)
        raise Refused(
            f"GET {path}: {resp.status_code} {code}: {message}", status=resp.status_code, code=code
        )
    return resp.json()


def _data_dir(store: Any, data_dir: Path | None) -> Path | None:
    if data_dir is not None:
        return Path(data_dir)
    found = getattr(store, "data_dir", None)
    return Path(found) if found is not None else None


def install_catalog(store: Any, api: Api, version: str, url: str, data_dir: Path | None) -> bool:
    """Download a published catalog and hand it to the CatalogManager; True if installed.

    A catalog the kiosk refuses (CatalogManager keeps the last good one) is noted for the
    technician and not fetched again; a network failure raises, so the page is retried later.
    """
    if store.get_setting(CATALOG_VERSION_SETTING) == version:
        return False
    resp = api.request("GET", url)
    if resp.status_code != 200:
        code, message = error_code(resp)
        raise Refused(
            f"GET {url}: {resp.status_code} {code}: {message}", status=resp.status_code, code=code
        )
    directory = _data_dir(store, data_dir)
    try:
        from kiosk.catalog import CatalogManager
    except ImportError:  # the catalog part is not installed: keep the version, nothing to do
        CatalogManager = None  # type: ignore[assignment,misc]
    if CatalogManager is not None and directory is not None:
        try:
            CatalogManager(directory).install(resp.content)
        except Exception as exc:  # CatalogError and friends: the old catalog stays in use
            log.warning("catalog %s refused: %s", version, exc)
            store.set_setting(CATALOG_ERROR_SETTING, {"version": version, "error": str(exc)})
            store.set_setting(CATALOG_VERSION_SETTING, version)
            return False
    store.set_setting(CATALOG_VERSION_SETTING, version)
    return True


def _snapshot(store: Any, api: Api, data_dir: Path | None) -> int:
    snap = _get_json(api, "/v1/snapshot")
    changes = [{"kind": "status", **s} for s in snap.get("statuses") or []]
    # The commune's whole roster, as rows: applied like `staff` feed entries (PROTOCOL.md
    # "Staff roster"); the server scoped it to this kiosk's commune.
    commune = getattr(store, "commune_code", None)
    changes += [
        {"kind": "staff", "seq": 0, "commune_code": commune, "staff": row}
        for row in snap.get("staff") or []
    ]
    version = snap.get("catalog_version")
    if version:
        install_catalog(store, api, str(version), f"/v1/catalog/{version}", data_dir)
    if snap.get("gazetteer_version"):
        store.set_setting(GAZETTEER_VERSION_SETTING, str(snap["gazetteer_version"]))
    store.apply_changes(changes, str(snap["next"]))
    return len(changes)


def _note_release(store: Any, change: dict[str, Any], data_dir: Path | None) -> None:
    """Keep the newest signed release manifest for the updater (kiosk/update, which verifies
    it against the pinned release key before any use; PROTOCOL.md "Releases")."""
    directory = _data_dir(store, data_dir)
    if directory is not None and isinstance(change.get("manifest"), dict):
        from kiosk.update.spool import note_offer

        note_offer(directory, protocol.canonical_json(change["manifest"]))


def _note_contact(store: Any, api: Api, data_dir: Path | None) -> None:
    """The signed feed request succeeded: release freshness counts from this server time."""
    directory = _data_dir(store, data_dir)
    if directory is not None:
        from kiosk.update.spool import note_contact

        note_contact(directory, api.now())


def pull_changes(store: Any, api: Api, *, data_dir: Path | None = None, page: int = PAGE) -> int:
    """Apply every change since the stored cursor; returns how many entries were applied."""
    applied = 0
    while True:
        cursor = store.feed_cursor()
        query: dict[str, Any] = {"limit": page}
        if cursor is not None:
            query["since"] = cursor
        resp = api.request("GET", "/v1/changes", query=query)
        if resp.status_code == 410 and error_code(resp)[0] == protocol.ERR_CURSOR_EXPIRED:
            return applied + _snapshot(store, api, data_dir)
        if resp.status_code != 200:
            code, message = error_code(resp)
            raise Refused(
                f"GET /v1/changes: {resp.status_code} {code}: {message}",
                status=resp.status_code,
                code=code,
            )
        body = resp.json()
        changes: list[dict[str, Any]] = body.get("changes") or []
        for change in changes:
            if change.get("kind") == "catalog" and change.get("version"):
                url = change.get("url") or f"/v1/catalog/{change['version']}"
                install_catalog(store, api, str(change["version"]), str(url), data_dir)
            elif change.get("kind") == "gazetteer" and change.get("version"):
                store.set_setting(GAZETTEER_VERSION_SETTING, str(change["version"]))
            elif change.get("kind") == protocol.RELEASE_KIND:
                _note_release(store, change, data_dir)
        store.apply_changes(changes, str(body["next"]))
        _note_contact(store, api, data_dir)
        applied += len(changes)
        if not body.get("more") or not changes:
            return applied

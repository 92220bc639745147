"""Catalog entries in the change feed reach the kiosk's CatalogManager; a bad one is refused by
the server's publish command and, should one reach the feed anyway, by the kiosk itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.catalog import CatalogManager
from sync.client.pull import CATALOG_ERROR_SETTING, pull_changes

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.catalog_docs import append_unchecked  # noqa: E402
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]
ROOT = Path(__file__).resolve().parents[2]


def test_published_catalog_is_installed_and_a_bad_one_keeps_the_old(
    kiosk_side: KioskSide, tmp_path: Path
) -> None:
    api = kiosk_side.api()
    pull_changes(kiosk_side.store, api)  # whatever was there before this test
    doc = json.loads((ROOT / "assets" / "catalog" / "services.json").read_text("utf-8"))
    doc["version"] = "2099.1.client-test"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    kiosk_side.server.cli("publish", "catalog", str(good))
    assert pull_changes(kiosk_side.store, api) >= 1
    manager = CatalogManager(kiosk_side.data_dir)
    assert manager.current().version == "2099.1.client-test"

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "version": "2099.2.broken",
                "services": [{"id": "test_birth_certificate", "version": "1"}],
            }
        )
    )
    refused = kiosk_side.server.cli("publish", "catalog", str(bad), check=False)
    assert refused.returncode == 1 and "services[0].name" in refused.stderr
    assert pull_changes(kiosk_side.store, api) == 0  # the server refused it: the feed is as it was
    # Defence in depth: a bad catalog that reaches the feed anyway (written below the checks)
    # is refused by the kiosk itself, and the last good one stays.
    append_unchecked(kiosk_side.server, json.loads(bad.read_text()))
    assert pull_changes(kiosk_side.store, api) >= 1
    assert CatalogManager(kiosk_side.data_dir).current().version == "2099.1.client-test"
    error = kiosk_side.store.get_setting(CATALOG_ERROR_SETTING)
    assert error["version"] == "2099.2.broken" and error["error"]

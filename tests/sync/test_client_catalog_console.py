"""A catalog published in the back office reaches a real kiosk store and its CatalogManager;
one the back office refuses is refused by the kiosk with the same first error, and never
reaches the feed. (The console job runs without kiosk code; this is the kiosk half.)"""

from __future__ import annotations

import html as htmllib
import json
from pathlib import Path

import pytest

from kiosk.catalog import CatalogError, CatalogManager
from sync.client.pull import pull_changes

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.console.conftest import Console, sign_in_http  # noqa: E402
from tests.console.seed import csrf_of  # noqa: E402
from tests.console.test_console_catalogs import malformed, new_version, upload  # noqa: E402
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def test_console_publish_reaches_the_kiosk_and_a_refusal_matches_it(
    kiosk_side: KioskSide, tmp_path: Path
) -> None:
    api = kiosk_side.api()
    pull_changes(kiosk_side.store, api)  # whatever was published before
    manager = CatalogManager(kiosk_side.data_dir)
    before = manager.current().version
    console = Console(kiosk_side.server)
    console.add_account("kiosk_admin", role="admin", ministry="*", jurisdiction="all")
    client = sign_in_http(console, "kiosk_admin")
    client.cookies.set("sala_lang", "en", path="/console")

    bad = json.dumps(malformed(), ensure_ascii=False).encode()
    page = upload(client, bad, "broken.json")
    assert page.status_code == 422
    first_row = page.text.split('<table class="list errors">')[1].split("<tbody>")[1]
    with pytest.raises(CatalogError) as refused:
        CatalogManager(tmp_path / "other").install(bad, name="broken.json")
    assert refused.value.field in first_row
    assert htmllib.escape(refused.value.message, quote=False) in first_row
    assert pull_changes(kiosk_side.store, api) == 0
    assert CatalogManager(kiosk_side.data_dir).current().version == before

    good = json.dumps(new_version("2099.5.kiosk"), ensure_ascii=False).encode()
    r = upload(client, good, "market.json")
    assert r.status_code == 303, r.text[-1000:]
    draft_id = r.headers["location"].rsplit("/", 1)[1]
    r = client.post(
        f"/console/catalogs/drafts/{draft_id}/publish",
        data={"csrf": csrf_of(client), "confirm": "2099.5.kiosk"},
    )
    assert r.status_code == 303
    assert pull_changes(kiosk_side.store, api) >= 1
    installed = CatalogManager(kiosk_side.data_dir).current()
    assert installed.version == "2099.5.kiosk"
    market = installed.services["market_stall_permit"]
    assert market.field("food_licence") is not None and market.fee_khr == 15000

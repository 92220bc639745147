"""USB return bundles kept for download expire on the upload path of a real `sala-server`: the
first download marks a return, which goes 7 days later; one never downloaded goes after 30
days; each upload runs the expiry first, and a re-imported bundle's fresh return starts its own
time. (The sweep at start: tests/sync/test_server_usb_returns.py.)"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.console.conftest import Console, sign_in_http
from tests.console.test_console_usb_upload import SERVICE, upload
from tests.sync.conftest import Kiosk, registration_doc
from tests.sync.test_server_usb_import import make_bundle

DAY = 86400.0


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("ret_root", role="admin", ministry="*", jurisdiction="all")
    kiosk = Kiosk(console.server, label="returns hall").enrol(commune="120101")
    client = sign_in_http(console, "ret_root")
    client.cookies.set("sala_lang", "en", path="/console")
    yield {"kiosk": kiosk, "root": client}
    client.close()
    kiosk.close()


def _age(path: Path, days: float) -> None:
    at = time.time() - days * DAY
    os.utime(path, (at, at))


def _imported(root: httpx.Client, blob: bytes) -> str:
    r = upload(root, blob)
    assert r.status_code == 200, r.text[-1500:]
    link = re.search(r'href="(/console/usb/returns/120101/[^"]+\.salareturn)"', r.text)
    assert link, r.text[-1500:]
    return link.group(1)


def test_returns_expire_after_download_or_30_days(console: Console, world: Any) -> None:
    kiosk, root = world["kiosk"], world["root"]
    folder = console.server.data_dir / "usb-returns" / "120101"

    def bundle() -> bytes:
        return make_bundle(
            kiosk, [(str(uuid.uuid4()), registration_doc(kiosk, service=SERVICE))], []
        )

    first, second = bundle(), bundle()
    fetched_link = _imported(root, first)
    fetched = folder / fetched_link.rsplit("/", 1)[1]
    marker = fetched.with_name(fetched.name + ".fetched")
    assert not marker.exists()
    assert root.get(fetched_link).status_code == 200
    assert marker.exists()  # the first download starts its last week
    untouched_link = _imported(root, second)
    untouched = folder / untouched_link.rsplit("/", 1)[1]

    _age(marker, 6)  # downloaded 6 days ago, and one never downloaded for 29: both stay
    _age(untouched, 29)
    _imported(root, bundle())
    assert fetched.exists() and marker.exists() and untouched.exists()

    _age(marker, 8)  # now 8 days and 31 days: the next upload removes both
    _age(untouched, 31)
    third_link = _imported(root, bundle())
    assert not fetched.exists() and not marker.exists() and not untouched.exists()
    assert root.get(fetched_link).status_code == 404
    assert root.get(third_link).status_code == 200  # the new one is there

    # Importing a bundle again writes its return afresh, unmarked: it gets its full time.
    again = _imported(root, second)
    assert again == untouched_link and untouched.exists()
    assert not untouched.with_name(untouched.name + ".fetched").exists()

"""`sala update defer` and `sala update usb` write the staff audit chain (kiosk/update/audit.py)
on a set-up kiosk's real store: the hold-back made, the install asked, a stick's release refused;
a refused hold-back writes nothing, and a machine with no store yet gets none made for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.store import Store
from kiosk.store.db import DB_FILE
from kiosk.update import spool
from tests.core.test_update_cli import sala_update, stick  # noqa: F401  (fixture)
from tests.core.test_update_verify import Release


def _audited(data: Path) -> list[tuple[str, str, str, dict[str, object]]]:
    with Store.open(data, commune_code="120101") as store:
        entries = store.audit.entries(limit=1000)
    return [(e.action, e.actor, e.subject, e.details) for e in reversed(entries)
            if e.action.startswith("update.")]  # fmt: skip


def test_update_actions_from_the_command_line_are_audited(
    stick: tuple[Release, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rel, path = stick
    data = tmp_path / "data"
    Store.open(data, commune_code="120101").close()  # a set-up kiosk
    document, _deb = spool.usb_release(path)
    assert spool.note_offer(data, document)
    assert sala_update("--data-dir", data, "update", "defer", "--days", "365") == 1  # refused
    assert _audited(data) == []
    assert sala_update("--data-dir", data, "update", "defer", "--days", "3") == 0
    until, _first = spool.deferral(data, "99.0")
    assert until is not None
    (held,) = _audited(data)
    assert held[:3] == ("update.deferred", "technician", "99.0")
    assert held[3]["days"] == 3 and held[3]["until"] == until.isoformat()

    deb = next((path / spool.USB_DIR).glob("*.deb"))
    good = deb.read_bytes()
    deb.write_bytes(good[:50])  # damaged on the stick
    assert sala_update("--data-dir", data, "update", "usb", path, "--key", rel.pub_path) == 1
    deb.write_bytes(good)
    assert sala_update("--data-dir", data, "update", "usb", path, "--key", rel.pub_path) == 0
    who = {"role": "technician"}
    assert _audited(data)[1:] == [
        ("update.usb_refused", "technician", "-", {"reason": "size_mismatch", **who}),
        ("update.usb_requested", "technician", "99.0", who),
    ]


def test_no_store_is_made_just_to_audit(
    stick: tuple[Release, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rel, path = stick
    data = tmp_path / "data"
    assert sala_update("--data-dir", data, "update", "usb", path, "--key", rel.pub_path) == 0
    assert (spool.update_dir(data) / spool.SPOOL_DIR / spool.REQUEST).exists()
    assert not (data / DB_FILE).exists()

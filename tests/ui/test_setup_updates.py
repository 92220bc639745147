"""The technician's Updates page on the real kiosk (ui/setup/updates.py), reached from the
technician screen: the offered release with its download progress, a hold-back within the
policy's cap (buttons past it disabled, a stale tap refused with nothing changed), the last
rollback in plain words, and "Install from USB stick" with a real signed release: a tampered
or older one is refused in the technician's language and nothing is handed over; a good one
is requested, as `sala update usb` does. Each hold-back made, install asked and stick release
refused is in the staff audit chain under the signed-in technician (or "technician")."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.i18n import error_text
from kiosk.update import spool
from kiosk.update.cli import installed_version
from kiosk.update.manifest import UpdateRefused
from tests.core.test_update_verify import Release
from tests.ui.conftest import LONG_WAIT_MS, WAIT_MS
from tests.ui.test_setup_journey import (  # noqa: F401  (the shared fixture)
    Driver,
    make_setup_kiosk,
)
from ui.widgets.text import tr

pytestmark = [pytest.mark.qt, pytest.mark.slow]
DAY = timedelta(days=1)


def open_updates(make: Callable[..., Any], qtbot: Any, tmp_path: Path) -> tuple[Any, Driver]:
    """A set-up kiosk on the technician screen, then its Updates page (one tap)."""
    from kiosk.config import Config, save_config
    from ui.setup.hookup import journey

    save_config(Config(data_dir=tmp_path / "kiosk", camera="demo", printer="none"))
    kiosk = make(setup=None)
    j = journey(kiosk)
    j.set_locale("en")
    j.mode = "technician"
    d = Driver(kiosk, qtbot)
    j.go("setup_technician")
    d.wait_screen("setup_technician")
    d.tap("setupUpdates")
    d.wait_screen("setup_updates")
    qtbot.waitUntil(lambda: d.screen.snapshot is not None, timeout=LONG_WAIT_MS)
    return kiosk, d


def _release(tmp_path: Path, version: str = "99.0") -> tuple[Release, Path]:
    rel = Release.make(tmp_path)
    deb = tmp_path / f"sala-kiosk_{version}_amd64.deb"
    deb.write_bytes(b"!<arch>\n" + bytes(range(256)) * 4000)
    return rel, deb


def _text(d: Driver, name: str) -> str:
    w = d.find(name)
    return str(w.text()) if w.isVisible() else ""


def _wait_text(qtbot: Any, d: Driver, name: str, want: str) -> None:
    qtbot.waitUntil(lambda: want in _text(d, name), timeout=WAIT_MS)


def _updates_audited(kiosk: Any, qtbot: Any) -> list[Any]:
    """The store's `update.*` audit entries, oldest first (read on the db worker, after the
    page's own audit write: the worker runs jobs in order)."""
    got: list[Any] = []
    kiosk.ctx.tasks.run_db(lambda store: store.audit.entries(limit=1000), got.append, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
    assert not isinstance(got[0], BaseException), got[0]
    return [e for e in reversed(got[0]) if e.action.startswith("update.")]


def test_defer_within_the_cap_and_a_rollback_in_plain_words(
    make_setup_kiosk: Callable[..., Any],  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
) -> None:
    data = tmp_path / "kiosk"
    rel, deb = _release(tmp_path)
    assert spool.note_offer(data, rel.sign(deb, "99.0"))
    fetch = {"source": "server", "version": "99.0", "state": "downloading", "done": 400}
    spool.note_fetch(data, {**fetch, "size": 1000})
    res = {"version": "98.0", "outcome": "rolled_back", "reason": "self_test",
           "previous": "97.5", "at": "2026-12-01T05:45:00Z"}  # fmt: skip
    (spool.update_dir(data) / spool.SPOOL_DIR).mkdir(parents=True)
    (spool.update_dir(data) / spool.SPOOL_DIR / spool.RESULT).write_text(json.dumps(res))
    kiosk, d = open_updates(make_setup_kiosk, qtbot, tmp_path)
    from kiosk.staff import Role, StaffSession
    from kiosk.text import Text

    tech = StaffSession.start("tech-7", Text("ហេង", "Heng"), Role.TECHNICIAN, datetime.now(UTC))
    kiosk.setup.session = tech  # signed in at the staff sign-in (ui.setup.hookup)
    assert "99.0 (1 MB), from the ministry server" in _text(d, "updates_offered")
    assert "40%" in _text(d, "updates_fetch")
    assert _text(d, "updates_checked").startswith("Not checked yet")
    assert "not held back" in _text(d, "updates_hold") and "(14 days from now)" in _text(
        d, "updates_hold"
    )
    assert "nothing to press" in _text(d, "updates_auto")
    shown = _text(d, "updates_result")
    assert "Update 98.0 did not start correctly (its self-test failed)" in shown
    assert "runs version 97.5 again" in shown and "1 December 2026, 12:45" in shown

    # 3 days: written as the CLI's deferral, and said
    d.tap("updatesDefer_3")
    _wait_text(qtbot, d, "updatesNotice", "held back until")
    until, first = spool.deferral(data, "99.0")
    assert until is not None and first is not None and until - first == 3 * DAY
    _wait_text(qtbot, d, "updates_hold", "held back until")
    assert "(14 days from now)" in _text(d, "updates_hold")  # counted from the first hold-back
    (held,) = _updates_audited(kiosk, qtbot)
    assert (held.action, held.actor, held.subject) == ("update.deferred", "tech-7", "99.0")
    assert held.details["days"] == 3 and held.details["role"] == "technician"
    assert held.details["until"] == until.isoformat()

    # 12 days after the first hold-back: only 2 are left; 3 and 7 cannot be tapped
    spool.defer(data, "99.0", first + 3 * DAY, first - 12 * DAY)
    d.screen.refresh()
    qtbot.waitUntil(
        lambda: d.find("updatesDefer_max").text() == "Hold back the most: 2 days", timeout=WAIT_MS
    )
    assert not d.find("updatesDefer_3").isEnabled() and not d.find("updatesDefer_7").isEnabled()
    assert d.find("updatesDefer_1").isEnabled()
    kept = (spool.update_dir(data) / spool.DEFERRAL).read_bytes()
    d.screen.defer(7)  # a tap that raced the refresh: refused, nothing changed
    _wait_text(qtbot, d, "updatesError", "at most 2 more days")
    assert (spool.update_dir(data) / spool.DEFERRAL).read_bytes() == kept
    assert len(_updates_audited(kiosk, qtbot)) == 1  # a refused hold-back changed nothing
    d.tap("updatesDefer_max")
    _wait_text(qtbot, d, "updatesNotice", "held back until")
    until, first = spool.deferral(data, "99.0")
    assert until is not None and first is not None
    assert until - first <= 14 * DAY and until - datetime.now(UTC) > 1 * DAY

    # Khmer: the same page re-said, digits included
    kiosk.setup.set_locale("km")
    _wait_text(qtbot, d, "updates_result", tr("updates_ui.previous", "km", version="97.5"))
    assert d.find("updatesDefer_max").text() == tr("updates_ui.defer.max", "km", days="២")
    assert tr("updates_ui.reason.self_test", "km") in _text(d, "updates_result")
    d.tap("updatesBack")
    d.wait_screen("setup_technician")


def test_install_from_usb_refuses_a_tampered_or_older_release(
    make_setup_kiosk: Callable[..., Any],  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rel, deb = _release(tmp_path)
    monkeypatch.setenv("SALA_RELEASE_KEY", str(rel.pub_path))
    data = tmp_path / "kiosk"
    running = tmp_path / "running.deb"
    running.write_bytes(deb.read_bytes())
    assert spool.note_offer(data, rel.sign(running, installed_version()))  # already running
    kiosk, d = open_updates(make_setup_kiosk, qtbot, tmp_path)
    assert "No update is offered" in _text(d, "updates_offered")
    assert not any(b.isEnabled() for b in d.screen.defer_buttons.values())
    media = tmp_path / "media"
    media.mkdir()  # a temporary "/media": each folder directly under it stands for a stick
    d.screen.stick_roots = (media,)
    d.tap("updatesUsb")
    _wait_text(qtbot, d, "updatesError", tr("usb.error.no_stick", "en"))

    folder = media / "STICK" / spool.USB_DIR
    folder.mkdir(parents=True)
    manifest = folder / "sala-kiosk_99.0_amd64.manifest.json"
    manifest.write_bytes(rel.sign(deb, "99.0"))
    good = deb.read_bytes()
    (folder / deb.name).write_bytes(good[:-1] + b"X")  # one byte changed on the stick
    d.tap("updatesUsb")
    _wait_text(qtbot, d, "updatesError", error_text(UpdateRefused("hash_mismatch"), "en"))
    assert not (spool.update_dir(data) / spool.SPOOL_DIR).exists()

    old = folder / "sala-kiosk_0.0.1_amd64.deb"
    old.write_bytes(good)
    manifest.unlink()
    (folder / "sala-kiosk_0.0.1_amd64.manifest.json").write_bytes(rel.sign(old, "0.0.1"))
    kiosk.setup.set_locale("km")
    d.tap("updatesUsb")
    refused = error_text(UpdateRefused("rollback", version="0.0.1"), "km")
    _wait_text(qtbot, d, "updatesError", refused)
    assert not (spool.update_dir(data) / spool.SPOOL_DIR).exists()

    manifest.write_bytes(rel.sign(deb, "99.0"))
    (folder / deb.name).write_bytes(good)
    d.tap("updatesUsb")
    _wait_text(qtbot, d, "updatesNotice", tr("update.requested", "km", version="99.0"))
    request = spool.update_dir(data) / spool.SPOOL_DIR / spool.REQUEST
    assert request.exists() and (spool.update_dir(data) / spool.SPOOL_DIR / deb.name).exists()
    audited = [(e.action, e.actor, e.subject, e.details) for e in _updates_audited(kiosk, qtbot)]
    who = {"role": "technician"}  # nobody signed in: the technician screen by a setup code
    assert audited == [
        ("update.usb_refused", "technician", "-", {"reason": "hash_mismatch", **who}),
        ("update.usb_refused", "technician", "-", {"reason": "rollback", **who}),
        ("update.usb_requested", "technician", "99.0", who),
    ]  # no stick at all is no attempt: not audited

"""Setup's scenes for `sala screenshots` (ui/screenshots.py `MORE_SCENES`): every setup step
and the technician screen (also as a signed-in technician sees it: leave, its confirmation, a
USB answer), with a refusal where one is typical, on the screenshot kiosk (demo camera,
throw-away store). Nothing is saved: no enrolment, no supervisor, no config."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def scenes(kiosk: Any, locale: str) -> Iterator[str]:
    from ui.screenshots import settle, wait_for
    from ui.setup.hookup import journey

    j = journey(kiosk)
    j.start()
    j.set_locale(locale)
    settle(kiosk)
    yield "setup_01_language"
    j.go("setup_connection")
    step = kiosk.nav.screens["setup_connection"]
    step.code.setText("ABCD")
    step._on_connect()  # a malformed code: the refusal under the heading
    settle(kiosk)
    yield "setup_02_connection_error"
    step.code.clear()
    step.clear_error()
    j.go("setup_commune")
    commune = kiosk.nav.screens["setup_commune"]
    commune.search.setText("Tonle" if locale == "en" else "ទន្លេ")
    settle(kiosk)
    yield "setup_03_commune_search"
    commune.search.clear()
    j.go("setup_camera")
    camera = kiosk.nav.screens["setup_camera"]
    wait_for(lambda: camera.check.opened or bool(camera.check.failed), what="setup camera")
    wait_for(lambda: camera.check.view._image is not None or bool(camera.check.failed), 20)
    settle(kiosk, rounds=20)
    yield "setup_04_camera"
    camera.check.stop()
    j.go("setup_printer")
    printer = kiosk.nav.screens["setup_printer"]
    printer._on_show()
    wait_for(printer.preview.isVisible, what="test receipt")
    settle(kiosk)
    yield "setup_05_printer_test"
    printer.preview.hide()
    j.go("setup_scanner")
    settle(kiosk)
    yield "setup_06_scanner"
    j.go("setup_supervisor")
    sup = kiosk.nav.screens["setup_supervisor"]
    settle(kiosk)
    if not sup.roster:
        for key, text in (("name_km", "សុខ ដារា"), ("name_en", "Sok Dara")):
            sup.boxes[key].setText(text)
        sup.boxes["pin"].setText("582046")
        sup.boxes["repeat"].setText("582047")
        sup.accept()  # the PINs differ: said, and the name stays
        settle(kiosk)
    yield "setup_07_supervisor"  # the form with a PIN mismatch, or the roster's supervisor
    for box in sup.boxes.values():
        box.clear()
    j.go("setup_summary")
    summary = kiosk.nav.screens["setup_summary"]
    wait_for(lambda: summary.tested, what="self-test")
    settle(kiosk)
    yield "setup_08_summary"
    j.mode = "technician"
    j.go("setup_technician")
    tech = kiosk.nav.screens["setup_technician"]
    wait_for(lambda: bool(tech.results.results), what="technician self-test")
    settle(kiosk)
    yield "setup_09_technician"
    yield from _technician_scenes(kiosk, j, tech)
    _updates_demo(j.draft.data_dir)
    j.go("setup_updates")
    updates = kiosk.nav.screens["setup_updates"]
    wait_for(lambda: updates.snapshot is not None and updates.snapshot.offer is not None)
    settle(kiosk)
    yield "setup_10_updates"
    updates.stick_roots = (j.draft.data_dir / "no-media",)  # no stick: said, nothing changed
    updates.install_usb()
    wait_for(lambda: not updates.busy, what="updates usb")
    settle(kiosk)
    yield "setup_11_updates_no_stick"
    j.mode = "setup"
    j.set_locale("km")
    kiosk.nav.go(kiosk.nav.home)
    settle(kiosk)


def _technician_scenes(kiosk: Any, j: Any, tech: Any) -> Iterator[str]:
    """The technician screen as a signed-in technician sees it: "Leave the kiosk", its
    confirmation, and a USB button's answer (no stick). The session is made here, not signed
    in (nothing written); the leave itself is never confirmed."""
    from datetime import UTC, datetime

    from kiosk.staff.model import Role
    from kiosk.staff.session import StaffSession
    from kiosk.text import Text
    from ui.screenshots import settle, wait_for

    name = Text("លី វុទ្ធី", "Ly Vuthy")
    staff_id = "0190f0c2-0000-7000-8000-00000000c003"
    j.session = StaffSession.start(staff_id, name, Role.TECHNICIAN, datetime.now(UTC))
    tech.leave.refresh(tech.lang)
    settle(kiosk)
    tech.scroll_area.verticalScrollBar().setValue(tech.scroll_area.verticalScrollBar().maximum())
    settle(kiosk)
    yield "setup_09b_technician_leave"
    tech.leave._ask(True)
    settle(kiosk)
    tech.scroll_area.verticalScrollBar().setValue(tech.scroll_area.verticalScrollBar().maximum())
    settle(kiosk)
    yield "setup_09c_technician_leave_confirm"
    tech.leave._ask(False)
    j.session = None
    tech.leave.refresh(tech.lang)
    tech.usb.stick_roots = (j.draft.data_dir / "no-media",)  # no stick: said, nothing written
    tech.usb.start("export")
    wait_for(lambda: not tech.usb.busy, what="usb export")
    tech.scroll_area.verticalScrollBar().setValue(0)
    settle(kiosk)
    yield "setup_09d_technician_usb_no_stick"
    tech.usb.stick_roots = None
    tech.usb._outcome = None  # the next language's scenes start without it
    tech.usb.status.hide()


def _updates_demo(data_dir: Any) -> None:
    """The Updates page's scene: a release (signed by a throw-away key) half downloaded and
    held back 3 days, after a rolled-back one (result.json as kiosk.update.apply writes it)."""
    import json
    from datetime import timedelta

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kiosk.durable import write_atomic
    from kiosk.model import utc_now
    from kiosk.update import deferral, spool
    from kiosk.update import manifest as mf
    from sync import protocol

    key, now, size = Ed25519PrivateKey.generate(), utc_now(), 96_000_000
    m = mf.Manifest(version="1.3.0", deb_file="sala-kiosk_1.3.0_amd64.deb", sha256="0" * 64,
                    size=size, min_version="1.0", channel="stable", issued_at=now,
                    valid_days=90, key_id=mf.key_id(key.public_key()))  # fmt: skip
    spool.note_offer(data_dir, mf.sign(m, key))
    fetch = {"source": "server", "version": m.version, "state": "downloading"}
    spool.note_fetch(data_dir, {**fetch, "done": size * 2 // 5, "size": size})
    deferral.defer_offer(data_dir, 3, now)
    res = {"version": "1.2.1", "outcome": "rolled_back", "reason": "crash_loop",
           "previous": "1.2.0", "at": protocol.format_date(now - timedelta(days=2))}  # fmt: skip
    folder = spool.update_dir(data_dir) / spool.SPOOL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / spool.RESULT, json.dumps(res).encode(), mode=0o600)

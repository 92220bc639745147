"""Who exports to USB is checked in the core (`sync.client.usb_export.export(by=...)`), not only
on the screen: a signed-in clerk is refused before anything is read or written; a supervisor's
or a signed-in technician's export is audited under their own staff id and role; the CLI (no
sign-in) stays "technician". A real store, a real roster from a real server process."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.i18n import error_text
from kiosk.staff import AccountDisabled, Argon2Params, FirstSignIn, NotAllowed, StaffDesk
from sync.client.pull import pull_changes
from sync.client.usb_export import CARRIED_SETTING, export
from sync.protocol import usb as fmt
from tests.sync.conftest import COMMUNE, ServerProcess

pytest.register_assert_rewrite("tests.sync.client_fixtures")
from tests.sync.client_fixtures import KioskSide  # noqa: E402

pytest_plugins = ["tests.sync.client_fixtures"]


def _signed_in(side: KioskSide, server: ServerProcess, role: str, pin: str) -> object:
    staff_id, code = server.add_staff(COMMUNE, f"បុគ្គលិក {role}", f"Staff {role}", role)
    pull_changes(side.store, side.api())  # the roster comes by the feed
    desk = StaffDesk(side.store, params=Argon2Params(2, 19 * 1024, 1))
    ticket = desk.sign_in(staff_id, code)
    assert isinstance(ticket, FirstSignIn)
    return desk.finish_first_sign_in(ticket, pin, pin)


def _exports(side: KioskSide) -> list[object]:
    return [e for e in side.store.audit.entries(limit=1000) if e.action == "usb.exported"]


def test_a_clerk_may_not_export_and_a_supervisor_is_recorded_as_themself(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    server.cli("usb-key", "--out", str(stick))
    reg = kiosk_side.submit(size=3000, seed=70)
    clerk = _signed_in(kiosk_side, server, "clerk", "482913")
    supervisor = _signed_in(kiosk_side, server, "supervisor", "739164")

    with pytest.raises(NotAllowed) as refused:
        export(kiosk_side.store, kiosk_side.data_dir, stick, by=clerk)  # type: ignore[arg-type]
    assert error_text(refused.value, "en") == "Your role cannot do this."
    assert error_text(refused.value, "km") != error_text(refused.value, "en")
    assert not list(stick.glob(f"*{fmt.EXPORT_SUFFIX}")) and not _exports(kiosk_side)
    assert not kiosk_side.store.get_setting(CARRIED_SETTING)

    done = export(kiosk_side.store, kiosk_side.data_dir, stick, by=supervisor)  # type: ignore[arg-type]
    assert done.registrations == 1
    (entry,) = _exports(kiosk_side)
    assert entry.actor == supervisor.staff_id  # type: ignore[attr-defined]
    assert entry.details["role"] == "supervisor"
    assert kiosk_side.store.get_setting(CARRIED_SETTING) == {reg.id: done.bundle_id}

    kiosk_side.submit(size=3000, seed=71)
    export(kiosk_side.store, kiosk_side.data_dir, stick)  # `sala export`: nobody signed in
    assert _exports(kiosk_side)[0].actor == "technician"


def test_a_supervisor_turned_off_meanwhile_may_not_export(
    kiosk_side: KioskSide, server: ServerProcess, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    server.cli("usb-key", "--out", str(stick))
    kiosk_side.submit(size=3000, seed=72)
    supervisor = _signed_in(kiosk_side, server, "supervisor", "739164")
    server.cli("staff", "disable", supervisor.staff_id)  # type: ignore[attr-defined]
    pull_changes(kiosk_side.store, kiosk_side.api())  # the roster says so
    with pytest.raises((NotAllowed, AccountDisabled)):
        export(kiosk_side.store, kiosk_side.data_dir, stick, by=supervisor)  # type: ignore[arg-type]
    assert not list(stick.glob(f"*{fmt.EXPORT_SUFFIX}")) and not _exports(kiosk_side)

"""The USB panel asks its host who is signed in (`UsbPanel.who`) and the core decides: on the
supervisor's staff screen a clerk's session is refused in their language (nothing written), and
a supervisor's export is audited under their own id and role, not "technician". Real store,
real roster from a real server process, real TaskManager."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.staff import Argon2Params, FirstSignIn, StaffDesk
from sync.client.pull import pull_changes
from sync.protocol import usb as fmt
from tests.sync.conftest import (
    COMMUNE,
    ServerProcess,
    server,  # noqa: F401  (the module's server process)
)
from tests.ui.test_usb_panel import Kit, kit, stick  # noqa: F401  (fixtures)
from ui.widgets.text import tr

pytestmark = [pytest.mark.qt, pytest.mark.slow]
pytest_plugins = ["tests.sync.client_fixtures"]


def _signed_in(kit: Kit, server: ServerProcess, role: str, pin: str) -> Any:  # noqa: F811
    staff_id, code = server.add_staff(COMMUNE, f"បុគ្គលិក {role}", f"Staff {role}", role)
    pull_changes(kit.side.store, kit.side.api())  # the roster comes by the feed
    desk = StaffDesk(kit.side.store, params=Argon2Params(2, 19 * 1024, 1))
    ticket = desk.sign_in(staff_id, code)
    assert isinstance(ticket, FirstSignIn)
    return desk.finish_first_sign_in(ticket, pin, pin)


def test_the_panel_exports_as_the_signed_in_supervisor_and_refuses_a_clerk(
    kit: Kit,  # noqa: F811
    server: ServerProcess,  # noqa: F811
) -> None:
    kit.side.submit(size=4000, seed=80)
    on_stick = stick(kit, server)
    clerk = _signed_in(kit, server, "clerk", "482913")
    supervisor = _signed_in(kit, server, "supervisor", "739164")
    panel = kit.start(actions=("export",))
    who = [clerk]
    panel.who = lambda: who[0]

    ok, text = kit.tap("export")
    assert not ok and text == tr("staff.not_allowed", "km")
    assert not list(on_stick.glob(f"*{fmt.EXPORT_SUFFIX}"))

    who[0] = supervisor
    ok, _ = kit.tap("export")
    assert ok and len(list(on_stick.glob(f"*{fmt.EXPORT_SUFFIX}"))) == 1
    entries = kit.db(lambda store: store.audit.entries(limit=1000))
    (exported,) = [e for e in entries if e.action == "usb.exported"]
    assert exported.actor == supervisor.staff_id and exported.details["role"] == "supervisor"

"""The safe mode (`sala kiosk --safe`, what tty1 shows after the crash-loop limit) by real taps:
full-screen on the commune PC's 1366×768 screen, a technician taps "Technician sign-in", their
name, the PIN digits and OK, and reaches the tools; "Sign out" brings the notice back. X input
through xdotool at screen coordinates (tests/window/finger.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.test_safe_mode import TECH_PIN, add_staff
from tests.window.conftest import SIZES, _activate, full_screen_flags, show_full_screen
from tests.window.finger import Finger, wait_for
from tests.window.journeys import named

pytestmark = pytest.mark.qt


class RunningSafe:
    """The real safe mode full-screen on one X screen, as `ui.setup.safe_mode.run_safe`
    shows it (the `RunningKiosk` of the safe mode)."""

    def __init__(self, qapp: Any, screen_index: int, data_dir: Path, xdotool: str) -> None:
        from kiosk.config import Config, save_config
        from ui.setup.safe_mode import SafeMode

        config = Config(data_dir=data_dir, camera="demo", printer="none")
        save_config(config)
        self.safe = SafeMode(config, window_flags=full_screen_flags())
        self.screen = qapp.screens()[screen_index]
        window = self.window = self.safe.window
        show_full_screen(window, self.screen)
        window.first_shown.connect(self.safe.start)
        wait_for(lambda: self.safe.tasks.has_store, 60, "the store")
        wait_for(lambda: window.isActiveWindow() or _activate(window), 30, "window activation")
        self.finger = Finger(self, screen_index, xdotool)

    def screen_name(self) -> str:
        return str(self.safe.nav.current)

    def close(self) -> None:
        self.finger.close()
        self.safe.shutdown()
        self.window.close()
        self.window.deleteLater()


@pytest.fixture
def safe_mode(
    qapp: Any, xserver: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningSafe]:
    from PySide6.QtWidgets import QApplication

    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    hidden = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for w in hidden:  # other tests' kiosks: one window at a time (`running` shows its own again)
        w.hide()
    k = RunningSafe(qapp, SIZES.index((1366, 768)), tmp_path / "data", xserver["xdotool"])
    yield k
    k.close()


def test_a_technician_taps_through_the_sign_in_to_the_tools(safe_mode: RunningSafe) -> None:
    k = safe_mode
    box: dict[str, Any] = {}
    k.safe.tasks.run_db(add_staff("technician", TECH_PIN), lambda r: box.setdefault("id", r))
    wait_for(lambda: "id" in box, what="the technician's account")
    finger = k.finger
    assert named(k, "safeTitle_km").isVisible() and named(k, "safeTitle_en").isVisible()
    wait_for(lambda: bool(k.safe.journey.notice.results.results), what="the self-test")
    finger.tap(named(k, "safeSignIn"))
    wait_for(lambda: k.screen_name() == "staff_signin", what="the sign-in")
    signin = k.safe.nav.screens["staff_signin"]
    wait_for(lambda: bool(signin.cards), what="the staff cards")
    finger.tap(named(k, f"staff_{box['id']}"))
    wait_for(lambda: k.screen_name() == "staff_pin", what="the PIN pad")
    for digit in TECH_PIN:
        finger.tap(named(k, f"pinKey_{digit}"))
    finger.tap(named(k, "pinSubmit"))
    wait_for(lambda: k.screen_name() == "safe_tools", what="the technician's tools")
    assert k.safe.journey.session is not None
    for name in ("safeTryAgain", "safeSignOut", "safeUpdates", "usbExport", "setupLeave"):
        finger.point(named(k, name))  # on screen, not covered: a finger can reach it
    finger.tap(named(k, "safeSignOut"))
    wait_for(lambda: k.screen_name() == "safe_notice", what="the notice again")
    assert k.safe.journey.session is None

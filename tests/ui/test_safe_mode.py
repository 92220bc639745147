"""`sala kiosk --safe` (ui/setup/safe_mode.py), what tty1 shows after the crash-loop limit: the
notice in Khmer and English, the self-test's rows, the store that cannot be opened said on
screen, and a technician's sign-in through the staff sign-in of every day (names, PIN pad)
that reaches the tools; a clerk's right PIN is refused and signed out. Real store in a tmp
dir, real widgets (offscreen), clicks through pytest-qt. How the process ends (try again,
leave) is tests/ui/test_safe_mode_exit.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.conftest import LONG_WAIT_MS, WAIT_MS
from ui.widgets.text import tr

pytestmark = pytest.mark.qt
TECH_PIN, CLERK_PIN = "582046", "275046"


def add_staff(role: str, pin: str) -> Callable[[Any], str]:
    """A db-worker job: an active account as the roster would bring it; returns its id."""

    def job(store: Any) -> str:
        from kiosk.model import new_id
        from kiosk.staff import make_verifier
        from kiosk.store.staff import StaffRow

        row = StaffRow(
            id=new_id(), role=role, status="active", version=1, origin="roster",
            name_km="លី វុទ្ធី", name_en="Ly Vuthy", pin=make_verifier(pin),
        )  # fmt: skip
        with store.staff_tx():
            store.staff_write(row)
        return row.id

    return job


class Safe:
    """A started safe mode and a finger on it (pytest-qt clicks)."""

    def __init__(self, safe: Any, qtbot: Any) -> None:
        self.safe, self.qtbot = safe, qtbot

    @property
    def notice(self) -> Any:
        return self.safe.journey.notice

    def page(self, name: str) -> Any:
        return self.safe.nav.screens[name]

    def wait_screen(self, name: str) -> None:
        self.qtbot.waitUntil(lambda: self.safe.nav.current == name, timeout=LONG_WAIT_MS)

    def db(self, fn: Callable[[Any], Any]) -> Any:
        box: dict[str, Any] = {}
        self.safe.tasks.run_db(fn, lambda r: box.setdefault("r", r), box.setdefault)
        self.qtbot.waitUntil(lambda: bool(box), timeout=LONG_WAIT_MS)
        assert "r" in box, box
        return box["r"]

    def tap(self, widget: QWidget) -> None:
        self.qtbot.waitUntil(widget.isVisible, timeout=WAIT_MS)
        assert widget.isEnabled(), f"{widget.objectName()} is disabled"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        QApplication.processEvents()

    def named(self, name: str) -> Any:
        return self.safe.window.findChild(QWidget, name)

    def sign_in(self, staff_id: str, pin: str) -> None:
        self.tap(self.notice.sign_in_button)
        self.wait_screen("staff_signin")
        signin = self.page("staff_signin")
        self.qtbot.waitUntil(lambda: bool(signin.cards), timeout=LONG_WAIT_MS)
        self.tap(next(c for c in signin.cards if c.member.id == staff_id))
        self.wait_screen("staff_pin")
        pad = self.page("staff_pin")
        self.qtbot.waitUntil(lambda: pad.pad.isEnabled(), timeout=LONG_WAIT_MS)
        for digit in pin:
            self.tap(pad.pad.keys[digit])
        self.tap(pad.submit)
        self.qtbot.waitUntil(lambda: not pad._busy, timeout=LONG_WAIT_MS)


@pytest.fixture
def make_safe(
    kiosk_app: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Safe]]:
    """make_safe(size=…, damage_store=False) -> a started safe mode, its first checks done."""
    from kiosk.config import CONFIG_FILE, Config, save_config
    from ui.setup.safe_mode import SafeMode, safe_config

    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    made: list[Any] = []

    def make(
        *,
        size: tuple[int, int] = (1366, 768),
        damage_store: bool = False,
        damage_config: bool = False,
    ) -> Safe:
        config = Config(data_dir=tmp_path / "data", camera="demo", printer="none")
        save_config(config)
        if damage_store:  # what a half-written disk or a bad copy leaves
            from kiosk.store.db import DB_FILE

            (config.data_dir / DB_FILE).write_bytes(b"this is not a database\n" * 200)
        if damage_config:
            (config.data_dir / CONFIG_FILE).write_text('{"commune_code": ', encoding="utf-8")
            config = safe_config(config.data_dir)  # as `sala kiosk --safe` reads it
        safe = SafeMode(config)
        made.append(safe)
        safe.window.resize(*size)
        safe.window.show()
        safe.window.first_shown.connect(safe.start)
        notice = safe.journey.notice
        qtbot.waitUntil(lambda: bool(notice.results.results), timeout=LONG_WAIT_MS)
        qtbot.waitUntil(
            lambda: safe.tasks.has_store or notice.store_failed is not None, timeout=LONG_WAIT_MS
        )
        return Safe(safe, qtbot)

    yield make
    for safe in made:
        safe.shutdown()
        safe.window.close()
        safe.window.deleteLater()


def test_the_notice_says_why_in_khmer_and_english_with_the_self_test(
    make_safe: Callable[..., Safe],
) -> None:
    s = make_safe()
    notice = s.notice
    assert s.safe.nav.current == "safe_notice"
    for lang in ("km", "en"):  # both at once, whatever the language chosen
        assert s.named(f"safeTitle_{lang}").text() == tr("safe.title", lang)
        assert s.named(f"safeText_{lang}").text() == tr("safe.text", lang)
        assert s.named(f"safeTitle_{lang}").isVisible()
    found = {r.id: r for r in notice.results.results}
    assert found["database"].status == "ok"  # `sala self-test`'s checks, the store's among them
    row = s.named("setupResult_database")
    assert row.isVisible() and row.text().endswith(found["database"].text("km"))
    assert tr("diagnostics.database.title", "km") in row.text()  # each check says its name
    assert notice.results_heading.text() == tr("safe.results", "km")
    assert notice.sign_in_button.isVisible() and not notice.store_error.isVisible()
    s.safe.nav.set_locale("en")
    assert notice.results_heading.text() == "Self-test results"
    assert notice.sign_in_button.text() == "Technician sign-in"
    assert s.named("safeTitle_km").text() == tr("safe.title", "km")  # the notice stays bilingual
    # Nothing of the citizen's, the queue's or the camera's is made, now or later.
    s.safe.nav.build_rest()
    assert set(s.safe.nav.screens) <= {"safe_notice", "safe_tools", "setup_updates",
                                       "staff_signin", "staff_pin"}  # fmt: skip


def test_a_store_that_cannot_be_opened_is_said_and_nobody_can_sign_in(
    make_safe: Callable[..., Safe],
) -> None:
    s = make_safe(damage_store=True)
    notice = s.notice
    assert notice.store_failed is not None and not s.safe.tasks.has_store
    said = notice.store_error.text()
    assert tr("safe.store_failed", "km") in said and tr("safe.store_failed", "en") in said
    assert notice.store_error.isVisible()
    assert not notice.sign_in_button.isVisible()
    for lang in ("km", "en"):  # the notice and the self-test still show
        assert s.named(f"safeTitle_{lang}").isVisible()
    assert notice.results.counts()["fail"] >= 1  # the self-test says why
    s.tap(notice.rerun_button)  # and runs again on demand
    s.qtbot.waitUntil(lambda: bool(notice.results.results), timeout=LONG_WAIT_MS)


def test_a_config_that_cannot_be_read_still_shows_the_notice_and_says_why(
    make_safe: Callable[..., Safe], tmp_path: Path
) -> None:
    """A broken config.json may be why the kiosk kept failing: the safe mode starts anyway,
    on the defaults for its data dir, and the self-test names the file."""
    s = make_safe(damage_config=True)
    assert s.safe.data_dir == tmp_path / "data"
    assert s.named("safeTitle_en").isVisible()
    found = {r.id: r for r in s.notice.results.results}
    assert found["database"].status == "fail" and "config.json" in found["database"].text("en")


def test_a_technician_signs_in_with_the_pin_pad_and_reaches_the_tools(
    make_safe: Callable[..., Safe],
) -> None:
    s = make_safe()
    tech = s.db(add_staff("technician", TECH_PIN))
    s.sign_in(tech, TECH_PIN)
    s.wait_screen("safe_tools")
    journey = s.safe.journey
    assert journey.session is not None and journey.session.staff_id == tech
    assert s.safe.signin.session is None  # the sign-in forgot it: the safe journey holds it
    for name in ("usbExport", "usbDiagnostics", "safeUpdates", "setupLeave", "safeTryAgain"):
        assert s.named(name) is not None and s.named(name).isVisible(), name
    assert s.named("usbImport") is None  # only the tools that matter here
    assert s.safe.policy.idle is not None and s.safe.policy.idle.timing == (150.0, 30.0)
    s.tap(s.named("safeUpdates"))  # the Updates page of every day, and back
    s.wait_screen("setup_updates")
    s.tap(s.named("updatesBack"))
    s.wait_screen("safe_tools")
    s.tap(s.named("safeSignOut"))
    s.wait_screen("safe_notice")
    assert journey.session is None
    actions = s.db(lambda store: [(e.actor, e.action) for e in store.audit.after(0)])
    assert (tech, "staff.signed_in") in actions and (tech, "staff.signed_out") in actions
    s.tap(s.named("safeSignIn"))  # after a sign-out, the tools need the PIN again
    s.wait_screen("staff_signin")
    s.safe.journey.go("safe_tools")
    assert s.safe.nav.current == "safe_notice"


def test_a_clerks_right_pin_is_refused_and_signed_out(make_safe: Callable[..., Safe]) -> None:
    s = make_safe()
    clerk = s.db(add_staff("clerk", CLERK_PIN))
    s.safe.nav.set_locale("en")
    s.sign_in(clerk, CLERK_PIN)
    pad = s.page("staff_pin")
    assert s.safe.nav.current == "staff_pin"
    s.qtbot.waitUntil(lambda: tr("safe.technician_only", "en") in pad.error.text(), timeout=WAIT_MS)
    assert s.safe.journey.session is None and s.safe.signin.session is None
    actions = s.db(lambda store: [(e.actor, e.action) for e in store.audit.after(0)])
    assert (clerk, "staff.signed_out") in actions


def test_the_safe_mode_strings_are_in_both_languages() -> None:
    """assets/translations/*/safe_mode.json: the same keys and placeholders in km and en, and
    Khmer carrying its word breaks (U+200B), so long lines wrap on a word."""
    import json
    import re
    import string
    from importlib import resources

    def table(locale: str) -> dict[str, str]:
        path = resources.files("assets") / "translations" / locale / "safe_mode.json"
        data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return data

    km, en = table("km"), table("en")
    assert km.keys() == en.keys() and all(k.startswith("safe.") for k in km)
    fields = string.Formatter()
    for key in km:
        assert {f for _, f, _, _ in fields.parse(km[key]) if f} == {
            f for _, f, _, _ in fields.parse(en[key]) if f
        }, key
        longest = max(re.findall("[\u1780-\u17ff]+", km[key]) or [""], key=len)
        assert len(longest) <= 14, f"{key}: add U+200B between the words of {longest!r}"
        assert "\u200b" not in en[key], key

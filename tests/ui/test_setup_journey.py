"""First-run setup on the touchscreen, from an empty data dir to a citizen-ready kiosk, against
a real server process: the setup QR is made by `sala server enrolment-code --qr` and read by
the kiosk's camera (the QR image is the camera source), the printer is a real ESC/POS file.
Every tap is counted (a button tap, a focus tap on a box, one tap per on-screen key), and so
is every screen shown: the issue's goal is ≤ 12 screens and ≤ 60 taps."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from tests.sync.conftest import ServerProcess
from tests.ui.conftest import LONG_WAIT_MS, WAIT_MS
from ui.widgets.text import tr

pytestmark = [pytest.mark.qt, pytest.mark.slow]
MAX_SCREENS, MAX_TAPS = 12, 60


class Driver:
    """Taps through setup like a technician and counts taps and screens."""

    def __init__(self, kiosk: Any, qtbot: Any) -> None:
        self.kiosk, self.qtbot = kiosk, qtbot
        self.taps = 0
        self.screens: list[str] = [kiosk.nav.current]
        kiosk.nav.screen_changed.connect(self.screens.append)

    @property
    def screen(self) -> Any:
        return self.kiosk.nav.screens[self.kiosk.nav.current]

    def find(self, name: str) -> Any:
        widget = self.screen.findChild(QWidget, name)
        assert widget is not None, f"{name} not on {self.kiosk.nav.current}"
        return widget

    def tap(self, name_or_widget: str | QWidget) -> None:
        w = self.find(name_or_widget) if isinstance(name_or_widget, str) else name_or_widget
        self.qtbot.waitUntil(lambda: w.isVisible() and w.isEnabled(), timeout=WAIT_MS)
        self.taps += 1
        self.qtbot.mouseClick(w, Qt.MouseButton.LeftButton)

    def type(self, name: str, text: str) -> None:
        """Tap the box (the keyboard opens), then one tap per key."""
        box: QLineEdit = self.find(name)
        self.tap(box)
        box.setFocus()
        box.clear()
        self.taps += len(text)
        box.insert(text)

    def wait_screen(self, name: str, timeout: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(lambda: self.kiosk.nav.current == name, timeout=timeout)

    def error(self) -> str:
        label = self.find("setupError")
        return str(label.text()) if label.isVisible() else ""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "server").start()
    yield proc
    proc.stop()


def server_cli(server: ServerProcess, *args: str) -> str:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sync.server",
            "--data-dir",
            str(server.data_dir),
            "--db",
            server.db_url,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def setup_qr(server: ServerProcess, png: Path, commune: str = "120101") -> str:
    """`sala server enrolment-code --qr`: the code, the QR text and a terminal QR; a PNG.
    The CA fingerprint rides along (the kiosk pins it only for https, not this test's http)."""
    from cryptography.hazmat.primitives import serialization

    from tests.sync.test_client_tls import make_ca

    _key, ca, ca_file = make_ca(png.parent, "Test Ministry CA")
    fingerprint = hashlib.sha256(ca.public_bytes(serialization.Encoding.DER)).hexdigest()
    out = server_cli(
        server,
        "enrolment-code",
        "--commune",
        commune,
        "--qr",
        "--url",
        server.url,
        "--qr-out",
        str(png),
        "--ca-file",
        str(ca_file),
    ).splitlines()
    assert out[1].endswith(f"&f={fingerprint}")
    assert out[1].startswith("sala-enrol:1?") and "▀" in "".join(out[2:])  # terminal QR
    assert png.stat().st_size > 0
    return out[1]


@pytest.fixture
def make_setup_kiosk(
    kiosk_app: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Any]]:
    """A kiosk on an empty data dir, started as `sala kiosk` would start an unconfigured one."""
    from ui.app import Kiosk, KioskOptions

    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    made: list[Any] = []

    def make(
        camera: str = "demo",
        printer: str = "none",
        size: tuple[int, int] = (1366, 768),
        setup: bool | None = True,  # True: as `sala kiosk` with no config.json
        **more: Any,
    ) -> Any:
        opts = KioskOptions(data_dir=tmp_path / "kiosk", camera=camera, printer=printer, **more)
        if setup is None:
            from kiosk.config import load_config

            opts.config = load_config(opts.data_dir)  # as `sala kiosk` builds it
        opts.setup = setup  # type: ignore[attr-defined]
        kiosk = Kiosk(opts)
        made.append(kiosk)
        qtbot.addWidget(kiosk.window)
        kiosk.window.resize(*size)
        kiosk.window.show()
        kiosk.start()
        qtbot.waitUntil(lambda: all(kiosk.ready.values()), timeout=LONG_WAIT_MS)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.shutdown()


def stop_badge_polling(kiosk: Any) -> None:
    """`Kiosk.shutdown` leaves the shell's 5-s sync badge timer running (it then asks a shut
    task helper); stopped here until the bootstrap does it."""
    timer = getattr(kiosk.window, "_sync_timer", None)
    if timer is not None:
        timer.stop()


def staff_rows(kiosk: Any, qtbot: Any) -> list[Any]:
    got: list[Any] = []
    kiosk.tasks.run_db(lambda store: store.staff_rows(), got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
    return list(got[0])


def test_setup_from_an_empty_data_dir_to_citizen_ready_with_a_real_server(
    make_setup_kiosk: Callable[..., Any], server: ServerProcess, qtbot: Any, tmp_path: Path
) -> None:
    qr_text = setup_qr(server, tmp_path / "setup-qr.png")
    paper = tmp_path / "printer.bin"
    kiosk = make_setup_kiosk(camera=str(tmp_path / "setup-qr.png"), printer=f"escpos:file:{paper}")
    data = kiosk.opts.data_dir
    assert kiosk.nav.current == "setup_language" and not (data / "config.json").exists()
    d = Driver(kiosk, qtbot)
    d.tap("setup_choose_km")  # 1. language (Khmer first)
    d.wait_screen("setup_connection")
    # 2. the camera reads the setup QR: enrolment starts by itself, then the clocks show
    step = d.screen
    try:
        qtbot.waitUntil(lambda: kiosk.setup.draft.connection == "enrolled", timeout=LONG_WAIT_MS)
    except Exception:
        scanner = step.scanner
        state = (scanner.worker, scanner.last_text, scanner._message, step.busy, d.error())
        raise AssertionError(f"not enrolled: {state}") from None
    assert (data / "config.json").exists() and (data / "setup-pending").exists()
    status = d.find("setupConnectionStatus")
    qtbot.waitUntil(status.isVisible, timeout=WAIT_MS)
    assert server.url in status.text() and "ម៉ោង" in status.text()  # the two clocks, in Khmer
    assert d.find("setupCode").text() == qr_text.split("c=")[1].split("&")[0]
    d.tap("setupNext")
    d.wait_screen("setup_commune")  # 3. the code's commune is already chosen
    assert kiosk.setup.draft.chosen_commune() == "120101"
    assert "ទន្លេបាសាក់" in d.find("setupCommuneChosen").text().replace("\u200b", "")
    d.tap("setupNext")
    d.wait_screen("setup_camera")  # 4. camera: the live face check runs
    camera_step = d.screen
    qtbot.waitUntil(lambda: camera_step.check.opened, timeout=LONG_WAIT_MS)
    d.tap("setupNext")
    d.wait_screen("setup_printer")  # 5. a real test receipt on the ESC/POS "printer"
    d.tap("setupPrintTest")
    qtbot.waitUntil(lambda: d.find("setupPrintOutcome").isVisible(), timeout=LONG_WAIT_MS)
    assert paper.stat().st_size > 1000
    d.tap("setupNext")
    d.wait_screen("setup_scanner")  # 6. no scanner
    d.tap("setupNoScanner")
    d.wait_screen("setup_supervisor")  # 7. nobody on the roster: made here
    d.type("setupSupervisor_name_km", "សុខ ដារា")
    d.type("setupSupervisor_name_en", "Sok Dara")
    d.type("setupSupervisor_pin", "582046")
    d.type("setupSupervisor_repeat", "582046")
    d.tap("setupNext")
    d.wait_screen("setup_summary", LONG_WAIT_MS)  # 8. the self-test, then ready
    summary = d.screen
    qtbot.waitUntil(lambda: summary.tested, timeout=LONG_WAIT_MS)
    assert summary.results.counts()["ok"] >= 5
    d.tap("setupNext")
    d.wait_screen("attract", LONG_WAIT_MS)

    config = json.loads((data / "config.json").read_text())
    assert not (data / "setup-pending").exists()  # setup finished: not shown at the next start
    assert config["commune_code"] == "120101" and config["server_url"] == server.url
    assert config["printer"] == f"escpos:file:{paper}" and config["kiosk_number"] == 1
    assert config["camera"] == str(tmp_path / "setup-qr.png") and config["scan_folder"] is None
    identity = json.loads((data / "sync-device.json").read_text())
    assert identity["server_url"] == server.url and identity["commune_code"] == "120101"
    (row,) = staff_rows(kiosk, qtbot)
    assert (row.role, row.name_en, row.origin) == ("supervisor", "Sok Dara", "local")
    assert kiosk.ctx.config.server_url == server.url  # used at once, no restart
    qtbot.waitUntil(lambda: kiosk.sync_worker is not None, timeout=LONG_WAIT_MS)
    stop_badge_polling(kiosk)
    screens = [s for s in d.screens if s.startswith("setup_")]
    print(f"SETUP_COUNTS screens={len(screens)} taps={d.taps}")
    assert len(screens) <= MAX_SCREENS and d.taps <= MAX_TAPS, (screens, d.taps)


def test_no_link_yet_sets_up_offline_and_the_commune_is_searched(
    make_setup_kiosk: Callable[..., Any], qtbot: Any
) -> None:
    kiosk = make_setup_kiosk()
    data = kiosk.opts.data_dir
    d = Driver(kiosk, qtbot)
    d.tap("setup_choose_en")
    d.wait_screen("setup_connection")
    d.tap("setupOffline")  # "no link yet": one tap, on to the commune
    d.wait_screen("setup_commune")
    d.type("setupCommuneSearch", "Boeng Keng Kang Ti Muoy")
    qtbot.waitUntil(lambda: bool(d.screen.buttons), timeout=WAIT_MS)
    choice = d.screen.buttons[0]
    d.tap(choice)
    assert kiosk.setup.draft.commune_code == choice.value != "120101"
    for _ in ("commune", "camera", "printer"):
        d.tap("setupNext")
    d.wait_screen("setup_scanner")
    d.tap("setupNoScanner")
    d.wait_screen("setup_supervisor")
    for name, text in (("name_km", "កែវ សុផល"), ("name_en", "Keo Sophal")):
        d.type(f"setupSupervisor_{name}", text)
    d.type("setupSupervisor_pin", "582046")
    d.type("setupSupervisor_repeat", "582047")
    d.tap("setupNext")  # the PINs differ: said in English, the name stays
    assert d.error() == tr("staff.pin_mismatch", "en")
    assert d.find("setupSupervisor_name_en").text() == "Keo Sophal"
    d.type("setupSupervisor_repeat", "582046")
    d.tap("setupNext")
    d.wait_screen("setup_summary", LONG_WAIT_MS)
    qtbot.waitUntil(lambda: d.screen.tested, timeout=LONG_WAIT_MS)
    d.tap("setupNext")
    d.wait_screen("attract", LONG_WAIT_MS)
    config = json.loads((data / "config.json").read_text())
    assert config["commune_code"] == choice.value and config["server_url"] is None
    assert not (data / "sync-device.json").exists()
    assert [r.role for r in staff_rows(kiosk, qtbot)] == ["supervisor"]
    print(f"SETUP_COUNTS_OFFLINE screens={len(d.screens) - 1} taps={d.taps}")
    assert d.taps <= MAX_TAPS + 30  # the commune typed by hand costs its letters


def test_idle_during_setup_keeps_what_was_chosen(
    make_setup_kiosk: Callable[..., Any], qtbot: Any
) -> None:
    kiosk = make_setup_kiosk(idle_seconds=1, grace_seconds=1)
    d = Driver(kiosk, qtbot)
    d.tap("setup_choose_en")
    d.wait_screen("setup_connection")
    d.tap("setupOffline")
    d.wait_screen("setup_commune")
    prompt = kiosk.policy.prompt
    qtbot.waitUntil(lambda: prompt is not None and prompt.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not prompt.isVisible(), timeout=WAIT_MS)  # expired: nothing wiped
    assert kiosk.nav.current == "setup_commune" and kiosk.setup.draft.connection == "offline"
    assert kiosk.ctx.locale == "en" and kiosk.policy.idle.armed

"""Real-window fixtures: one Xvfb with a screen per size, the real kiosk full-screen on it, and
a `Finger` that taps with real X input events (XTest through xdotool) at screen coordinates.

The app runs in this process on Qt's xcb platform, so tests can read widget state directly,
but every input a test makes goes through the X server: press, a pause, release, apart, as a
finger does. pytest-qt's clicks cannot see a layout that jumps between press and release.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.window.finger import Finger, wait_for

# One X screen per size the kiosk must work at (GUIDE.md §7): a commune PC, a 1080p panel and
# a portrait kiosk.
SIZES = ((1366, 768), (1920, 1080), (1080, 1920))
SIZE_IDS = ["1366x768", "1920x1080", "1080x1920"]


# Qt says this when a screen changes under a finished tap inside a touch-scrolled area (the
# gesture's widget is hidden by then); nothing is lost.
GESTURE_NOISE = r"QGestureManager::deliverEvents: could not find the target for gesture"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/window/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(GESTURE_NOISE))


def _tool(name: str) -> str | None:
    """The absolute path of a Debian tool (never a PATH lookup only: cron-like shells)."""
    for candidate in (shutil.which(name), f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None


@pytest.fixture(scope="session")
def xserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Xvfb with one screen per size; DISPLAY and QT_QPA_PLATFORM=xcb set for this process."""
    xvfb, xdotool = _tool("Xvfb"), _tool("xdotool")
    if xvfb is None or xdotool is None:
        message = "the window tests need the Debian packages xvfb and xdotool"
        if os.environ.get("SALA_REQUIRE_XVFB") == "1":
            pytest.fail(message)
        pytest.skip(message)
    screens = [a for w, h in SIZES for a in ("-screen", str(SIZES.index((w, h))), f"{w}x{h}x24")]
    log = tmp_path_factory.mktemp("xvfb") / "xvfb.log"
    proc = None
    display = ""
    for number in range(140, 180):  # the first free display number
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        display = f":{number}"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [xvfb, display, *screens, "-nolisten", "tcp", "-noreset"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        end = time.monotonic() + 30
        while time.monotonic() < end and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.05)
        if proc.poll() is None:
            break
        proc = None
    if proc is None:
        pytest.fail(f"Xvfb did not start: {log.read_text()[-2000:]}")
    os.environ["DISPLAY"] = display
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ.setdefault("SALA_SECRET_DIR", str(tmp_path_factory.mktemp("secret")))
    yield {"display": display, "xdotool": xdotool}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def qapp(xserver: dict[str, str]) -> Any:
    """The kiosk's QApplication on the Xvfb display (replaces pytest-qt's, for this folder)."""
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if existing is not None and QApplication.platformName() != "xcb":
        pytest.skip("run tests/window on its own: a Qt app on another platform exists already")
    from ui.app import ensure_app, load_fonts, stylesheet

    app = ensure_app()
    load_fonts()
    app.setStyleSheet(stylesheet())
    return app


def full_screen_flags() -> Any:
    """The window flags `ui.app.run` gives the kiosk's window on X11."""
    from PySide6.QtCore import Qt

    return Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint


def show_full_screen(window: Any, screen: Any) -> None:
    """Show a kiosk window full-screen on `screen` with the cursor hidden, as `run` does: no
    window manager here, so the geometry is set by hand."""
    from PySide6.QtCore import Qt

    window.setScreen(screen)
    window.setCursor(Qt.CursorShape.BlankCursor)
    window.setGeometry(screen.geometry())
    window.showFullScreen()


class RunningKiosk:
    """The real kiosk full-screen on one X screen, as `ui.app.run` shows it."""

    def __init__(self, qapp: Any, screen_index: int, data_dir: Path, xdotool: str) -> None:
        from ui.app import Kiosk, KioskOptions

        opts = KioskOptions(data_dir=data_dir, camera="demo", idle_seconds=3600)
        self.kiosk = Kiosk(opts, window_flags=full_screen_flags())
        self.screen = qapp.screens()[screen_index]
        window = self.window = self.kiosk.window
        show_full_screen(window, self.screen)
        window.first_shown.connect(self.kiosk.start)
        wait_for(lambda: all(self.kiosk.ready.values()), 60, "the kiosk's start-up")
        wait_for(lambda: window.isActiveWindow() or _activate(window), 30, "window activation")
        self.finger = Finger(self, screen_index, xdotool)

    @property
    def nav(self) -> Any:
        return self.kiosk.nav

    def screen_name(self) -> str:
        return str(self.kiosk.citizen.current)

    def page(self) -> Any:
        return self.window.stack.currentWidget()

    def home(self) -> None:
        """Back to the attract screen between tests (set-up, not part of any journey)."""
        self.kiosk.citizen.end_session()
        wait_for(lambda: self.screen_name() == "attract", 30, "the attract screen")
        wait_for(lambda: self.kiosk.tasks.pending == 0, 30, "pending tasks")

    def close(self) -> None:
        self.finger.close()
        self.kiosk.shutdown()
        self.window.close()
        self.window.deleteLater()


def _activate(window: Any) -> bool:
    window.activateWindow()
    return False


@pytest.fixture(scope="session")
def kiosks(
    qapp: Any, xserver: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[int, int], RunningKiosk]]:
    """One running kiosk per size, made on first use and reused (start-up takes seconds)."""
    made: dict[tuple[int, int], RunningKiosk] = {}

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, size: tuple[int, int]) -> RunningKiosk:
            for other in made.values():  # one window at a time: focus goes to the one tested
                other.window.hide()
            k = RunningKiosk(
                qapp, SIZES.index(size), tmp_path_factory.mktemp("data"), xserver["xdotool"]
            )
            made[size] = k
            self[size] = k
            return k

    yield Lazy()
    for k in made.values():
        k.close()


@pytest.fixture(params=SIZES, ids=SIZE_IDS)
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=["km", "en"])
def locale(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def running(kiosks: Any, size: tuple[int, int]) -> Iterator[RunningKiosk]:
    """The kiosk at `size`, on its attract screen, its window the one shown."""
    k: RunningKiosk = kiosks[size]
    for other in list(kiosks.values()):
        if other is not k:
            other.window.hide()
    if not k.window.isVisible():
        k.window.showFullScreen()
    k.home()
    wait_for(lambda: k.window.isActiveWindow() or _activate(k.window), 30, "window activation")
    yield k
    k.home()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a failure, save what the screen showed (a PNG next to the test's tmp files)."""
    report = yield
    if report.when == "call" and report.failed and "running" in getattr(item, "funcargs", {}):
        k = item.funcargs["running"]
        out = Path(os.environ.get("SALA_WINDOW_SHOTS", "/tmp/sala-window-failures"))
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{item.name.replace('/', '_')}.png"
        k.screen.grabWindow(0).save(str(path))
        report.sections.append(("screen", f"the screen at the failure: {path}"))
    return report

"""Bootstrap: QApplication, bundled fonts, the stylesheet, the kiosk full-screen.

`Kiosk` puts the parts together: the shell (the window), the navigator over its stack, the
citizen's journey, the run-time policy (GC, idle) and the task helper. Start-up shows the
attract screen first and does everything slow afterwards, off the GUI thread: the store opens
on the db worker, catalog and gazetteer load on the io pool, the sync worker starts once the
window is up. Nothing heavy (OpenCV, numpy, sqlite-utils, requests) is imported before the
first paint.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtCore
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.i18n import assets_root
from ui.citizen import HOME, CitizenJourney
from ui.navigator import StackNavigator
from ui.policy import RuntimePolicy, freeze_long_lived, pause_gc_for_startup
from ui.screens.base import AppContext, local_today
from ui.session import Session
from ui.shell import Shell
from ui.tasks import TaskManager

log = logging.getLogger(__name__)
# Never imported before the attract screen is painted (tests/bench/startup_bench.py checks).
HEAVY_MODULES = ("cv2", "numpy", "sqlite_utils", "requests")
WARM_SLICE_S = 0.006  # work done ahead on the attract screen: slices of about this long
# Khmer first: Qt then never asks Noto Sans for Khmer shaping (a warning); Latin falls through.
FONT_FAMILIES = ["Noto Sans Khmer", "Noto Sans"]
# Nothing before the attract screen's first paint names a member of PySide's `Qt` namespace
# (`QtCore.Qt.…` is written where it is used after it): on its first touch PySide builds all of
# the namespace's ~93 Python enums, ~30 ms of CPU that a bare window never spends
# (tests/bench/bundle_startup_bench.py). The first screen's widgets set such values by name
# (`ui.widgets.basic.set_enum_property`); `Kiosk.start` and the rest come after the paint.
# Platforms whose window manager acts on the kiosk's window flags (frameless, always on top):
# Wayland (cage) gives a full-screen window neither decorations nor a stacking order, and the
# offscreen and minimal platforms (screenshots, tests) have no window manager at all.
FLAG_PLATFORMS_WITHOUT_EFFECT = ("wayland", "wayland-egl", "offscreen", "minimal")


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        # Qt 6's default, said here so that a Qt build defaulting otherwise cannot round a
        # 125 % screen to 100 % (the environment variable is what the API call would set).
        os.environ.setdefault("QT_SCALE_FACTOR_ROUNDING_POLICY", "PassThrough")
        app = QApplication(argv or [sys.argv[0]])
    assert isinstance(app, QApplication)
    return app


def load_fonts() -> list[str]:
    """Register every font in assets/fonts (Noto Sans Khmer is what makes Khmer readable
    whatever the OS has) and make them the application font; returns the families.

    All four faces are needed for the attract screen's first paint (its titles and buttons are
    bold). They are registered by path, so Qt maps the files instead of Python reading 1.2 MB
    into memory first; only a font inside a zip (no real path) is passed as bytes."""
    families: list[str] = []
    folder = assets_root() / "fonts"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.lower().endswith((".ttf", ".otf")):
            font_id = (
                QFontDatabase.addApplicationFont(str(entry))
                if isinstance(entry, Path) and entry.is_file()
                else QFontDatabase.addApplicationFontFromData(entry.read_bytes())
            )
            if font_id < 0:
                log.error("could not load font %s", entry.name)
                continue
            families += QFontDatabase.applicationFontFamilies(font_id)
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(24)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    QApplication.setFont(font)
    return sorted(set(families))


def stylesheet() -> str:
    return (assets_root() / "styles" / "kiosk.qss").read_text(encoding="utf-8")


class KioskOptions:
    """What the kiosk runs with (from the config, or a test). Not a dataclass: those compile
    their methods at import, ~0.3 ms of start-up each."""

    def __init__(
        self,
        data_dir: Path,
        commune_code: str = "120101",
        camera: str = "auto",
        printer: str = "none",
        idle_seconds: float = 90,
        grace_seconds: float = 30,
        retention_days: int = 90,
        server_url: str | None = None,
        scan_folder: Path | None = None,
        today: Callable[[], Any] | None = None,
        config: Any = None,
    ) -> None:
        self.data_dir = data_dir
        self.commune_code = commune_code
        self.camera = camera
        self.printer = printer
        self.idle_seconds = idle_seconds
        self.grace_seconds = grace_seconds
        self.retention_days = retention_days
        self.server_url = server_url
        self.scan_folder = scan_folder
        self.today = today
        self.config = config


def options_from_config(config: Any, **overrides: Any) -> KioskOptions:
    opts = KioskOptions(
        data_dir=config.data_dir,
        commune_code=config.commune_code,
        camera=config.camera,
        printer=config.printer,
        idle_seconds=config.idle_seconds,
        grace_seconds=config.idle_grace_seconds,
        retention_days=config.retention_days,
        server_url=config.server_url,
        scan_folder=config.scan_folder,
        config=config,
    )
    for k, v in overrides.items():
        if v is not None:
            setattr(opts, k, v)
    return opts


def make_printer(spec: str, commune_name: Callable[[], Any] = lambda: None) -> Any:
    """A callable(receipt, service, locale) -> PrintResult for `Config.printer`, or None when
    this kiosk has no printer. Printing itself is the receipt helper's (`ui/receipts`)."""
    if not spec or spec.strip() == "none":
        return None
    from ui.receipts.printers import PrinterSettingError, parse_printer_spec, print_receipt

    try:
        parse_printer_spec(spec)
    except PrinterSettingError as exc:  # a bad setting must not stop the kiosk
        log.error("printer setting %r not usable: %s", spec, exc)
        return None

    def print_one(receipt: Any, service: Any, locale: str) -> Any:
        return print_receipt(receipt, service, locale, spec, commune_name=commune_name())

    return print_one


class Kiosk(QObject):
    """The running kiosk: task helper, shell, navigator, journeys, and the start-up work."""

    def __init__(
        self,
        opts: KioskOptions,
        *,
        printer: Any = None,
        window_flags: QtCore.Qt.WindowType | None = None,
        locked_down: bool | None = None,
        on_first_shown: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.opts = opts
        self.tasks = TaskManager(self)
        self._commune_name: Any = None
        self.ctx = ctx = AppContext(
            tasks=self.tasks,
            session=Session(),
            config=opts.config or opts,
            today=opts.today or local_today,
            camera=opts.camera,
            printer=printer,
            retention_days=opts.retention_days,
        )
        self.window = shell = Shell(ctx, window_flags=window_flags, locked_down=locked_down)
        if on_first_shown is not None:
            # Connected before any other part's slot (Qt calls them in that order), so it runs
            # at the first paint, before the work the others start then (update signals, GC).
            shell.first_shown.connect(on_first_shown)
        self.nav = nav = StackNavigator(ctx, shell.stack, home=HOME, parent=self)
        nav.add_build_step(shell.make_keyboard)
        nav.add_build_step(lambda: warm_keyboard(shell))
        self.policy = RuntimePolicy(
            shell, nav, idle_seconds=opts.idle_seconds, grace_seconds=opts.grace_seconds
        )
        self.citizen = CitizenJourney(ctx, nav, parent=self)
        # The clerk station (ui/clerk/): its "Staff" button shows once the store is open; its
        # journey and screens are made at the first tap on it (`clerk_journey`), so they are
        # no part of the citizen's start-up.
        self.clerk: Any = None  # ui.clerk.journey.ClerkJourney
        self.clerk_ready = False
        nav.add_build_step(self._make_clerk)
        shell.locale_chosen.connect(nav.set_locale)
        nav.locale_changed.connect(shell.retranslate)
        nav.screen_changed.connect(shell._on_screen_changed)
        from ui.setup.hookup import show_first_screen

        show_first_screen(self, HOME)  # first-run setup while unconfigured (ui/setup/)
        self.sync_worker: Any = None
        self.ready = {"store": False, "catalog": False, "gazetteer": False, "capture": False}

    def _make_clerk(self) -> None:
        """Offer the clerk station once the store is open. Its core (kiosk.staff,
        kiosk.clerk) is imported on the db worker first: the GUI thread importing the store's
        package while the worker does found it half made (ImportError)."""

        def core(_store: Any) -> None:
            import kiosk.clerk
            import kiosk.staff  # noqa: F401

        self.tasks.run_db(
            core,
            lambda _r: self._on_clerk_core(),
            lambda exc: log.error("no clerk station: %s", exc),
        )

    def _on_clerk_core(self) -> None:
        from ui.clerk.journey import ClerkJourney

        self.clerk_ready = True
        self.citizen.attract.show_staff_entry(ClerkJourney.entry_text(), self.open_clerk)

    def clerk_journey(self) -> Any:
        """The clerk station's journey, made (and its screens registered) on first use."""
        from ui.clerk.journey import ClerkJourney

        if self.clerk is None:
            self.clerk = ClerkJourney(self.ctx, self.nav, parent=self)
        return self.clerk

    def open_clerk(self) -> None:
        """The welcome screen's "Staff" button: the staff sign-in. The first time, the sign-in
        screen is built alone and shown, the other staff screens after it in slices (all at
        once held the tap ~250 ms)."""
        journey, nav = self.clerk_journey(), self.nav
        if "staff_signin" in nav.screens:
            journey.go("staff_signin")
            return

        def built(name: str) -> None:
            if name == "staff_signin":
                nav.screen_built.disconnect(built)
                if nav.current == nav.home:
                    journey.go("staff_signin")

        nav.screen_built.connect(built)
        nav.build_rest_in_slices()

    def start(self) -> None:
        """Kick off the slow parts; each lands on the GUI thread when done."""
        opts = self.opts
        self.nav.build_rest_in_slices()
        if self.ctx.printer is None:  # imports Qt print support: after the first paint
            self.ctx.printer = make_printer(opts.printer, lambda: self._commune_name)

        def open_store() -> Any:
            from kiosk.store import Store

            return Store.open(opts.data_dir, commune_code=opts.commune_code)

        self.tasks.store_opened.connect(lambda _s: self._mark("store"))
        self.tasks.store_failed.connect(self._on_store_failed)
        self.tasks.open_store(open_store)
        self.tasks.run_io(self._load_catalog, self._on_catalog, self._on_catalog_failed)
        self.tasks.run_io(
            _load_gazetteer,
            self._on_gazetteer,
            lambda exc: log.error("gazetteer failed to load: %s", exc),
        )
        # OpenCV/numpy are imported here, after the first paint and while the attract screen
        # waits: importing them holds the GIL for a few hundred ms, which must not happen in
        # the middle of a citizen's journey (first photo step).
        self.tasks.run_io(
            _warm_capture,
            lambda _r: self._mark("capture"),
            lambda exc: log.warning("camera and image checks unavailable: %s", exc),
        )
        if opts.server_url:
            self.tasks.run_io(
                lambda: self._start_sync_worker(opts.data_dir),
                self._on_sync_worker,
                lambda exc: log.warning("sync not started: %s", exc),
            )

    def _on_store_failed(self, exc: BaseException) -> None:
        log.error("the store could not be opened: %s", exc)  # the technician log
        self.citizen.set_out_of_service(exc)

    def _load_catalog(self) -> Any:
        from kiosk.catalog import CatalogManager
        from ui.screens.fields import supported_types

        return CatalogManager(self.opts.data_dir, supported_types=supported_types()).current()

    def _on_catalog(self, catalog: Any) -> None:
        self.citizen.set_catalog(catalog)
        self._mark("catalog")

    def _on_catalog_failed(self, exc: BaseException) -> None:
        log.error("no usable catalog: %s", exc)

    def _on_gazetteer(self, gz: Any) -> None:
        place = self.citizen.set_gazetteer(gz)
        self._commune_name = place.name if place is not None else None
        self.window.set_place(self._commune_name)
        self._mark("gazetteer")

    def _mark(self, part: str) -> None:
        self.ready[part] = True
        if all(self.ready.values()):
            freeze_long_lived()  # the catalog, gazetteer and Qt wrappers stay for good

    @staticmethod
    def _start_sync_worker(data_dir: Path) -> Any:
        """The sync worker for this data dir (commune and server from its enrolment), started;
        None before `sala enrol`."""
        from sync.client.worker import worker_for

        worker = worker_for(data_dir)
        if worker is not None:
            worker.start()
        return worker

    def _on_sync_worker(self, worker: Any) -> None:
        if worker is None:
            return
        self.sync_worker = worker
        self.citizen.registration_saved.connect(lambda _r: worker.nudge())
        self.window.start_sync_polling(worker)

    def shutdown(self) -> None:
        self.nav.stop_building()
        self.window.stop_sync_polling()
        self.policy.close()
        if self.sync_worker is not None:
            self.sync_worker.stop(timeout=5)
        self.tasks.shutdown()


# What the first question steps import (`make_field_widget`, the capture helper's steps):
# imported here, after the first paint and off the GUI thread, not in the middle of a journey
# (~40 ms on the GUI thread, measured). Importing creates no widget, so a worker may do it.
WARM_MODULES = (
    "kiosk.capture",
    "ui.screens.fields.text",
    "ui.screens.fields.choice",
    "ui.screens.fields.date",
    "ui.screens.fields.address",
    "ui.screens.fields.media",
    "ui.capture.photo_step",
    "ui.capture.document_step",
    "ui.receipts.qr",
)


def _warm_capture() -> None:
    import importlib

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as exc:  # the camera helper's extra may be missing: it is optional
            if name == WARM_MODULES[0]:
                raise
            log.warning("could not preload %s: %s", name, exc)


def warm_keyboard(shell: Shell) -> None:
    """Draw every key face of the on-screen keyboard once, a few keys per idle turn while the
    attract screen shows: a layer's faces (~60 keys, drawn in Python) cost 20-30 ms the first
    time it showed, in the middle of a journey (issue 9). Faces are cached per look and size
    and are the same for every session. Stops as soon as the keyboard shows."""
    kb = shell.keyboard
    if kb is None:
        return
    todo = [(loc, lay) for loc in ("en", "km") for lay in ("sym", "en", "num", "km")]
    keys: list[Any] = []

    def one() -> None:
        try:
            more = step()
        except RuntimeError:  # the window was closed meanwhile (tests)
            return
        if more:
            QTimer.singleShot(0, one)

    def step() -> bool:
        if kb.isVisible():
            return False
        if not keys:
            if not todo:
                return False
            locale, layer = todo.pop(0)
            kb.resize(shell.width(), kb.height())  # the keys' sizes as when it shows
            try:
                kb.set_locale(locale)
                kb.set_layer(layer)
            except ValueError:  # a layer this keyboard does not have
                pass
            else:
                keys.extend(kb.buttons())
        else:
            deadline = time.perf_counter() + WARM_SLICE_S
            while keys and time.perf_counter() < deadline:
                key = keys.pop(0)
                key.ensurePolished()
                key.face()
        return True

    QTimer.singleShot(0, one)


def _load_gazetteer() -> Any:
    from kiosk.gazetteer import load_gazetteer

    return load_gazetteer()


def run(opts: KioskOptions, *, windowed: bool = False, size: tuple[int, int] | None = None) -> int:
    """Run the kiosk until quit. SALA_EXIT_WHEN_SHOWN=1 quits after the first paint and prints
    `SHOWN_AT=<unix time>`, the heavy modules already imported, the process's CPU seconds so
    far (`CPU=`: the start-up benchmarks compare it, steadier than wall time on a busy machine)
    and whether PySide's `Qt` namespace was built by then (`QT_NAMESPACE=`, above)."""
    pause_gc_for_startup()  # back on after the first paint (`ui.policy`)
    app = ensure_app()
    load_fonts()
    app.setStyleSheet(stylesheet())
    # Full screen: frameless and always on top from the start where a window manager acts on
    # that (set on the finished window, the flags re-parent it and every child gets told,
    # ~0.5 ms); elsewhere no flags, so no `Qt` namespace before the first paint (above).
    flags = None
    if not windowed and app.platformName() not in FLAG_PLATFORMS_WITHOUT_EFFECT:
        Qt = QtCore.Qt
        flags = Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint

    def shown() -> None:
        heavy = [m for m in HEAVY_MODULES if m in sys.modules]
        qt_namespace = "Qt" in vars(QtCore)  # PySide adds a type to its module once built
        print(
            f"SHOWN_AT={time.time():.6f} HEAVY={','.join(heavy) or '-'} "
            f"CPU={time.process_time():.4f} QT_NAMESPACE={'built' if qt_namespace else 'no'}",
            flush=True,
        )
        app.quit()

    exit_when_shown = os.environ.get("SALA_EXIT_WHEN_SHOWN") == "1"
    kiosk = Kiosk(
        opts,
        window_flags=flags,
        locked_down=not windowed,
        on_first_shown=shown if exit_when_shown else None,
    )
    window = kiosk.window
    if windowed:
        window.resize(*(size or (1366, 768)))
        window.show()
    else:

        def hide_cursor() -> None:
            window.setCursor(QtCore.Qt.CursorShape.BlankCursor)

        if flags is not None:  # `Qt` is built already
            hide_cursor()
        else:  # right after the first paint
            window.first_shown.connect(hide_cursor)
        if size:
            window.resize(*size)
        else:
            # Kiosk sessions often run a bare X server with no window manager, where
            # showFullScreen() alone changes nothing: cover the screen ourselves as well.
            window.setGeometry(app.primaryScreen().geometry())
        window.showFullScreen()
    # Everything slow starts after the first paint: the attract screen shows at once.
    window.first_shown.connect(kiosk.start)

    def quit_on_signals() -> None:
        """SIGTERM (shutdown) and Ctrl+C quit cleanly: the store closes, workers stop. Set
        after the first paint, with the store (before it there is nothing to close), so
        `signal` and its enums (~0.4 ms) stay off the start-up path."""
        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: app.quit())

    window.first_shown.connect(quit_on_signals)
    # Python only runs signal handlers between bytecodes, so a slow timer gives it the chance.
    wake = QTimer()
    wake.start(500)
    wake.timeout.connect(lambda: None)
    try:
        return app.exec()
    finally:
        kiosk.shutdown()

"""`sala kiosk --safe`: what tty1 shows once the kiosk hit its crash-loop limit (issue 14).

packaging/deb/sala-kiosk-failed.service runs it under cage as the kiosk unit runs the kiosk.
It loads as little as it can: no citizen journey, no camera, no sync worker, no catalog. Its
one window (the kiosk's `Shell`) shows a notice in Khmer and English and the self-test
(`kiosk.cli.self_test_results`, what `sala self-test` runs, on the io pool); the store opens
on the db worker, and if it cannot, the notice says so and nobody can sign in.

A technician signs in with the staff sign-in of every day (ui/clerk's sign-in and PIN pad,
through `SafeSignIn`, which only takes the technician's session) and gets the tools that
matter here (`ui.setup.safe_screens.SafeToolsScreen`): the USB export, the Updates page,
"Leave the kiosk" (ui/setup/leave.py, exit status 64) and "Try the kiosk again" (exit status
`TRY_AGAIN_EXIT_STATUS`, which the unit turns into a fresh start of the kiosk unit).

It never writes the updater's signals (`ui.policy`): a safe mode showing is no healthy
release, and no citizen is using the kiosk.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer

from ui.clerk.journey import GRACE_SECONDS, ClerkJourney
from ui.navigator import ScreenSpec, StackNavigator
from ui.policy import RuntimePolicy
from ui.screens.base import AppContext
from ui.session import Session
from ui.setup.safe_exit import TRY_AGAIN_EXIT_STATUS
from ui.shell import Shell
from ui.tasks import TaskManager

log = logging.getLogger(__name__)

HOME = "safe_notice"
TOOLS = "safe_tools"
UPDATES = "setup_updates"  # ui/setup/updates.py, reused as it is
SCREENS: tuple[ScreenSpec, ...] = (
    (TOOLS, "ui.setup.safe_screens", "SafeToolsScreen"),
    (UPDATES, "ui.setup.updates", "UpdatesScreen"),
)
# Of the clerk journey's screens, only the sign-in and its PIN pad are made here.
SIGN_IN_SCREENS = ("staff_signin", "staff_pin")


class SafeNavigator(StackNavigator):
    """The navigator over the safe window: it builds only the screens safe mode shows (the
    clerk journey registers its whole station; the queue and its actions are dropped)."""

    ALLOWED = frozenset({TOOLS, UPDATES, *SIGN_IN_SCREENS})

    def register(self, journey: Any, specs: Any) -> None:
        super().register(journey, [s for s in specs if s[0] in self.ALLOWED])


class _SafePolicy(RuntimePolicy):
    """The kiosk's idle rule (a technician's session ends after 3 minutes untouched), without
    the updater's signals: the health stamp would call a crashing release healthy."""

    def _send_update_signals(self) -> None:
        return


class SafeJourney(QObject):
    """The notice (home) and, for a signed-in technician, the tools and the Updates page.
    Implements what those screens ask of their navigator (`ui.setup.leave.LeavePanel` and
    `ui.setup.updates.UpdatesScreen` read `session`, `now()` and `draft.data_dir`)."""

    def __init__(
        self, ctx: AppContext, nav: StackNavigator, data_dir: Path, parent: QObject | None = None
    ) -> None:
        from kiosk.staff import IDLE_TIMEOUT
        from ui.setup.safe_screens import SafeNoticeScreen

        super().__init__(parent)
        self.ctx = ctx
        self._nav = nav
        self.draft = SimpleNamespace(data_dir=data_dir)
        self.mode = "technician"
        self.session: Any = None  # the technician's StaffSession
        self._desk: Any = None  # kiosk.staff.StaffDesk, made on the db worker
        total = IDLE_TIMEOUT.total_seconds()
        self.idle_timing: tuple[float, float] = (total - GRACE_SECONDS, GRACE_SECONDS)
        self.trying_again = False
        self.notice = SafeNoticeScreen(ctx, self)
        nav.add(self, self.notice, HOME)
        nav.register(self, SCREENS)

    # -- Navigator (passed on) -----------------------------------------------------------------
    @property
    def current(self) -> str:
        return self._nav.current

    def go(self, name: str, **kw: Any) -> None:
        """A screen of this journey; past the notice, only with a technician signed in. The
        Updates page's "Back" names the technician screen: here that is the tools."""
        if name == "setup_technician":
            name = TOOLS
        if name != HOME and self.session is None:
            name, kw = HOME, {}
        self._nav.go(name, **kw)

    def set_locale(self, locale: str) -> None:
        self._nav.set_locale(locale)

    def end_session(self) -> None:
        """Idle (the run-time policy) or "Sign out": the notice returns."""
        self.sign_out()

    def touch(self) -> None:
        """A tap while the tools show (the run-time policy): the session's clock restarts, as
        the clerk journey does, so the core's checks see a session in use."""
        session = self.session
        if session is not None and not session.expired(self.now()):
            session.touch(self.now())

    def now(self) -> datetime:
        from kiosk.model import utc_now

        return utc_now()

    # -- the technician ------------------------------------------------------------------------
    def open_tools(self, session: Any) -> None:
        self.session = session
        self.go(TOOLS)

    def desk(self, store: Any) -> Any:
        """A StaffDesk for the sign-out's audit line (db worker only)."""
        if self._desk is None:
            from kiosk.staff import StaffDesk

            self._desk = StaffDesk(store)
        return self._desk

    def _sign_out_job(self) -> Any:
        session = self.session
        self.session = None
        if session is None:
            return lambda _store: None
        return lambda store: self.desk(store).sign_out(session)

    def sign_out(self) -> None:
        job = self._sign_out_job()
        self.ctx.tasks.run_db(job, None, lambda exc: log.error("sign-out not recorded: %s", exc))
        for screen in self._nav.screens_of(self):
            screen.reset()
        self._nav.go(HOME)
        self._nav.set_locale("km")

    def try_again(self) -> None:
        """Sign out (audited), then end with the status the unit turns into a fresh start of
        the kiosk unit; its crash-loop count starts again from nothing."""
        if self.trying_again or self.session is None:
            return
        self.trying_again = True
        log.warning("a technician asked to try the kiosk again")

        def done(_r: object = None) -> None:
            QCoreApplication.exit(TRY_AGAIN_EXIT_STATUS)

        self.ctx.tasks.run_db(self._sign_out_job(), done, done)  # the audit, then the exit


class SafeSignIn(ClerkJourney):
    """The staff sign-in of every day (ui/clerk: names, PIN pad, first PIN, unlock), whose
    session goes to the safe journey instead of the clerk's queue; only a technician's."""

    def __init__(self, ctx: AppContext, nav: StackNavigator, journey: SafeJourney) -> None:
        super().__init__(ctx, nav, parent=journey)
        self.journey = journey

    def begin(self, session: Any, on_error: Any = None) -> None:
        from kiosk.staff import NotAllowed, Role

        if session.role != Role.TECHNICIAN:
            # A clerk or supervisor: their PIN was right, but nothing here is theirs.
            self.run_staff(
                lambda desk: desk.sign_out(session, reason="user"),
                None,
                lambda exc: log.error("sign-out not recorded: %s", exc),
            )
            refusal = NotAllowed(
                f"Role {session.role} may not use the safe mode.",
                message_key="safe.technician_only",
            )
            if on_error is not None:
                on_error(refusal)
            return
        self.session = self.desk = None  # the safe journey holds it, with its sign-out
        self.signed_in.emit(session)
        for screen in self._nav.screens_of(self):
            screen.reset()
        self.journey.open_tools(session)


class SafeMode(QObject):
    """The safe window's parts: task helper, shell, navigator, idle rule, the two journeys."""

    def __init__(self, config: Any, *, window_flags: Qt.WindowType | None = None) -> None:
        super().__init__()
        self.config = config
        self.data_dir = Path(config.data_dir)
        self.tasks = TaskManager(self)
        self.ctx = AppContext(tasks=self.tasks, session=Session(), config=config)
        self.window = shell = Shell(self.ctx, window_flags=window_flags)
        shell.badge.hide()  # no sync worker runs here: "not enrolled" would mislead
        self.nav = nav = SafeNavigator(self.ctx, shell.stack, home=HOME, parent=self)
        self.policy = _SafePolicy(shell, nav)
        self.journey = SafeJourney(self.ctx, nav, self.data_dir, parent=self)
        self.signin = SafeSignIn(self.ctx, nav, self.journey)
        self.journey.notice.sign_in.connect(lambda: self.signin.go("staff_signin"))
        self.journey.notice.rerun.connect(self.run_self_test)
        shell.locale_chosen.connect(nav.set_locale)
        nav.locale_changed.connect(shell.retranslate)
        nav.go(HOME)

    def start(self) -> None:
        """After the first paint: the store, then the self-test (it opens the store too: one
        at a time, as for `sala self-test` beside a running kiosk), and the other screens."""
        from kiosk.store import Store

        config, data_dir = self.config, self.data_dir

        def open_store() -> Any:
            # orphan_hours=inf: tidying media away is the kiosk's job, not the safe mode's
            return Store.open(data_dir, commune_code=config.commune_code, orphan_hours=float("inf"))

        self.tasks.store_opened.connect(lambda _s: self._on_store(None))
        self.tasks.store_failed.connect(self._on_store)
        self.tasks.open_store(open_store)
        self.nav.build_rest_in_slices()

    def _on_store(self, exc: BaseException | None) -> None:
        if exc is not None:
            log.error("safe mode: the store could not be opened: %s", exc)
        self.journey.notice.set_store(exc)
        self.run_self_test()

    def run_self_test(self) -> None:
        """`sala self-test`'s checks without the camera probe (the camera may be what
        crashed), on the io pool."""
        notice, data_dir = self.journey.notice, self.data_dir

        def job() -> Any:
            from kiosk.cli import self_test_results

            return self_test_results(data_dir)

        def failed(exc: BaseException) -> None:
            log.error("safe mode: the self-test could not run: %s", exc)
            notice.show_results_failed(exc)

        notice.show_results(None)
        self.tasks.run_io(job, notice.show_results, failed)

    def shutdown(self) -> None:
        self.nav.stop_building()
        self.policy.close()
        self.tasks.shutdown()


def safe_config(data_dir: Path | None) -> Any:
    """The kiosk's config; if it cannot be read (maybe why the kiosk kept failing), the
    defaults for its data dir, so the notice and the self-test (which says so) still show."""
    from kiosk.config import Config, ConfigError, default_data_dir, load_config

    try:
        return load_config(data_dir)
    except ConfigError as exc:
        log.error("safe mode: the config is not usable, defaults used: %s", exc)
        return Config(data_dir=data_dir or default_data_dir())


def run_safe(
    data_dir: Path | None, *, windowed: bool = False, size: tuple[int, int] | None = None
) -> int:
    """Run the safe mode until a technician leaves or tries again (their exit statuses,
    ui/setup/safe_exit.py); 0 after SIGTERM (the unit stopped)."""
    from kiosk.logs import setup_logging
    from ui.app import ensure_app, load_fonts, stylesheet

    config = safe_config(data_dir)
    try:
        setup_logging(Path(config.data_dir))
    except OSError as exc:  # an unwritable data dir: the journal still has stderr
        logging.basicConfig()
        log.error("safe mode: no log file in the data dir: %s", exc)
    log.warning("safe mode: the kiosk stopped after repeated failures")
    app = ensure_app()
    load_fonts()
    app.setStyleSheet(stylesheet())
    flags = (
        None if windowed else Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
    )
    safe = SafeMode(config, window_flags=flags)
    window = safe.window
    if windowed:
        window.resize(*(size or (1366, 768)))
        window.show()
    else:
        window.setCursor(Qt.CursorShape.BlankCursor)
        if size:
            window.resize(*size)
        else:  # no window manager may be there to make it full-screen (ui.app.run)
            window.setGeometry(app.primaryScreen().geometry())
        window.showFullScreen()
    window.first_shown.connect(safe.start)
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):  # the unit's stop: a clean end, status 0
        signal.signal(sig, lambda *_: app.quit())
    wake = QTimer()  # Python runs signal handlers between bytecodes: give it the chance
    wake.start(500)
    wake.timeout.connect(lambda: None)
    try:
        return app.exec()
    finally:
        safe.shutdown()

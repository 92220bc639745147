"""`ClerkJourney`: the staff side's screens and session, as a `Journey` on the navigator.

The citizen never reaches it except through the visible "Staff" button on the welcome screen.
Signing in makes a `StaffSession` (kiosk/staff) and a `ClerkDesk` (kiosk/clerk) on the db
worker; every desk call runs there (`run`), its answer lands on the GUI thread. The session
ends on "Sign out", after 3 minutes idle (the run-time policy calls `end_session`), when the
core says it ended (account turned off, session expired), or when an assisted application
ends (`ask_pin_again`: that clerk's PIN pad, never the queue by itself): every staff screen is
wiped and the citizen welcome returns, so nobody finds a staff screen open.

Objects on the db worker's side (`_DeskHolder`) are touched only inside `run_db` jobs; the
GUI thread keeps the results it was handed.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from ui.navigator import ScreenSpec

if TYPE_CHECKING:
    from ui.navigator import StackNavigator
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
T = TypeVar("T")
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]

SIGNIN = "staff_signin"
HOME = "clerk_home"
# UI-A's screens; UI-B's action screens come from `ui.clerk.actions.SCREENS`.
SCREENS: tuple[ScreenSpec, ...] = (
    (SIGNIN, "ui.clerk.signin", "StaffSignInScreen"),
    ("staff_pin", "ui.clerk.pin", "StaffPinScreen"),
    (HOME, "ui.clerk.home", "ClerkHomeScreen"),
    ("clerk_application", "ui.clerk.application", "ClerkApplicationScreen"),
    ("clerk_staff", "ui.clerk.staff_admin", "StaffAdminScreen"),  # supervisors: staff accounts
)
GRACE_SECONDS = 30.0  # the "more time?" prompt's countdown, inside the 3 idle minutes


def action_screens() -> list[ScreenSpec]:
    """UI-B's screens, if its package is there (the station works without them)."""
    if importlib.util.find_spec("ui.clerk.actions") is None:
        return []
    try:
        from ui.clerk import actions
    except ImportError as exc:
        log.error("clerk action screens not loaded: %s", exc)
        return []
    return list(getattr(actions, "SCREENS", []))


def _utc_now() -> datetime:
    from kiosk.model import utc_now

    return utc_now()


class _DeskHolder:
    """The db worker's side: one `StaffDesk` (it keeps first-sign-in tickets between calls)
    and the signed-in person's `ClerkDesk`. Touched only in `run_db` jobs."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._staff: Any = None
        self._store: Any = None
        self.clerk: Any = None

    def staff(self, store: Any) -> Any:
        if self._staff is None or self._store is not store:
            from kiosk.staff import StaffDesk

            self._staff = StaffDesk(store, clock=lambda: self.clock())
            self._store = store
        return self._staff

    def open_clerk(self, store: Any, catalog: Any, session: Any) -> Any:
        """The ClerkDesk for `session`, or None while kiosk.clerk is not installed."""
        try:
            from kiosk.clerk import ClerkDesk
        except ImportError as exc:
            log.error("the clerk desk is not available: %s", exc)
            self.clerk = None
            return None
        self.clerk = ClerkDesk(store, catalog, session, now=lambda: self.clock())
        return self.clerk

    def sign_out(self, store: Any, session: Any, reason: str) -> None:
        self.clerk = None
        self.staff(store).sign_out(session, reason=reason)


class ClerkJourney(QObject):
    """The staff side's screens and session operations (implements `ui.navigator.Journey`)."""

    signed_in = Signal(object)  # the StaffSession
    session_ended = Signal(str)  # "user" | "idle" | "assisted" | "ended" (the core ended it)

    def __init__(
        self,
        ctx: AppContext,
        nav: StackNavigator,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._nav = nav
        self._clock = clock or _utc_now
        self._holder = _DeskHolder(self._clock)
        self.session: Any = None  # kiosk.staff.StaffSession while someone is signed in
        self.desk: Any = None  # kiosk.clerk.ClerkDesk: call it only through `run`
        self.notice: str | None = None  # a message key for the sign-in screen (why it ended)
        self.staff_names: dict[str, Any] = {}  # staff id -> Text, for the audit lines
        from kiosk.staff import IDLE_TIMEOUT

        total = IDLE_TIMEOUT.total_seconds()
        # Read by the run-time policy: the prompt shows 30 s before the 3 minutes are over.
        self.idle_timing: tuple[float, float] = (total - GRACE_SECONDS, GRACE_SECONDS)
        self.specs = [*SCREENS, *action_screens()]
        nav.register(self, self.specs)
        from ui.policy import ALSO_TOUCHED

        ctx.extras[ALSO_TOUCHED] = self._citizen_touched

    # -- Navigator (passed on) ---------------------------------------------------------------
    @property
    def current(self) -> str:
        return self._nav.current

    def go(self, name: str, **kw: Any) -> None:
        """Show a staff screen. Past sign-in, only with a live session: a session the core's
        clock has ended ends here too (the welcome returns), and without one, sign in."""
        from kiosk.staff import SessionExpired

        if name not in (SIGNIN, "staff_pin") and not self.signed_in_now():
            if self.session is not None:
                self._ended_by_core(SessionExpired("staff session expired", minutes=3))
                return
            name, kw = SIGNIN, {}
        self.touch()
        self._nav.go(name, **kw)
        if name == "staff_pin":  # the seconds the PIN takes: the queue's home made ready
            home = self._nav.screens.get(HOME)
            prepare = getattr(home, "prepare", None)
            if prepare is not None:
                prepare()

    def touch(self) -> None:
        """Someone touched the screen (the run-time policy calls this on each tap while a
        staff screen shows): the session's idle clock starts again."""
        session = self.session
        if session is not None and not session.expired(self.now()):
            session.touch(self.now())

    def _citizen_touched(self) -> None:
        """A tap anywhere during a session (the run-time policy): while this clerk assists a
        citizen (`CitizenJourney.assisted`), the citizen's taps keep the staff session alive,
        so a slow question does not sign the clerk out; the citizen's own idle rule still
        ends that journey, and then this session (`AssistedScreen`). Either way the queue
        does not open by itself afterwards: a finished one asks the PIN (`ask_pin_again`)."""
        assisted = getattr(self.ctx.extras.get("citizen"), "assisted", None)
        session = self.session
        if assisted is not None and session is not None and assisted[0] == session.staff_id:
            self.touch()

    def set_locale(self, locale: str) -> None:
        self._nav.set_locale(locale)

    @staticmethod
    def entry_text() -> str:
        """The welcome screen's "Staff" button, in both languages."""
        from ui.widgets.text import tr

        return f"{tr('clerk.ui.entry', 'km')} / {tr('clerk.ui.entry', 'en')}"

    @property
    def screen_names(self) -> list[str]:
        return [spec[0] for spec in self.specs]

    def has_screen(self, name: str) -> bool:
        return name in self.screen_names

    # -- time --------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._clock()

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        """Tests move time by hand (lockout); the desks read it through the holder."""
        self._clock = clock
        self._holder.clock = clock

    def signed_in_now(self) -> bool:
        return self.session is not None and not self.session.expired(self.now())

    # -- running work off the GUI thread -------------------------------------------------------
    def run_staff(
        self, fn: Callable[[Any], T], on_done: OnDone | None, on_error: OnError | None = None
    ) -> None:
        """`fn(staff_desk)` on the db worker (a PIN check is Argon2id, slow by design)."""
        holder = self._holder
        self.ctx.tasks.run_db(lambda store: fn(holder.staff(store)), on_done, on_error)

    def run(
        self, fn: Callable[[Any], T], on_done: OnDone | None, on_error: OnError | None = None
    ) -> None:
        """`fn(clerk_desk)` on the db worker; the result (or error) comes back on the GUI
        thread. An ended session (idle, account turned off) ends the staff side instead."""
        from kiosk.staff import SessionExpired

        if not self.signed_in_now():
            self._ended_by_core(SessionExpired("no staff session", minutes=3))
            return
        self.touch()
        holder = self._holder

        def job(_store: Any) -> T:
            desk = holder.clerk
            if desk is None:
                raise SessionExpired("no clerk desk", minutes=3)
            return fn(desk)

        def failed(exc: BaseException) -> None:
            if self._session_over(exc):
                self._ended_by_core(exc)
            elif on_error is not None:
                on_error(exc)
            else:
                log.error("clerk desk call failed", exc_info=exc)

        self.ctx.tasks.run_db(job, on_done, failed)

    # Other names for `run`, so every screen finds it whatever it was told to call.
    call = run
    run_desk = run

    @staticmethod
    def _session_over(exc: BaseException) -> bool:
        from kiosk.staff import AccountDisabled, SessionExpired

        return isinstance(exc, SessionExpired | AccountDisabled)

    def _ended_by_core(self, exc: BaseException) -> None:
        """The core says the session is over: the welcome returns; the sign-in screen says
        why the next time it shows (`take_notice`), never the citizen's screens."""
        self.notice = getattr(exc, "message_key", None) or "staff.session_expired"
        self.end_session("idle")

    def take_notice(self) -> str | None:
        notice, self.notice = self.notice, None
        return notice

    # -- signing in ----------------------------------------------------------------------------
    def begin(self, session: Any, on_error: OnError | None = None) -> None:
        """A PIN was right: open the clerk desk on the db worker, then the queue."""
        self.session = session
        holder, catalog = self._holder, self.ctx.catalog

        def opened(desk: Any) -> None:
            if self.session is not session:  # ended meanwhile
                return
            self.desk = desk
            self.signed_in.emit(session)
            self.go(HOME)

        self.ctx.tasks.run_db(
            lambda store: holder.open_clerk(store, catalog, session), opened, on_error
        )
        self.run_staff(
            lambda desk: {m.id: m.name for m in desk.members(include_disabled=True)},
            self._on_names,
            lambda exc: log.warning("staff names not read: %s", exc),
        )

    def _on_names(self, names: dict[str, Any]) -> None:
        if self.session is not None:
            self.staff_names = names

    def end_session(self, reason: str = "idle") -> None:
        """Sign out (audited), wipe every staff screen, and show the citizen welcome."""
        session, self.session, self.desk = self.session, None, None
        self.staff_names = {}
        holder = self._holder
        if session is not None:
            session.end()
            why = reason if reason in ("user", "idle", "assisted") else "idle"
            self.ctx.tasks.run_db(
                lambda store: holder.sign_out(store, session, why),
                None,
                lambda exc: log.error("staff sign-out not recorded: %s", exc),
            )
        for screen in self._nav.screens_of(self):
            screen.reset()
        # The welcome first, then Khmer: the language switch retranslates the screen showing,
        # and a staff screen just wiped must not be filled again (nor read the ended session).
        self._nav.go(self._nav.home)
        self._nav.set_locale("km")
        self.session_ended.emit(reason)

    def sign_out(self) -> None:
        self.end_session("user")

    def ask_pin_again(self) -> None:
        """An assisted application finished: the citizen had the screen, and the clerk may
        have left the desk. The staff session ends (audited "assisted") and that clerk's PIN
        pad shows over the welcome: their PIN opens the queue again (other citizens' data);
        left untouched, the staff idle rule brings the welcome back."""
        session = self.session
        if session is None:
            return
        staff_id = session.staff_id
        self.end_session("assisted")

        def show(member: Any) -> None:
            if self.session is None and self._nav.current == self._nav.home:  # nobody began
                self.go("staff_pin", member=member, notice="clerk.ui.pin.assisted_done")

        self.run_staff(
            lambda desk: desk.member(staff_id),
            show,
            lambda exc: log.warning("assisting clerk not found: %s", type(exc).__name__),
        )

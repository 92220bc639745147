"""The technician's journey: first-run setup's screens in order, and their operations.

Setup runs while the kiosk is not configured (`kiosk.setup.is_configured`: no config.json,
or a setup begun and not finished); the screens fill one `SetupDraft` and nothing is saved
before the summary's "ready", except enrolment (the server decides it) and the first
supervisor (audited in the store). The technician screen reopens
the same step screens later (`mode == "technician"`): "Continue" then saves at once and
returns to it. Network and store work goes through the task helper, never the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal

from kiosk.setup import STEPS, SetupDraft, SetupError, Ticket
from ui.navigator import Journey, ScreenSpec

if TYPE_CHECKING:
    from ui.navigator import StackNavigator
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
OnError = Callable[[BaseException], None]

FIRST = "setup_language"
TECHNICIAN = "setup_technician"
_MODULES = {
    "language": "LanguageStep",
    "connection": "ConnectionStep",
    "commune": "CommuneStep",
    "camera": "CameraStep",
    "printer": "PrinterStep",
    "scanner": "ScannerStep",
    "supervisor": "SupervisorStep",
    "summary": "SummaryStep",
}
# The first step is built by `start()` (before the first paint, without OpenCV); the rest
# after it, in slices, like the citizen's screens.
SCREENS: tuple[ScreenSpec, ...] = (
    *((f"setup_{step}", f"ui.setup.{step}", _MODULES[step]) for step in STEPS[1:]),
    (TECHNICIAN, "ui.setup.technician", "TechnicianScreen"),
    ("setup_updates", "ui.setup.updates", "UpdatesScreen"),  # from the technician screen
)
# Steps the technician screen can reopen (language and supervisor belong to others later).
EDITABLE = ("connection", "commune", "camera", "printer", "scanner")


class SetupNav(Journey, Protocol):
    """What a setup screen may ask."""

    draft: SetupDraft
    mode: str

    def position(self, step: str) -> tuple[int, int]: ...

    def advance(self, step: str) -> None: ...

    def back(self, step: str) -> None: ...

    def enrol(self, ticket: Ticket, on_done: Callable[[Any], None], on_error: OnError) -> None: ...

    def finish(self, on_error: OnError) -> None: ...

    def go_offline(self) -> None: ...

    def now(self) -> datetime: ...


class SetupJourney(QObject):
    """First-run setup and the technician screen (implements `SetupNav`)."""

    finished = Signal(object)  # the saved kiosk.config.Config
    enrolled = Signal(object)  # the sync Identity, after a successful enrolment
    kept_on_idle = Signal()  # idle expired during first-run setup: nothing was wiped

    def __init__(
        self, ctx: AppContext, nav: StackNavigator, parent: QObject | None = None, **env: Any
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._nav = nav
        data_dir = env.pop("data_dir")
        self.draft = SetupDraft.start(data_dir, **env)
        self.mode = "setup"
        self.session: Any = None  # the technician's StaffSession on the technician screen
        self._desk: Any = None  # kiosk.staff.StaffDesk, made on the db worker
        nav.register(self, SCREENS)

    # -- Navigator (passed on) ---------------------------------------------------------------
    @property
    def current(self) -> str:
        return self._nav.current

    def go(self, name: str, **kw: Any) -> None:
        self._nav.go(name, **kw)

    def set_locale(self, locale: str) -> None:
        self.draft.locale = locale
        self._nav.set_locale(locale)

    def end_session(self) -> None:
        """Idle: first-run setup keeps what was chosen (a technician may be reading the
        manual); a technician's signed-in session ends and the home screen returns."""
        if self.mode == "technician":
            self.sign_out()
        else:
            self.kept_on_idle.emit()

    # -- steps -------------------------------------------------------------------------------
    def start(self) -> None:
        from kiosk.setup import mark_pending

        self.mode = "setup"
        data_dir = self.draft.data_dir
        self.ctx.tasks.run_io(
            lambda: mark_pending(data_dir), None, lambda e: log.error("setup marker: %s", e)
        )
        if FIRST not in self._nav.screens:
            from ui.setup.language import LanguageStep

            self._nav.add(self, LanguageStep(self.ctx, self), FIRST)
        self.go(FIRST)

    def position(self, step: str) -> tuple[int, int]:
        return STEPS.index(step) + 1, len(STEPS)

    def advance(self, step: str) -> None:
        self.draft.done.add(step)
        if self.mode == "technician":
            self._save_now()
            return
        index = STEPS.index(step)
        self.go(f"setup_{STEPS[min(index + 1, len(STEPS) - 1)]}")

    def back(self, step: str) -> None:
        if self.mode == "technician":
            self.go(TECHNICIAN)
            return
        index = STEPS.index(step)
        self.go(f"setup_{STEPS[max(index - 1, 0)]}")

    # -- operations --------------------------------------------------------------------------
    def enrol(self, ticket: Ticket, on_done: Callable[[Any], None], on_error: OnError) -> None:
        """Enrol with the server (io pool), then learn its clock and fetch the roster (db
        worker: the store applies the feed). `on_done(identity)`; the draft is updated."""
        data_dir = self.draft.data_dir

        def enrol_job() -> tuple[Any, float | None]:
            from sync.client.enrol import api_for, enrol

            ca_file = None
            if ticket.ca_sha256 and ticket.server_url.startswith("https://"):
                from kiosk.setup.tls import fetch_pinned_ca

                ca_file = str(fetch_pinned_ca(ticket.server_url, ticket.ca_sha256, data_dir))
            identity = enrol(data_dir, ticket.server_url, ticket.code, ca_file=ca_file)
            api = api_for(data_dir)
            offset = api.clock_offset.total_seconds() if api.ping(learn_clock=True) else None
            return identity, offset

        def enrolled(result: tuple[Any, float | None]) -> None:
            identity, offset = result
            d = self.draft
            d.ticket, d.connection = ticket, "enrolled"
            d.enrolled_commune, d.kiosk_number = identity.commune_code, identity.kiosk_number
            d.clock_offset_s = offset
            d.commune_code = identity.commune_code

            def roster_failed(exc: BaseException) -> None:
                log.warning("roster not fetched: %s", exc)
                on_done(identity)

            self.ctx.tasks.run_db(
                lambda store: self._pull_roster(store, identity.commune_code),
                lambda _n: on_done(identity),
                roster_failed,
            )
            self.enrolled.emit(identity)

        self.ctx.tasks.run_io(enrol_job, enrolled, on_error)

    def _pull_roster(self, store: Any, commune: str) -> int:
        """The first feed pull (roster, catalog), as the enrolled commune's store."""
        from sync.client.enrol import api_for
        from sync.client.pull import pull_changes

        store.commune_code = commune
        return pull_changes(store, api_for(self.draft.data_dir), data_dir=self.draft.data_dir)

    def go_offline(self) -> None:
        self.draft.connection = "offline"

    def finish(self, on_error: OnError) -> None:
        """Save the config (db worker, after the supervisor's job) and hand over: the kiosk
        then shows the citizen's home screen."""
        if self.draft.supervisor_id is None:
            on_error(SetupError("No supervisor yet.", message_key="setup.summary.no_supervisor"))
            return
        config = self.draft.config_of()
        self.ctx.tasks.run_db(
            lambda store: _save(store, config), lambda _r: self.finished.emit(config), on_error
        )

    def _save_now(self) -> None:
        """Technician mode: what a reopened step changed is saved at once."""
        config = self.draft.config_of()

        def saved(_r: object) -> None:
            self.finished.emit(config)
            self.go(TECHNICIAN)

        self.ctx.tasks.run_db(
            lambda store: _save(store, config),
            saved,
            lambda exc: log.error("settings not saved: %s", exc),
        )

    def open_technician(self, session: Any) -> None:
        """The technician screen for a technician signed in at the staff sign-in (ui/clerk;
        `ui.setup.hookup.route_technician` hands the session over)."""
        self.session = session
        self.mode = "technician"
        self.go(TECHNICIAN)

    def desk(self, store: Any) -> Any:
        """A StaffDesk for the technician's sign-out (db worker only)."""
        if self._desk is None:
            from kiosk.staff import StaffDesk

            self._desk = StaffDesk(store)
        return self._desk

    def sign_out(self) -> None:
        session, self.session = self.session, None
        self.mode = "setup"
        if session is not None:
            self.ctx.tasks.run_db(lambda store: self.desk(store).sign_out(session))
        self._nav.go(self._nav.home)

    def now(self) -> datetime:
        return datetime.now(UTC)


def _save(store: Any, config: Any) -> None:
    """Write config.json (atomic) and point the open store at the chosen commune."""
    from kiosk.config import save_config
    from kiosk.setup import clear_pending

    save_config(config)
    clear_pending(config.data_dir)
    store.commune_code = config.commune_code
    store.audit.append("technician", "setup.saved", "config", {"commune": config.commune_code})

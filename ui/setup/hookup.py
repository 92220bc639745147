"""How the kiosk shows setup: instead of the citizen's welcome screen while unconfigured, and
what changes once setup is saved (config, camera, printer, commune name, sync worker).

Kept apart from ui/app.py so the bootstrap only calls `show_first_screen(kiosk)`; the setup
journey (and its ten screens) is made only when needed, so a configured kiosk starts as before.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def wants_setup(opts: Any) -> bool:
    """Setup shows when asked (`opts.setup`), or when the kiosk runs from its config
    (`sala kiosk`) on a data dir that has none yet. `sala kiosk --demo` (a throw-away data
    dir) and test kiosks built without a config never see it."""
    explicit = getattr(opts, "setup", None)
    if explicit is not None:
        return bool(explicit)
    config = getattr(opts, "config", None)
    if config is None or Path(config.data_dir) != Path(opts.data_dir):
        return False
    from kiosk.config import is_configured  # not kiosk.setup: the setup screens' core (~5 ms)

    return not is_configured(Path(opts.data_dir))


def journey(kiosk: Any) -> Any:
    """The kiosk's setup journey, made on first use."""
    found = getattr(kiosk, "setup", None)
    if found is None:
        from ui.setup.journey import SetupJourney

        opts = kiosk.opts
        found = SetupJourney(
            kiosk.ctx,
            kiosk.nav,
            parent=kiosk,
            data_dir=Path(opts.data_dir),
            camera=opts.camera,
            printer=opts.printer if opts.printer != "none" else None,
        )
        found.finished.connect(lambda config: apply_config(kiosk, config))
        found.kept_on_idle.connect(lambda: keep_setting_up(kiosk))
        kiosk.setup = found
    return found


def show_first_screen(kiosk: Any, home: str) -> None:
    """Setup's first step when the kiosk is unconfigured, else the citizen's home screen.
    Also routes technicians signing in at the staff sign-in to the technician screen."""
    kiosk.setup = None
    kiosk.nav.screen_changed.connect(lambda _name: route_technician(kiosk))
    if wants_setup(kiosk.opts):
        journey(kiosk).start()
    else:
        kiosk.nav.go(home)


def keep_setting_up(kiosk: Any) -> None:
    """Idle expired during first-run setup: there is no citizen's data to wipe, so the prompt
    goes and the idle clock starts again; what the technician chose stays."""
    policy = getattr(kiosk, "policy", None)
    if policy is None:
        return
    if policy.prompt is not None:
        policy.prompt.hide()
    if policy.idle is not None:
        policy.idle.arm()


def apply_config(kiosk: Any, config: Any) -> None:
    """Setup (or the technician screen) saved `config`: use it now, without a restart."""
    from ui.app import make_printer

    ctx, opts = kiosk.ctx, kiosk.opts
    first_run = kiosk.setup is not None and kiosk.setup.mode == "setup"
    ctx.config = opts.config = config
    ctx.camera = opts.camera = config.camera
    opts.commune_code, opts.server_url = config.commune_code, config.server_url
    ctx.printer = make_printer(config.printer, lambda: kiosk._commune_name)
    if ctx.gazetteer is not None:  # the commune's name on the welcome screen and top bar
        place = kiosk.citizen.set_gazetteer(ctx.gazetteer)
        kiosk._commune_name = place.name if place is not None else None
        kiosk.window.set_place(kiosk._commune_name)
    if config.server_url and getattr(kiosk, "sync_worker", None) is None:
        kiosk.tasks.run_io(
            lambda: kiosk._start_sync_worker(Path(opts.data_dir)),
            kiosk._on_sync_worker,
            lambda exc: log.warning("sync not started: %s", exc),
        )
    if first_run:
        kiosk.nav.go(kiosk.nav.home)


def route_technician(kiosk: Any) -> None:
    """A technician who signed in at the clerk station's sign-in (ui/clerk, made lazily) is
    taken to the technician screen as soon as the clerk side shows a screen: the clerk side
    forgets the session (a citizen tapping "Staff" later must sign in again) and the setup
    journey holds it, with its idle end and sign-out."""
    clerk: Any = getattr(kiosk, "clerk", None)
    session = getattr(clerk, "session", None)
    if session is None or str(getattr(session, "role", "")) != "technician":
        return

    def handover() -> None:
        if clerk.session is not session:  # ended meanwhile
            return
        clerk.session = clerk.desk = None
        journey(kiosk).open_technician(session)

    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, handover)  # not inside the clerk journey's own `go`

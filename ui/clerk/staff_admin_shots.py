"""The supervisor's staff screen in `sala screenshots` (file names contain "clerk"), run from
`ui.clerk.screenshots.scenes` after the sign-in and queue scenes, on its demo roster.

A clerk added on this kiosk (once per kiosk, through the core) stands for the local accounts;
its PIN is reset for the code scene, so the demo clerk the action scenes sign in with keeps
its PIN. Then the staff photo: the camera panel on the demo camera, the portrait to check, the
list and the sign-in cards with the demo clerk's photo (the others keep their initials); the
photo is removed again at the end, so both languages start from the same kiosk. Signs out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

LOCAL_NAME = {"km": "ចាន់ ដារា", "en": "CHAN DARA"}


def scenes(kiosk: Any, locale: str) -> Iterator[str]:
    from ui.clerk.actions.screenshots import _db, _journey, _staff
    from ui.clerk.screenshots import DEMO_PINS, DEMO_SUPERVISOR
    from ui.screenshots import settle, wait_for

    clerk = _journey(kiosk)
    clerk.end_session("user")
    session = _staff(kiosk, lambda sd: sd.sign_in(DEMO_SUPERVISOR, DEMO_PINS[DEMO_SUPERVISOR]))
    local = _db(kiosk, lambda store: _local_clerk(store, session), "the local clerk")
    clerk.begin(session)
    wait_for(lambda: clerk.current == "clerk_home", what="the supervisor's queue")
    clerk.set_locale(locale)
    home = kiosk.nav.screens["clerk_home"]
    wait_for(lambda: bool(home.cards), what="the queue")
    settle(kiosk)
    yield "clerk_09_home_supervisor"
    clerk.go("clerk_staff")
    page = kiosk.nav.screens["clerk_staff"]
    wait_for(lambda: bool(page.rows) and not page._busy, what="the staff list")
    settle(kiosk)
    yield "clerk_10_staff_list"
    page._on_add()
    page.name_km.setText(LOCAL_NAME["km"])
    page.name_en.setText("SOK")
    kiosk.window.activateWindow()
    page.name_en.setFocus()
    settle(kiosk)
    yield "clerk_11_staff_add"
    page.name_km.clear()
    page._on_save()
    wait_for(lambda: not page._busy and page.add_error.isVisible(), what="the refused name")
    settle(kiosk)
    yield "clerk_12_staff_add_error"
    page._show_list()
    settle(kiosk)
    page._on_row("reset", next(m for m in page.members if m.id == local))
    wait_for(lambda: page.mode == "code" and not page._busy, what="the new code")
    settle(kiosk)
    yield "clerk_13_staff_code"
    page._show_list()
    wait_for(lambda: bool(page.rows) and not page._busy, what="the staff list")
    page._on_row("disable", next(m for m in page.members if m.id == local))
    settle(kiosk)
    yield "clerk_14_staff_confirm"
    page._show_list()
    yield from _photo_scenes(kiosk, page, locale)


def _photo_scenes(kiosk: Any, page: Any, locale: str) -> Iterator[str]:
    from ui.clerk.actions.screenshots import _journey
    from ui.clerk.screenshots import DEMO_CLERK
    from ui.screenshots import settle, wait_for

    clerk = _journey(kiosk)
    wait_for(lambda: bool(page.rows) and not page._busy, what="the staff list")
    page._on_row("photo", next(m for m in page.members if m.id == DEMO_CLERK))
    panel = page.photo_panel
    wait_for(lambda: panel.shutter.isEnabled(), what="the demo camera")
    wait_for(lambda: bool(getattr(panel.latest.analysis, "ok", False)), what="a good frame")
    settle(kiosk)
    yield "clerk_15_staff_photo_camera"
    panel._on_shutter()
    wait_for(lambda: panel.pages.currentIndex() == 1 or panel.error.isVisible(), what="portrait")
    settle(kiosk)
    yield "clerk_16_staff_photo_check"
    panel._on_save()
    wait_for(lambda: page.mode == "list" and DEMO_CLERK in page.photos, what="the saved photo")
    settle(kiosk)
    yield "clerk_17_staff_list_photo"
    clerk.end_session("user")  # the welcome, in Khmer: then the sign-in in `locale`
    clerk.set_locale(locale)
    clerk.go("staff_signin")
    signin = kiosk.nav.screens["staff_signin"]
    wait_for(lambda: DEMO_CLERK in signin.photos and bool(signin.cards), what="the cards")
    settle(kiosk)
    yield "clerk_18_signin_photos"
    clerk.end_session("user")
    settle(kiosk)
    from ui.clerk.actions.screenshots import _db

    _db(kiosk, _forget_photos, "the demo photo removed")


def _forget_photos(store: Any) -> None:
    """On the db worker: the demo photo goes, through the core, as a supervisor would."""
    from kiosk.staff import StaffDesk, StaffSession
    from ui.clerk.screenshots import DEMO_PINS, DEMO_SUPERVISOR

    desk = StaffDesk(store)
    session = desk.sign_in(DEMO_SUPERVISOR, DEMO_PINS[DEMO_SUPERVISOR])
    assert isinstance(session, StaffSession)  # the demo supervisor has a PIN
    for staff_id in list(store.get_setting("staff.photos", {}) or {}):
        desk.remove_photo(session, staff_id)
    desk.sign_out(session)


def _local_clerk(store: Any, session: Any) -> str:
    """On the db worker: the id of a clerk added on this kiosk (added once, by the core)."""
    from kiosk.staff import StaffDesk
    from kiosk.text import Text

    for row in store.staff_rows():
        if row.origin == "local":
            return str(row.id)
    member, _code = StaffDesk(store).add_local_clerk(session, Text(**LOCAL_NAME))
    return str(member.id)

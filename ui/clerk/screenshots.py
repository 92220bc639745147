"""The clerk station's scenes for `sala screenshots` (file names contain "clerk").

Run after the citizen's scenes on the same throw-away kiosk: a demo roster (a supervisor and
a clerk, PINs below) arrives as the change feed would bring it, two more applications are
submitted, then the sign-in, PIN pad (and a wrong PIN), queue home, a search, one
application and its full-window photo are visited. Signs out at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

DEMO_SUPERVISOR = "0190f0c2-0000-7000-8000-00000000c001"
DEMO_CLERK = "0190f0c2-0000-7000-8000-00000000c002"
DEMO_PINS = {DEMO_SUPERVISOR: "482913", DEMO_CLERK: "275046"}
DEMO_NAMES = {
    DEMO_SUPERVISOR: {"km": "ស្រី មាលា", "en": "SREY MEALEA"},
    DEMO_CLERK: {"km": "សុខ វិចិត្រ", "en": "SOK VICHET"},
}


def demo_roster(commune_code: str) -> list[dict[str, Any]]:
    """`staff` feed entries (sync/PROTOCOL.md) for a supervisor and a clerk with PINs."""
    from kiosk.staff import make_verifier

    return [
        {
            "kind": "staff",
            "seq": i,
            "commune_code": commune_code,
            "staff": {
                "id": staff_id,
                "name": DEMO_NAMES[staff_id],
                "role": "supervisor" if staff_id == DEMO_SUPERVISOR else "clerk",
                "status": "active",
                "pin_verifier": make_verifier(DEMO_PINS[staff_id]),
                "first_code_verifier": None,
                "unlock_verifier": None,
                "version": 1,
            },
        }
        for i, staff_id in enumerate((DEMO_SUPERVISOR, DEMO_CLERK), start=1)
    ]


def scenes(kiosk: Any, locale: str) -> Iterator[str]:
    """Visit every UI-A staff screen in `locale`; yields a name at each."""
    from ui.screenshots import settle, wait_for

    wait_for(lambda: kiosk.clerk_ready, what="the clerk station")
    clerk = kiosk.clerk_journey()
    kiosk.nav.build_rest()
    code = kiosk.ctx.config.commune_code
    box: dict[str, Any] = {}
    kiosk.tasks.run_db(
        lambda store: _prepare(store, kiosk.ctx, code),
        lambda r: box.setdefault("ok", r),
        lambda e: box.setdefault("error", e),
    )
    wait_for(lambda: bool(box), what="the demo roster")
    if "error" in box:
        raise box["error"]
    clerk.end_session("user")
    clerk.set_locale(locale)
    clerk.go("staff_signin")
    signin = kiosk.nav.screens["staff_signin"]
    wait_for(lambda: bool(signin.cards), what="the staff cards")
    settle(kiosk)
    yield "clerk_01_signin"
    member = next(c.member for c in signin.cards if c.member.id == DEMO_CLERK)
    clerk.go("staff_pin", member=member)
    pin = kiosk.nav.screens["staff_pin"]
    pin.pad.type_digits("111222")
    pin._on_submit()
    wait_for(lambda: not pin._busy and pin.error.isVisible(), what="the wrong PIN")
    pin.pad.type_digits("275")
    settle(kiosk)
    yield "clerk_02_pin_wrong"
    pin.pad.clear()
    pin.pad.type_digits(DEMO_PINS[DEMO_CLERK])
    pin._on_submit()
    home = kiosk.nav.screens["clerk_home"]
    wait_for(lambda: clerk.current == "clerk_home" and bool(home.cards), what="the queue")
    settle(kiosk)
    yield "clerk_03_home"
    home._on_chip("today")
    wait_for(lambda: home.queue_name == "today" and bool(home.cards), what="today's list")
    settle(kiosk)
    yield "clerk_04_home_today"
    home.search_box.setText("SOK")
    home._on_search()
    wait_for(lambda: home.searching == "SOK", what="the search")
    settle(kiosk)
    yield "clerk_05_search"
    reg_id = home.rows[0].reg_id if home.rows else None
    home._on_clear_search()
    settle(kiosk)
    if reg_id is not None:
        clerk.go("clerk_application", reg_id=reg_id)
        app = kiosk.nav.screens["clerk_application"]
        wait_for(lambda: app.view is not None, what="the application")
        wait_for(
            lambda: all(t.image is not None or t.text() for t in app.thumb_widgets),
            what="the pictures",
        )
        settle(kiosk)
        yield "clerk_06_application"
        app.scroll_area.verticalScrollBar().setValue(app.scroll_area.verticalScrollBar().maximum())
        settle(kiosk)
        yield "clerk_07_application_end"
        if app.thumb_widgets and app.thumb_widgets[0].image is not None:
            app._on_thumb(app.thumb_widgets[0])
            settle(kiosk)
            yield "clerk_08_photo_full"
            assert app.viewer is not None
            app.viewer.close_viewer()
    clerk.end_session("user")
    settle(kiosk)
    from ui.clerk.staff_admin_shots import scenes as staff_scenes  # the supervisor's staff screen

    yield from staff_scenes(kiosk, locale)


def _prepare(store: Any, ctx: Any, commune_code: str) -> bool:
    """On the db worker: the demo roster once, and two more applications to list."""
    if store.staff_row(DEMO_CLERK) is not None:
        return False
    store.apply_changes(demo_roster(commune_code), "clerk-shots")
    from kiosk import forms
    from kiosk.model import Attachment
    from ui.screenshots import SERVICE, sample_answers

    service = ctx.catalog.services[SERVICE]
    for km, en in (("ចាន់ ដារា", "CHAN DARA"), ("សុខ ស្រីពៅ", "SOK SREYPOV")):
        answers = sample_answers(service, ctx.gazetteer, commune_code)
        answers.update(name_km=km, name_latin=en)
        draft = store.create_draft(service.id, service.version, "km")
        atts = []
        for f in forms.visible_fields(service, answers):
            if str(f.type) in ("photo", "document"):
                kind = "photo" if str(f.type) == "photo" else "document"
                ref = store.add_media(_jpeg_bytes(), "image/jpeg")
                atts.append(Attachment(f.id, kind, ref, 0))  # type: ignore[arg-type]
        store.submit(
            draft.id,
            answers,
            atts,
            fee_khr=service.fee_khr,
            processing_days=service.processing_days,
            service=service,
        )
    return True


def _jpeg_bytes() -> bytes:
    from ui.screenshots import _jpeg

    return _jpeg("#556677")

"""The clerk action screens' scenes for `sala screenshots` (file names contain "clerk").

Run after the sign-in scenes (`ui.clerk.screenshots`, whose demo roster it signs in with) on
the same throw-away kiosk: three more applications are put in the states the actions need
(held for originals, needs papers with an officer's note, ready for pick-up), then each
action screen is shown, some with the refusal a clerk would see. Signs out at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

READY_SERVICE = "business_registration"  # originals "none": can be sent and collected
HELD_SERVICE = "national_id_card"  # originals "before_upload": waits for the check


def scenes(kiosk: Any, locale: str) -> Iterator[str]:
    from ui.clerk.screenshots import DEMO_CLERK, DEMO_PINS, DEMO_SUPERVISOR
    from ui.screenshots import settle, wait_for

    clerk, ctx = _journey(kiosk), kiosk.ctx
    ids = _db(kiosk, lambda store: _prepare(store, ctx), "the applications")
    clerk.end_session("user")
    session = _staff(kiosk, lambda sd: sd.sign_in(DEMO_CLERK, DEMO_PINS[DEMO_CLERK]))
    clerk.begin(session)
    wait_for(lambda: clerk.current == "clerk_home", what="the clerk's queue")
    clerk.set_locale(locale)

    def show(name: str, **kw: Any) -> Any:
        clerk.go(name, **kw)
        page = kiosk.nav.screens[name]
        if "reg_id" in kw:
            wait_for(lambda: page.view is not None, what=name)
        settle(kiosk)
        return page

    page = show("clerk_originals", reg_id=ids["held"])
    rows = list(page.rows.values())
    if rows:
        rows[0].set_choice(True)
        rows[0].number.setText("012345678")
        rows[0].date.setText("07-03-2019")
    page._on_primary()  # the other papers are not marked yet: the clerk is told
    settle(kiosk)
    yield "clerk_act_01_originals"

    page = show("clerk_correct", reg_id=ids["held"])
    if "name_latin" in page.choices:
        page.choose("name_latin")
        page.edit.setText("SOK 5REYPOV")
        page._on_primary()
    settle(kiosk)
    yield "clerk_act_02_correct_error"

    page = show("clerk_supplement", reg_id=ids["needs_papers"])
    if page.fields:
        page.choose(next(iter(page.fields)))
    settle(kiosk)
    yield "clerk_act_03_supplement"
    page.show_source("usb")
    wait_for(lambda: page.picker is not None and bool(page.picker.status.text()), what="usb")
    settle(kiosk)
    yield "clerk_act_04_supplement_usb"
    page.reset()

    page = show("clerk_override", reg_id=ids["held"])
    wait_for(lambda: not page.photo.pixmap().isNull(), what="the photo")
    next(iter(page.reasons.values())).setChecked(True)
    settle(kiosk)
    yield "clerk_act_05_override"

    page = show("clerk_handover", reg_id=ids["ready"])
    page.number.setText(page.view.app_number)
    page._check_number()
    page.responsible.setChecked(True)
    settle(kiosk)
    yield "clerk_act_06_handover"

    page = show("clerk_fee", reg_id=ids["ready"])
    for key in "40000":
        page.keypad.press(key)
    page.book.setText("A-0042")
    page._on_primary()  # not the catalog's fee: refused
    settle(kiosk)
    yield "clerk_act_07_fee_refused"

    page = show("clerk_end_of_day")
    wait_for(lambda: page.summary is not None and bool(page.supervisors), what="the summary")
    page.supervisors[DEMO_SUPERVISOR].setChecked(True)
    page.pin.type_digits("4829")
    settle(kiosk)
    yield "clerk_act_08_end_of_day"

    show("clerk_assisted")
    yield "clerk_act_09_assisted"
    clerk.end_session("user")
    settle(kiosk)


def _journey(kiosk: Any) -> Any:
    """The clerk station's journey (made on first use where the kiosk makes it lazily)."""
    make = getattr(kiosk, "clerk_journey", None)
    return make() if callable(make) else kiosk.clerk


def _db(kiosk: Any, fn: Any, what: str) -> Any:
    from ui.screenshots import wait_for

    box: dict[str, Any] = {}
    kiosk.tasks.run_db(fn, lambda r: box.setdefault("r", r), lambda e: box.setdefault("e", e))
    wait_for(lambda: bool(box), what=what)
    if "e" in box:
        raise box["e"]
    return box["r"]


def _staff(kiosk: Any, fn: Any) -> Any:
    from ui.screenshots import wait_for

    box: dict[str, Any] = {}
    _journey(kiosk).run_staff(
        fn, lambda r: box.setdefault("r", r), lambda e: box.setdefault("e", e)
    )
    wait_for(lambda: bool(box), what="the demo clerk's sign-in")
    if "e" in box:
        raise box["e"]
    return box["r"]


def _prepare(store: Any, ctx: Any) -> dict[str, str]:
    """On the db worker, once per kiosk: applications in the states the actions need."""
    done = store.get_setting("screenshots.clerk_actions")
    if done:
        return dict(done)
    ids = {
        "held": _submit(store, ctx, HELD_SERVICE, "ចាន់ សុភា", "CHAN SOPHEA"),
        "needs_papers": _submit(store, ctx, READY_SERVICE, "ហេង វណ្ណា", "HENG VANNA"),
        "ready": _submit(store, ctx, READY_SERVICE, "សុខ ដារា", "SOK DARA"),
    }
    changes = []
    for n, (key, status, note) in enumerate(
        (
            ("needs_papers", "needs_papers", "Bring the premises paper / សូមយកឯកសារទីតាំងមក"),
            ("ready", "ready_for_pickup", None),
        ),
        start=1,
    ):
        store.mark_uploading(ids[key])
        store.mark_accepted(ids[key], {"id": ids[key], "status": "received"})
        changes.append(
            {
                "kind": "status",
                "registration_id": ids[key],
                "status": status,
                "note": note,
                "at": "2026-03-01T09:00:00+00:00",
                "seq": 9000 + n,
            }
        )
    store.apply_changes(changes, "9002")
    store.set_setting("screenshots.clerk_actions", ids)
    return ids


def _submit(store: Any, ctx: Any, service_id: str, km: str, en: str) -> str:
    from kiosk import forms
    from kiosk.model import Attachment
    from ui.screenshots import _jpeg, sample_answers

    service = ctx.catalog.services[service_id]
    answers = sample_answers(service, ctx.gazetteer, ctx.config.commune_code)
    answers.update(name_km=km, name_latin=en)
    draft = store.create_draft(service.id, service.version, "km")
    atts = []
    for f in forms.visible_fields(service, answers):
        if str(f.type) in ("photo", "document"):
            kind = "photo" if str(f.type) == "photo" else "document"
            checks = {"sharpness": 41.5, "tilt": 12.0} if kind == "photo" else {}
            ref = store.add_media(_jpeg("#556677" if kind == "photo" else "#8899aa"), "image/jpeg")
            atts.append(Attachment(f.id, kind, ref, 0, checks))  # type: ignore[arg-type]
    receipt = store.submit(
        draft.id,
        answers,
        atts,
        fee_khr=service.fee_khr,
        processing_days=service.processing_days,
        service=service,
    )
    return str(receipt.registration_id)

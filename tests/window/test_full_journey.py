"""A whole application by taps only (issue 11, "every journey in a real window"): the Khmer
ID-card renewal from the attract screen to the application number, every answer typed on the
on-screen keys, places chosen from the lists, photo and papers from the demo camera, then
"Check my application" from the welcome screen with the number just given.

No second taps: each tap is followed by a check that it did what it was for (a new screen, a
focused box, a chosen option, a kept photo) before the next. The whole journey runs at
all three sizes in both languages.
"""

from __future__ import annotations

from typing import Any

from tests.window.finger import wait_for
from tests.window.journeys import (
    SERVICE,
    capture,
    check_status,
    choose,
    choose_place,
    cont,
    field,
    papers_to_confirmation,
    tap_next_key,
    tap_to_focus,
    to_service,
)

KM_NAME = "សុខ ស្រី"  # ស្រ: the subscript from the strip; ី: the vowel strip, no Shift
LATIN_NAME = "SOK SREY"


def _first_half(k: Any, locale: str) -> None:
    """Services → application type → old ID number → both names (Next to the Latin one,
    under the keyboard at 1366×768) → sex → date of birth."""
    to_service(k, locale)
    choose(k, "application_type", "renewal")
    old_id = cont(k, "old_id_number")
    tap_to_focus(k, old_id.edit)
    k.finger.type("012345678")
    name_km = cont(k, "name_km")
    name_latin = field(k, "name_latin")
    tap_to_focus(k, name_km.edit)
    k.finger.type(KM_NAME)
    assert name_km.edit.text() == KM_NAME
    tap_next_key(k, name_latin.edit)
    title = k.page().title
    if title.isVisible() and title.text():
        wait_for(lambda: not _cut(k, title), what="the page title, not cut at the top")
    k.finger.type(LATIN_NAME)
    assert name_latin.edit.text() == LATIN_NAME
    cont(k, "sex")
    choose(k, "sex", "female")
    dob = cont(k, "date_of_birth")
    tap_to_focus(k, dob.boxes["day"])
    k.finger.type("07031990")  # day and month hand on to the next box by themselves
    assert [dob.boxes[p].text() for p in ("day", "month", "year")] == ["07", "03", "1990"]


def _cut(k: Any, widget: Any) -> bool:
    """Partly above the top of its scroll area's view."""
    area = k.page().scroll_area
    top = widget.mapTo(area.viewport(), widget.rect().topLeft()).y()
    return top < 0 < top + widget.height()


def test_id_card_renewal_to_the_application_number_by_taps(running: Any, locale: str) -> None:
    """At every size, in both languages; then "Check my application" from the welcome screen
    finds it."""
    k = running
    _first_half(k, locale)
    cont(k, "place_of_birth")
    born = choose_place(k, "place_of_birth")
    cont(k, "address")
    lives = choose_place(k, "address")
    cont(k, "wants_sms")
    choose(k, "wants_sms", "no")
    cont(k, "face_photo")
    capture(k, "face_photo", 1)
    cont(k, "family_book")
    capture(k, "family_book", 1)
    cont(k, "old_card")
    capture(k, "old_card", 2)  # front and back
    number = papers_to_confirmation(k)
    answers = k.kiosk.ctx.session.answers
    assert answers["name_km"] == KM_NAME
    assert answers["place_of_birth"]["village"] == born
    assert answers["address"]["village"] == lives
    status = check_status(k, number)
    service = k.kiosk.ctx.catalog.services[SERVICE].name.get(status.lang)
    assert service in status.service.text()

"""Before sending (issue 11 S3.14): a paid service shows its fee and where to pay it before
"send", and the citizen agrees once, on this screen, not also in a question of the form."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk import forms
from kiosk.catalog import FieldType, load_bundled_catalog
from kiosk.i18n import format_khr
from kiosk.model import Attachment
from tests.ui.conftest import Journey, jpeg_bytes, valid_answers

pytestmark = pytest.mark.qt


def to_consent(j: Journey, service_id: str, locale: str) -> None:
    """Answers set directly, then the real check-answers screen, up to (not past) consent."""
    service = j.k.ctx.catalog.services[service_id]
    j.start(locale)
    j.citizen.start_service(service)
    s = j.k.ctx.session
    s.answers = valid_answers(service, j.k.ctx.gazetteer, "120101")
    if "name_latin" in s.answers:
        s.answers["name_latin"] = "SOK DARA"  # the passport's pattern: surname, given name
    atts = []
    for f in forms.visible_fields(service, s.answers):
        if f.type in (FieldType.PHOTO, FieldType.DOCUMENT):
            for page in range(max(1, f.min_pages)):
                ref = j.db(lambda store: store.add_media(jpeg_bytes(), "image/jpeg"))
                kind = "photo" if f.type is FieldType.PHOTO else "document"
                atts.append(Attachment(f.id, kind, ref, page))
    s.attachments = atts
    j.nav.go("check_answers")
    assert not j.nav.screens["check_answers"].issues, j.nav.screens["check_answers"].issues
    j.click(j.find(QPushButton, "checkContinue"))
    j.wait_screen("consent")


@pytest.mark.parametrize("locale", ["en", "km"])
def test_the_passport_fee_and_where_to_pay_show_before_sending(
    journey: Journey, locale: str
) -> None:
    j = journey
    to_consent(j, "passport_ordinary", locale)
    assert j.k.ctx.session.receipt is None  # nothing sent yet
    fee = j.find(QLabel, "consentFeeAmount")
    assert fee.isVisible() and format_khr(400_000, locale) in fee.text()
    where = j.find(QLabel, "consentFeeWhere")
    assert where.isVisible()
    if locale == "en":
        assert "commune office" in fee.text() and "not at this kiosk" in where.text()
    else:
        assert "ការិយាល័យ" in fee.text()
    # the fee is what the receipt will say, in the same words
    j.click(j.find(QPushButton, "agreeSubmit"))
    j.wait_screen("confirmation")
    assert j.find(QLabel, "confirmSent").text()
    assert fee.text().replace("\u200b", "") in j.nav.screens["confirmation"].fee.text().replace(
        "\u200b", ""
    )


def test_a_free_service_says_there_is_nothing_to_pay(journey: Journey) -> None:
    j = journey
    to_consent(j, "national_id_card", "en")
    assert j.find(QLabel, "consentFeeAmount").text() == "No fee to pay"
    assert not j.find(QLabel, "consentFeeWhere").isVisible()


def test_consent_is_asked_once_on_the_consent_screen() -> None:
    """The consent screen asks; no bundled service asks again as one of its questions."""
    for service in load_bundled_catalog().services.values():
        assert not [f.id for f in service.fields if f.type is FieldType.CONSENT], service.id


def test_the_consent_screen_asks_for_agreement_and_truth_in_one_tap(journey: Journey) -> None:
    j = journey
    to_consent(j, "residence_certificate", "en")
    assert "true" in j.find(QLabel, "consentTrue").text()
    agree = j.find(QPushButton, "agreeSubmit")
    assert agree.text() == "I agree, send my application"
    j.click(agree)
    j.wait_screen("confirmation")

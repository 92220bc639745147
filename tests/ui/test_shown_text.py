"""What the citizen actually reads: fees, dates and import errors on the real widgets.

Each is written by one owner in `kiosk.i18n` (`format_khr`, `format_datetime`, `error_text`);
these tests render the service card, the service detail, the confirmation, the receipt and
a media field, and check the words on them are that owner's, in Khmer and in English.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from kiosk.catalog import load_bundled_catalog
from kiosk.i18n import format_datetime, format_khr, tr
from kiosk.model import Receipt
from tests.fixtures.capture.qt_helpers import (  # noqa: F401 - tasks_fixture is a fixture
    context,
    tasks_fixture,
)
from ui.widgets.text import tr as tr_ui

pytestmark = pytest.mark.qt

CATALOG = load_bundled_catalog()
PASSPORT = CATALOG.services["passport_ordinary"]  # 400 000 riel: grouping shows
ZWSP = "\u200b"
KHMER = re.compile("[\u1780-\u17ff]")


def plain(text: str) -> str:
    return text.replace(ZWSP, "")


def labels(widget: Any) -> list[str]:
    return [plain(label.text()) for label in widget.findChildren(QLabel)]


def receipt(fee: int) -> Receipt:
    return Receipt(
        registration_id="0190d3a2-0000-7000-8000-000000000001",
        app_number="120101-00042-7",
        verification_code="K7Q2XM",
        service_id=PASSPORT.id,
        form_version=PASSPORT.version,
        commune_code="120101",
        fee_khr=fee,
        submitted_at=datetime(2026, 11, 21, 5, 45, tzinfo=UTC),
        processing_days=PASSPORT.processing_days,
    )


def stub_ctx(locale: str, **kw: Any) -> Any:
    session = SimpleNamespace(locale=locale, receipt=kw.pop("receipt", None))
    return SimpleNamespace(session=session, catalog=CATALOG, printer=None, **kw)


NAV = SimpleNamespace(go=lambda *a, **k: None, end_session=lambda: None)


# -- money and dates ---------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["km", "en"])
def test_service_card_and_detail_show_the_owners_fee(qtbot: Any, locale: str) -> None:
    from ui.screens.service_detail import ServiceDetailScreen
    from ui.screens.services import ServiceCard

    amount = format_khr(PASSPORT.fee_khr, locale)
    assert amount == {"km": "៤០០.០០០ រៀល", "en": "400,000 riel"}[locale]
    line = plain(tr_ui("ui.services.fee", locale, fee=amount))

    card = ServiceCard(PASSPORT, locale, lambda key, **kw: tr_ui(key, locale, **kw))
    qtbot.addWidget(card)
    assert line in labels(card)

    detail = ServiceDetailScreen(stub_ctx(locale), NAV)
    qtbot.addWidget(detail)
    detail.enter(service_id=PASSPORT.id)
    assert plain(detail.fee.text()) == line
    assert amount in plain(detail.fee.text())


@pytest.mark.parametrize("locale", ["km", "en"])
def test_confirmation_shows_the_owners_fee(qtbot: Any, locale: str) -> None:
    from ui.screens.confirmation import ConfirmationScreen
    from ui.tasks import TaskManager

    tasks = TaskManager()  # the QR is encoded on its io pool; no store needed here
    screen = ConfirmationScreen(stub_ctx(locale, receipt=receipt(400_000), tasks=tasks), NAV)
    qtbot.addWidget(screen)
    screen.retranslate()
    amount = format_khr(400_000, locale)
    assert plain(screen.fee.text()) == plain(tr_ui("ui.confirm.fee", locale, fee=amount))
    tasks.shutdown()


@pytest.mark.parametrize("locale", ["km", "en"])
def test_receipt_shows_the_owners_fee_and_time_in_both_languages(locale: str) -> None:
    from ui.receipts.content import receipt_blocks, receipt_strings

    rec = receipt(400_000)
    text = [plain(s) for s in receipt_strings(receipt_blocks(rec, PASSPORT, locale, ""))]
    for loc in ("km", "en"):  # the citizen's language first, then the other one
        assert plain(tr("receipt.fee", loc, amount=format_khr(400_000, loc))) in text
        when = format_datetime(rec.submitted_at, loc)
        assert plain(tr("receipt.submitted", loc, when=when)) in text
    assert "21 November 2026, 12:45" in " ".join(text)  # Phnom Penh time, UTC+7


# -- an import that fails, through the real field widget ---------------------------------

BAD = b"hello, this is text pretending to be a photo"


def assert_a_sentence(text: str, locale: str) -> None:
    """Proper words for a person: no Python repr, no i18n key, in the reader's script."""
    assert text and "<bound" not in text and "<" not in text
    assert not re.search(r"\b(capture|store|ui|core)\.[a-z_.]+", text), text
    if locale == "km":
        assert KHMER.search(text), text
    else:
        assert not KHMER.search(text) and text.rstrip().endswith("."), text


@pytest.mark.parametrize("locale", ["km", "en"])
@pytest.mark.parametrize("field_id", ["face_photo", "family_book"])
def test_bad_file_through_the_kiosks_media_field(
    qtbot: Any, tasks: Any, tmp_path: Path, locale: str, field_id: str
) -> None:
    """`make_media_field` as the question screen calls it: the capture widget the citizen
    sees, its own file import, a file that is not a picture."""
    from ui.screens.fields.media import CaptureField, make_media_field

    field = PASSPORT.field(field_id)
    widget = make_media_field(field, context(tasks, locale))
    qtbot.addWidget(widget)
    widget.show()
    assert isinstance(widget, CaptureField)
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(BAD)
    with qtbot.waitSignal(widget.step.failed, timeout=20_000) as sig:
        widget.step.import_path(bad)
    shown = plain(widget.step.status.text())
    assert shown == plain(sig.args[0]) == plain(tr("capture.error.unsupported_file", locale))
    assert_a_sentence(shown, locale)
    widget.step.shutdown()


def test_bad_file_through_the_file_import_stand_in(qtbot: Any, tasks: Any, tmp_path: Path) -> None:
    """The stand-in used on a kiosk without the capture widgets: the error is the capture
    error's sentence in the citizen's language, and follows a language switch."""
    from ui.screens.fields.media import FileImportField

    ctx = context(tasks, "km")
    widget = FileImportField(PASSPORT.field("family_book"), ctx)
    qtbot.addWidget(widget)
    widget.show()
    widget.retranslate()
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(BAD)
    widget.import_path(bad)
    qtbot.waitUntil(lambda: bool(widget.error.text()), timeout=20_000)
    for locale in ("km", "en"):
        ctx.session.locale = locale
        widget.retranslate()
        why = tr("capture.error.unsupported_file", locale)
        shown = plain(widget.error.text())
        assert shown == plain(tr("ui.capture.failed", locale, why=why))
        assert_a_sentence(shown, locale)


def test_a_broken_capture_widget_is_a_bug_not_a_silent_fallback(
    qtbot: Any, tasks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.screens.fields import media

    class Broken:
        def __init__(self, **kw: Any) -> None:
            raise TypeError("unexpected keyword")

    monkeypatch.setattr(media, "capture_widget_class", lambda kind: Broken)
    with pytest.raises(TypeError):
        media.make_media_field(PASSPORT.field("face_photo"), context(tasks, "en"))

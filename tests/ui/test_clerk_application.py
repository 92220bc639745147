"""One application at the counter, on a real store: every answer with its label in the staff
member's language, the photo and pages (full window, zoom on tap), checks, originals,
history, sync state and audit; action buttons only where status and role allow."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from tests.ui.test_clerk_signin_support import Desk, submit_application
from ui.clerk.allowed import allowed_actions

pytestmark = pytest.mark.qt


def _open(kiosk: Any, qtbot: Any, locale: str = "en") -> tuple[Desk, Any, Any]:
    desk = Desk(kiosk, qtbot, manual_clock=False)
    receipt = submit_application(desk, name_km="សុខ ស្រីពៅ", name_latin="SOK SREYPOV")
    desk.sign_in()
    kiosk.nav.set_locale(locale)
    desk.clerk.go("clerk_application", reg_id=receipt.registration_id)
    app = desk.page("clerk_application")
    qtbot.waitUntil(lambda: app.view is not None, timeout=30_000)
    return desk, app, receipt


def _label(app: Any, name: str) -> str:
    """The text of the live label `name` (labels of a previous rendering are deleted)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    label = app.findChild(QLabel, name)
    assert label is not None, name
    return str(label.text())


def _texts(widget: Any) -> str:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # labels added to a shown layout are shown by a queued call
    return "\n".join(lbl.text() for lbl in widget.findChildren(QLabel) if lbl.isVisibleTo(widget))


def test_answers_labels_follow_the_staff_language(kiosk: Any, qtbot: Any) -> None:
    desk, app, receipt = _open(kiosk, qtbot, "en")
    field = kiosk.ctx.catalog.services["national_id_card"].field("name_latin")
    assert _label(app, "appLabel_name_latin") == field.label.en
    assert _label(app, "appAnswer_name_latin") == "SOK SREYPOV"
    assert receipt.app_number in app.heading.text()
    assert "Held until the originals are checked" in app.state.text()
    kiosk.nav.set_locale("km")
    assert _label(app, "appLabel_name_latin") == field.label.km
    assert "រង់ចាំ" in app.state.text()
    texts = _texts(app)
    assert "ប្រវត្តិ" in texts  # status history panel
    # the core audited the viewing; the view's audit lists it in the staff member's words
    actions = desk.db(lambda s: [a.action for a in s.audit.after(0)])
    assert "clerk.viewed" in actions


def test_photo_opens_full_window_and_zooms_on_tap(kiosk: Any, qtbot: Any) -> None:
    desk, app, _receipt = _open(kiosk, qtbot)
    qtbot.waitUntil(
        lambda: bool(app.thumb_widgets) and all(t.image is not None for t in app.thumb_widgets),
        timeout=30_000,
    )
    assert len(app.thumb_widgets) >= 2  # the face photo and at least one page
    desk.tap(app.thumb_widgets[0])
    viewer = app.viewer
    assert viewer is not None and viewer.isVisible()
    assert viewer.geometry() == kiosk.window.rect()  # the whole window
    small = viewer.picture.pixmap().width()
    desk.tap(viewer.picture)
    assert viewer.zoom > 0 and viewer.picture.pixmap().width() > small
    desk.tap(viewer.zoom_out)
    desk.tap(viewer.close_button)
    assert not viewer.isVisible() and viewer.image is None


def test_buttons_only_where_status_and_role_allow(kiosk: Any, qtbot: Any) -> None:
    desk, app, receipt = _open(kiosk, qtbot)
    view, can = app.view, desk.clerk.session.can
    held = allowed_actions(view, can)
    assert "clerk_originals" in held and "clerk_correct" in held and "clerk_override" in held
    assert "clerk_handover" not in held and "clerk_supplement" not in held
    shown = {n for n in held if desk.clerk.has_screen(n)}
    assert set(app.action_buttons) == shown
    ready = dataclasses.replace(view, status="ready_for_pickup", uploaded=True)
    assert "clerk_handover" in allowed_actions(ready, can)
    assert "clerk_correct" not in allowed_actions(ready, can)
    rejected = dataclasses.replace(view, status="rejected", uploaded=True)
    assert not {"clerk_correct", "clerk_override", "clerk_handover", "clerk_supplement"} & set(
        allowed_actions(rejected, can)
    )
    assert allowed_actions(view, lambda _action: False) == []  # a role without rights
    if shown:
        name = sorted(shown)[0]
        desk.tap(app.action_buttons[name])
        desk.wait_screen(name)
        assert desk.page(name).reg_id == receipt.registration_id

"""Staff photos on the real kiosk with a real store: the supervisor opens "Take photo" on the
staff screen, the camera (the capture's frame worker, fed a real portrait through a still
source) shows the face guide, the large shutter takes the portrait, "Save photo" stores it; the
sign-in card then shows the photo instead of the initials. Two faces are refused in English and
Khmer with the camera kept on; "Remove photo" brings the initials back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.capture import CaptureError
from tests.fixtures.capture import scenes as S
from tests.fixtures.capture.qt_helpers import still_source
from tests.ui.conftest import LONG_WAIT_MS
from tests.ui.test_clerk_signin_support import CLERK, SUPERVISOR, Desk
from tests.ui.test_clerk_staff_admin import open_staff, sign_out, wait_idle
from ui.clerk.staff_photo import PhotoFace
from ui.widgets.text import tr

pytestmark = pytest.mark.qt


def face_of(widget: Any) -> PhotoFace | None:
    """The photo painted over a card's or row's avatar, if one shows."""
    face = widget.findChild(PhotoFace)
    return face if face is not None and face.isVisible() and face.image is not None else None


def open_camera(desk: Desk, page: Any, staff_id: str, source: Any) -> Any:
    panel = page.photo_panel
    panel.source = source
    desk.settle()  # a language switch remade the rows: they show at the next event loop turn
    button = page.rows[staff_id].photo_button
    assert button is not None
    desk.qtbot.waitUntil(button.isVisible, timeout=LONG_WAIT_MS)
    desk.tap(button)
    assert page.mode == "photo" and panel.isVisible() and page.cancel.isVisible()
    desk.qtbot.waitUntil(lambda: panel.shutter.isEnabled(), timeout=LONG_WAIT_MS)
    assert panel.view.isVisible() and panel.view.height() >= 240
    assert panel.shutter.height() == panel.shutter_height() == 96  # kiosk.qss's large shutter
    return panel


def test_photo_taken_saved_and_shown_on_the_sign_in_card(
    kiosk: Any, qtbot: Any, tmp_path: Path
) -> None:
    desk = Desk(kiosk, qtbot)
    page = open_staff(desk)
    assert page.rows[SUPERVISOR].photo_button is not None  # one's own photo too
    assert face_of(page.rows[CLERK]) is None  # initials until there is a photo
    kiosk.nav.set_locale("en")
    panel = open_camera(desk, page, CLERK, still_source(tmp_path, S.face_frame()))
    assert "Sok Vichet" in page.heading.text()
    assert not panel.remove.isVisible()  # nothing to remove yet
    desk.tap(panel.shutter)
    qtbot.waitUntil(lambda: panel.pages.currentIndex() == 1, timeout=LONG_WAIT_MS)
    assert panel.worker is None  # the camera is let go while the portrait is checked by eye
    assert panel.image.pixmap() is not None and not panel.image.pixmap().isNull()
    assert "Sok Vichet" in panel.check.text()
    desk.tap(panel.retake)  # once more, then keep it
    qtbot.waitUntil(lambda: panel.shutter.isEnabled(), timeout=LONG_WAIT_MS)
    desk.tap(panel.shutter)
    qtbot.waitUntil(lambda: panel.pages.currentIndex() == 1, timeout=LONG_WAIT_MS)
    desk.tap(panel.save)
    qtbot.waitUntil(lambda: page.mode == "list", timeout=LONG_WAIT_MS)
    assert page.done.text() == "Sok Vichet's photo is saved."
    qtbot.waitUntil(lambda: face_of(page.rows[CLERK]) is not None, timeout=LONG_WAIT_MS)
    assert face_of(page.rows[SUPERVISOR]) is None
    held = desk.db(lambda store: store.get_setting("staff.photos"))
    assert list(held) == [CLERK]
    actions = desk.db(lambda store: [r[0] for r in store._conn.execute("SELECT action FROM audit")])
    assert actions.count("staff.photo_set") == 1
    sign_out(desk)

    desk.open_signin()
    signin = desk.page("staff_signin")
    card = next(c for c in signin.cards if c.member.id == CLERK)
    qtbot.waitUntil(lambda: face_of(card) is not None, timeout=LONG_WAIT_MS)
    image = face_of(card).image
    assert image.width() == image.height() >= 84  # small, square, decoded off the GUI thread
    others = [c for c in signin.cards if c.member.id != CLERK]
    assert others and all(face_of(c) is None for c in others)  # initials


def test_two_faces_are_refused_in_both_languages_then_the_photo_is_removed(
    kiosk: Any, qtbot: Any, tmp_path: Path
) -> None:
    desk = Desk(kiosk, qtbot)
    page = open_staff(desk)
    kiosk.nav.set_locale("en")
    panel = open_camera(desk, page, CLERK, still_source(tmp_path, S.two_faces(), name="two.png"))
    desk.tap(panel.shutter)
    qtbot.waitUntil(lambda: panel.error.isVisible(), timeout=LONG_WAIT_MS)
    assert "More than one face" in panel.error.text()
    assert panel.pages.currentIndex() == 0 and panel.worker is not None  # the camera stays on
    kiosk.nav.set_locale("km")
    assert "ឃើញ" in panel.error.text() and "More" not in panel.error.text()
    assert desk.db(lambda store: store.get_setting("staff.photos")) is None  # nothing saved
    desk.tap(page.cancel)
    assert page.mode == "list" and panel.worker is None

    panel = open_camera(desk, page, CLERK, still_source(tmp_path, S.face_frame()))
    desk.tap(panel.shutter)
    qtbot.waitUntil(lambda: panel.pages.currentIndex() == 1, timeout=LONG_WAIT_MS)
    desk.tap(panel.save)
    qtbot.waitUntil(lambda: face_of(page.rows[CLERK]) is not None, timeout=LONG_WAIT_MS)
    wait_idle(desk, page)
    panel = open_camera(desk, page, CLERK, still_source(tmp_path, S.face_frame()))
    assert panel.remove.isVisible()
    desk.tap(panel.remove)
    qtbot.waitUntil(lambda: page.mode == "list", timeout=LONG_WAIT_MS)
    assert "សុខ" in page.done.text()
    qtbot.waitUntil(lambda: CLERK not in page.photos, timeout=LONG_WAIT_MS)
    assert face_of(page.rows[CLERK]) is None
    assert desk.db(lambda store: store.get_setting("staff.photos")) == {}
    sign_out(desk)


def test_a_camera_failure_is_said_again_after_a_language_switch(kiosk: Any, qtbot: Any) -> None:
    """No camera: said over the preview in English, then in Khmer after the switch (it was
    said once and stayed English), and the shutter stays off."""

    def no_camera() -> Any:
        raise CaptureError("capture.error.camera_missing")

    desk = Desk(kiosk, qtbot)
    page = open_staff(desk)
    kiosk.nav.set_locale("en")
    panel = page.photo_panel
    panel.source = no_camera
    desk.settle()
    button = page.rows[CLERK].photo_button
    assert button is not None
    qtbot.waitUntil(button.isVisible, timeout=LONG_WAIT_MS)
    desk.tap(button)
    said = tr("clerk.ui.staff.photo_no_camera", "en")  # this screen has no file or scanner
    qtbot.waitUntil(lambda: panel.view.message == said, timeout=LONG_WAIT_MS)
    assert "file" not in said and "scanner" not in said
    assert not panel.shutter.isEnabled()
    kiosk.nav.set_locale("km")
    message = panel.view.message
    assert message == tr("clerk.ui.staff.photo_no_camera", "km")
    assert message != tr("capture.error.camera_missing", "km")
    assert not panel.shutter.isEnabled()
    desk.tap(page.cancel)
    assert page.mode == "list" and panel.worker is None
    sign_out(desk)

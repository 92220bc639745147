"""After inactivity the kiosk asks "Do you need more time?", then wipes the half-done session:
answers, images and temporary files, from memory and disk; the next citizen sees nothing."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from kiosk.model import State
from kiosk.store import NotFound
from tests.ui.conftest import Journey

pytestmark = pytest.mark.qt


@pytest.fixture
def idle_journey(make_kiosk: Any, qtbot: Any, tmp_path: Any) -> Journey:
    return Journey(make_kiosk(idle_seconds=1.5, grace_seconds=1), qtbot, tmp_path)


def test_idle_timeout_wipes_a_half_done_session(idle_journey: Journey, qtbot: Any) -> None:
    j = idle_journey
    j.start("en")
    j.choose_service("residence_certificate")
    j.type_into(j.field("name_km").edit, "សុខ")
    j.type_into(j.field("name_latin").edit, "SOK", keyboard=False)
    j.cont()
    j.choose("sex", "male")
    j.cont()
    # skip ahead to the photo: answers so far are autosaved in a draft
    s = j.k.ctx.session
    steps = [st.id for st in j.question.all_steps()]
    j.nav.go("question", step_id="face_photo")
    assert "face_photo" in steps
    j.attach_file("face_photo")
    j.settle()
    draft_id = s.draft.id
    sha = s.attachments[0].media.sha256
    temp_dir = s.temp_dir()  # the session's private folder (imports, previews)
    (temp_dir / "preview.jpg").write_bytes(b"\xff\xd8 a temporary copy")
    reg = j.db(lambda store: store.get(draft_id))
    assert reg.state is State.DRAFT and reg.answers["name_latin"] == "SOK"
    assert j.db(lambda store: store.vault.has(sha))

    overlay = j.find(QWidget, "idleOverlay")
    qtbot.waitUntil(overlay.isVisible, timeout=10_000)  # "Do you need more time?"
    j.click(j.find(QPushButton, "idleMore"))  # yes: nothing is lost
    assert not overlay.isVisible() and j.screen == "question"
    assert s.answers["name_latin"] == "SOK"

    qtbot.waitUntil(overlay.isVisible, timeout=10_000)
    j.wait_screen("attract", timeout=10_000)  # no answer: the session ends
    j.settle()
    assert s.answers == {} and s.attachments == [] and s.draft is None and s.service is None
    assert not temp_dir.exists()
    with pytest.raises(NotFound):
        j.db(lambda store: store.get(draft_id))
    assert not j.db(lambda store: store.vault.has(sha))
    assert j.db(lambda store: store.list_by_state(State.DRAFT)) == []
    # no widget anywhere still holds the previous citizen's typing
    texts = [e.text() for e in j.w.findChildren(QLineEdit)]
    assert not any("SOK" in t or "សុខ" in t for t in texts), texts
    assert j.question.widgets == []

    # the next citizen starts clean, in Khmer, with nothing filled in
    j.start("km")
    j.choose_service("residence_certificate")
    assert j.field("name_latin").edit.text() == ""
    assert j.k.ctx.session.locale == "km"


def test_end_now_on_the_prompt_ends_the_session(make_kiosk: Any, qtbot: Any, tmp_path: Any) -> None:
    j = Journey(make_kiosk(idle_seconds=1.0, grace_seconds=30), qtbot, tmp_path)
    j.start("en")
    j.choose_service("residence_certificate")
    j.type_into(j.field("name_latin").edit, "SOK", keyboard=False)
    overlay = j.find(QWidget, "idleOverlay")
    qtbot.waitUntil(overlay.isVisible, timeout=10_000)
    countdown = j.find(QLabel, "idleCountdown")
    assert "30 seconds" in countdown.text()
    qtbot.waitUntil(lambda: "29 seconds" in countdown.text(), timeout=3000)  # it counts down
    j.click(j.find(QPushButton, "idleEnd"))  # the press itself must not count as "more time"
    j.wait_screen("attract", timeout=2000)
    j.settle()
    assert j.k.ctx.session.answers == {} and j.k.ctx.session.draft is None


def test_idle_does_not_touch_a_submitted_application(
    make_kiosk: Any, qtbot: Any, tmp_path: Any
) -> None:
    j = Journey(make_kiosk(idle_seconds=1.0, grace_seconds=1), qtbot, tmp_path)
    receipt = j.quick_submit()  # the citizen walks away from the confirmation screen
    j.wait_screen("attract", timeout=10_000)
    j.settle()
    reg = j.db(lambda store: store.get(receipt.registration_id))
    assert reg.state is State.SUBMITTED and reg.app_number == receipt.app_number
    assert j.k.ctx.session.receipt is None
    assert j.find(QLabel, "appNumber").text() == ""  # the next citizen cannot see it

"""PhotoStep with real frames, a real store behind a real TaskManager, offscreen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from kiosk.capture import CaptureError
from tests.fixtures.capture import scenes as S
from tests.fixtures.capture.qt_helpers import (  # noqa: F401 - tasks_fixture is a fixture
    context,
    run_db,
    still_source,
    tasks_fixture,
)
from ui.capture.photo_step import PhotoStep

pytestmark = pytest.mark.qt


def make_step(qtbot: Any, tasks: Any, source: Any, locale: str = "en", **kw: Any) -> PhotoStep:
    ctx = context(tasks, locale)
    step = PhotoStep(ctx=ctx, source=source, reg_id=kw.pop("reg_id", "reg-1"), **kw)
    qtbot.addWidget(step)
    step.resize(900, 760)
    step.show()
    return step


def decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def test_good_face_is_taken_by_itself_reviewed_and_stored(
    qtbot: Any, tasks: Any, tmp_path: Path
) -> None:
    step = make_step(qtbot, tasks, still_source(tmp_path, S.face_frame()))
    with qtbot.waitSignal(step.captured, timeout=25_000) as sig:  # kept with no extra tap
        qtbot.waitUntil(lambda: step.pages.currentIndex() == 1, timeout=15_000)  # auto-capture
    assert step.worker is None  # the camera is released while reviewing
    (att,) = sig.args[0]
    assert not step.accept.isVisible() and step.retake.isVisible()
    assert att.kind == "photo" and att.field_id == "photo" and att.media.mime == "image/jpeg"
    assert att.checks["ok"] is True and att.checks["sharpness"]["passed"] is True
    data = run_db(qtbot, tasks, lambda store: store.read_media(att.media.sha256))
    assert decode(data).shape == (531, 413, 3) and len(data) <= 60_000
    step.shutdown()


def test_instruction_follows_the_frame_in_both_languages(
    qtbot: Any, tasks: Any, tmp_path: Path
) -> None:
    step = make_step(qtbot, tasks, still_source(tmp_path, S.too_far()), locale="km")
    qtbot.waitUntil(lambda: step.latest is not None, timeout=10_000)
    assert step.view.instruction == "សូម\u200bខិត\u200bមក\u200bជិត\u200bបន្តិច"
    step.set_locale("en")
    qtbot.waitUntil(lambda: step.view.instruction == "Move closer", timeout=5_000)
    assert step.pages.currentIndex() == 0 and step.shutter.isEnabled()
    step.shutdown()


def test_manual_shutter_then_retake_restarts_the_camera(
    qtbot: Any, tasks: Any, tmp_path: Path
) -> None:
    step = make_step(qtbot, tasks, still_source(tmp_path, S.blurred()))
    qtbot.waitUntil(lambda: step.shutter.isEnabled(), timeout=10_000)
    assert step.shutter.height() >= 64
    qtbot.mouseClick(step.shutter, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: step.pages.currentIndex() == 1, timeout=10_000)
    qtbot.mouseClick(step.retake, Qt.MouseButton.LeftButton)
    assert step.pages.currentIndex() == 0 and step.worker is not None
    qtbot.waitUntil(lambda: step.latest is not None, timeout=10_000)
    step.shutdown()


def test_clerk_override_needs_a_reason_and_is_audited(
    qtbot: Any, tasks: Any, tmp_path: Path
) -> None:
    step = make_step(qtbot, tasks, still_source(tmp_path, S.blurred()), reg_id="reg-override")
    qtbot.waitUntil(lambda: step.latest is not None, timeout=10_000)
    assert step.findChild(QWidget, "photoOverride") is None  # never on the citizen's screen
    assert not step.accept_despite_checks("  ")  # the clerk's station asks for a reason
    with qtbot.waitSignal(step.captured, timeout=10_000) as sig:
        assert step.accept_despite_checks("medical")
    (att,) = sig.args[0]
    assert att.checks["override"]["reason"] == "medical"
    assert "sharpness" in att.checks["override"]["failed"]
    qtbot.waitUntil(lambda: tasks.pending == 0, timeout=10_000)
    entries = run_db(qtbot, tasks, lambda store: store.audit.entries(subject="reg-override"))
    assert [e.action for e in entries] == ["photo_override"]
    assert entries[0].actor == "clerk" and entries[0].details["reason"] == "medical"
    assert run_db(qtbot, tasks, lambda store: store.audit.verify()) is None
    step.shutdown()


def test_no_camera_shows_a_plain_message_and_the_file_route_works(
    qtbot: Any, tasks: Any, tmp_path: Path
) -> None:
    def no_camera() -> Any:
        raise CaptureError("capture.error.camera_missing")

    step = make_step(qtbot, tasks, no_camera)
    qtbot.waitUntil(lambda: step.view.message.startswith("No camera"), timeout=10_000)
    assert not step.shutter.isEnabled()
    photo = tmp_path / "studio.jpg"
    cv2.imwrite(str(photo), S.face_frame())
    with qtbot.waitSignal(step.captured, timeout=10_000) as sig:
        step.import_path(photo)
    (att,) = sig.args[0]
    assert att.checks["source"] == "file" and att.checks["ok"] is True
    step.shutdown()


def test_bad_file_keeps_the_step_usable(qtbot: Any, tasks: Any, tmp_path: Path) -> None:
    step = make_step(qtbot, tasks, still_source(tmp_path, S.too_far()), locale="km")
    bad = tmp_path / "empty.jpg"
    bad.write_bytes(b"")
    with qtbot.waitSignal(step.failed, timeout=10_000) as sig:
        step.import_path(bad)
    assert "ទទេ" in sig.args[0]  # "empty", in Khmer
    assert step.status.isVisible()
    qtbot.waitUntil(lambda: step.latest is not None, timeout=10_000)
    step.shutdown()


def test_stand_alone_with_injected_save_media(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.store import Store

    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    store = Store.open(tmp_path / "data", commune_code="120101")
    step = PhotoStep(
        locale="en",
        source=still_source(tmp_path, S.face_frame()),
        save_media=store.add_media,
        field_id="face",
    )
    qtbot.addWidget(step)
    with qtbot.waitSignal(step.captured, timeout=25_000) as sig:  # kept with no extra tap
        step.show()
        qtbot.waitUntil(lambda: step.pages.currentIndex() == 1, timeout=15_000)
    assert store.read_media(sig.args[0][0].media.sha256)[:3] == b"\xff\xd8\xff"
    step.shutdown()
    store.close()


def test_camera_unplugged_mid_capture_says_so_and_comes_back(
    qtbot: Any, tasks: Any, tmp_path: Path
) -> None:
    from kiosk.capture.sources import CameraSource

    video = tmp_path / "cam.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 15, (640, 480))
    for i in range(8):
        writer.write(cv2.resize(S.too_far(), (640, 480)) if i % 2 else S.too_far())
    writer.release()
    away = tmp_path / "gone.avi"

    def camera() -> Any:
        cam = CameraSource(str(video))
        cam.open()
        return cam

    step = make_step(qtbot, tasks, camera)
    qtbot.waitUntil(lambda: step.latest is not None, timeout=10_000)
    video.rename(away)  # unplugged: reads fail once the open file is drained
    qtbot.waitUntil(lambda: step.view.message.startswith("The camera stopped"), timeout=10_000)
    assert step.pages.currentIndex() == 0  # nothing else changed on screen
    away.rename(video)  # plugged back in
    qtbot.waitUntil(lambda: step.view.message == "", timeout=15_000)
    photo = tmp_path / "studio.jpg"
    cv2.imwrite(str(photo), S.face_frame())
    with qtbot.waitSignal(step.captured, timeout=10_000):
        step.import_path(photo)
    step.shutdown()


def test_coming_back_shows_the_stored_photo(qtbot: Any, tasks: Any, tmp_path: Path) -> None:
    from kiosk.model import Attachment

    data = cv2.imencode(".jpg", cv2.resize(S.face_frame(), (413, 531)))[1].tobytes()
    ref = run_db(qtbot, tasks, lambda store: store.add_media(data, "image/jpeg"))
    ctx = context(tasks, "en")
    ctx.session.set_attachments("photo", [Attachment("photo", "photo", ref)])
    step = PhotoStep(ctx=ctx, source=still_source(tmp_path, S.face_frame()))
    qtbot.addWidget(step)
    step.show()
    assert step.pages.currentIndex() == 1 and step.worker is None  # no camera until "Take again"
    qtbot.waitUntil(
        lambda: step.review_image.pixmap() is not None and not step.review_image.pixmap().isNull(),
        timeout=10_000,
    )
    assert not step.accept.isVisible()
    step.shutdown()

"""One camera layout for every portrait: the citizen's photo step and the supervisor's staff
photo panel are both built on `CameraPages` (it was two near-copies of the same `_build`), so
the preview, the large shutter and the review's buttons sit and size alike on both."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from tests.fixtures.capture.qt_helpers import context, tasks_fixture  # noqa: F401 - a fixture
from ui.app import stylesheet
from ui.capture.camera_pages import LIVE, REVIEW, CameraPages
from ui.capture.camera_view import CameraView
from ui.capture.photo_step import PhotoStep
from ui.clerk.staff_photo import StaffPhotoPanel

pytestmark = pytest.mark.qt
SHUTTER_QSS_PX = 96  # kiosk.qss `[button_size="shutter"]`: 70 + 2 x 10 padding + 2 x 3 border


def test_pages_are_live_then_review_with_named_parts(qtbot: Any) -> None:
    pages = CameraPages("demo", primary="Keep", size="shutter")
    pages.setStyleSheet(stylesheet())  # the kiosk's: the one owner of the buttons' heights
    qtbot.addWidget(pages)
    pages.resize(700, 800)
    pages.show()
    assert pages.count() == 2 and pages.live and pages.currentIndex() == LIVE
    assert isinstance(pages.findChild(CameraView, "demoView"), CameraView)
    names = ("demoShutter", "demoRetake", "demoKeep")
    assert [pages.findChild(QPushButton, n) for n in names] == [
        pages.shutter,
        pages.retake,
        pages.primary,
    ]
    assert pages.shutter.height() == SHUTTER_QSS_PX
    assert pages.view.geometry().bottom() < pages.shutter.geometry().top()  # preview above
    pages.setCurrentIndex(REVIEW)
    qtbot.waitUntil(lambda: pages.primary.isVisible())
    assert not pages.live and pages.primary.height() == SHUTTER_QSS_PX
    assert pages.retake.height() < SHUTTER_QSS_PX  # a plain button
    assert pages.primary.width() > pages.retake.width()  # the one action that matters
    assert pages.review_text.geometry().bottom() <= pages.review_image.geometry().top()


def test_photo_step_and_staff_panel_share_the_layout(qtbot: Any, tasks: Any) -> None:
    step = PhotoStep(ctx=context(tasks, "en"), source="demo", reg_id="reg-1", autostart=False)
    qtbot.addWidget(step)
    panel = StaffPhotoPanel(context(tasks, "en"), lambda fn, ok, bad: None, lambda: None)
    qtbot.addWidget(panel)
    for owner, prefix, primary, name in (
        (step, "photo", step.accept, "Accept"),
        (panel, "staffPhoto", panel.save, "Save"),
    ):
        pages = owner.pages
        assert isinstance(pages, CameraPages)
        assert owner.shutter is pages.shutter and owner.retake is pages.retake
        assert primary is pages.primary and owner.view is pages.view
        assert pages.shutter.objectName() == f"{prefix}Shutter"
        assert pages.primary.objectName() == f"{prefix}{name}"
    assert step.review_image is step.pages.review_image and panel.image is panel.pages.review_image
    step.shutdown()

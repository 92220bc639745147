"""Every camera screen's shutter has the one height the stylesheet gives it (kiosk.qss
`QPushButton[button_size="shutter"]`): the citizen's photo and papers steps as the staff
photo, in both languages. No pixel count in the capture code can disagree with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.capture import scenes as S
from tests.fixtures.capture.qt_helpers import (  # noqa: F401 - tasks_fixture is a fixture
    context,
    still_source,
    tasks_fixture,
)
from tests.ui.test_camera_pages import SHUTTER_QSS_PX
from ui.capture.document_step import DocumentStep
from ui.capture.photo_step import PhotoStep

pytestmark = pytest.mark.qt


@pytest.mark.parametrize("locale", ["km", "en"])
def test_citizen_shutters_are_the_stylesheets_size(
    qtbot: Any, kiosk_app: Any, tasks: Any, tmp_path: Path, locale: str
) -> None:
    photo = PhotoStep(ctx=context(tasks, locale), source=still_source(tmp_path, S.too_far()))
    frame, _ = S.page_photo_scene(frame=(1280, 960))
    papers = DocumentStep(
        ctx=context(tasks, locale), source=still_source(tmp_path, frame, "p.png", 10)
    )
    for step in (photo, papers):
        qtbot.addWidget(step)
        step.resize(1280, 900)
        step.show()
    qtbot.waitUntil(lambda: photo.latest is not None and papers.latest is not None, timeout=10_000)
    assert photo.shutter.text() and papers.shutter.text()
    assert photo.shutter.height() == papers.shutter.height() == SHUTTER_QSS_PX
    photo.shutdown()
    papers.shutdown()

"""Render the capture widgets offscreen in Khmer and English and check what a person sees:
touch targets ≥ 48 px, the shutter ≥ 64 px, no button text wider than its button.

Set SALA_CAPTURE_SHOTS=/some/dir to keep the PNGs for a look.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractButton, QWidget

from tests.fixtures.capture import scenes as S
from tests.fixtures.capture.qt_helpers import (  # noqa: F401 - tasks_fixture is a fixture
    context,
    still_source,
    tasks_fixture,
)
from tests.fixtures.capture.scenes import jpeg
from ui.capture.document_step import DocumentStep
from ui.capture.photo_step import PhotoStep
from ui.capture.qr_scan import QrScanner

pytestmark = pytest.mark.qt


def shots_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SALA_CAPTURE_SHOTS") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def check_buttons(widget: QWidget) -> None:
    for b in widget.findChildren(QAbstractButton):
        if not b.isVisible():
            continue
        assert b.height() >= 48, (b.objectName(), b.height())
        text_w = b.fontMetrics().horizontalAdvance(b.text())
        assert text_w <= b.width(), (b.objectName(), b.text(), text_w, b.width())


def save(widget: QWidget, path: Path) -> None:
    image = widget.grab()
    assert image.save(str(path))
    assert path.stat().st_size > 5000  # something was drawn


@pytest.mark.parametrize("locale", ["km", "en"])
def test_photo_step_renders(
    qtbot: Any, kiosk_app: Any, tasks: Any, tmp_path: Path, locale: str
) -> None:
    step = PhotoStep(ctx=context(tasks, locale), source=still_source(tmp_path, S.too_far()))
    qtbot.addWidget(step)
    step.resize(1280, 800)
    step.show()
    qtbot.waitUntil(lambda: step.latest is not None, timeout=10_000)
    check_buttons(step)
    assert step.shutter.height() >= 64
    save(step, shots_dir(tmp_path) / f"photo_live_{locale}.png")
    step.shutter.click()
    qtbot.waitUntil(lambda: step.pages.currentIndex() == 1, timeout=10_000)
    check_buttons(step)
    save(step, shots_dir(tmp_path) / f"photo_review_{locale}.png")
    step.shutdown()


@pytest.mark.parametrize("locale", ["km", "en"])
def test_document_step_renders(
    qtbot: Any, kiosk_app: Any, tasks: Any, tmp_path: Path, locale: str
) -> None:
    frame, _ = S.page_photo_scene(frame=(1280, 960))
    step = DocumentStep(
        ctx=context(tasks, locale), source=still_source(tmp_path, frame, "p.png", 10)
    )
    qtbot.addWidget(step)
    step.resize(1280, 900)
    step.show()
    qtbot.waitUntil(
        lambda: step.latest is not None and step.latest.analysis is not None, timeout=10_000
    )
    for i in range(2):
        f = tmp_path / f"p{i}.jpg"
        f.write_bytes(jpeg(S.a4_page(colour=bool(i))))
        with qtbot.waitSignal(step.captured, timeout=20_000):
            step.import_path(f)
    qtbot.wait(50)
    check_buttons(step)
    save(step, shots_dir(tmp_path) / f"document_{locale}.png")
    step.shutdown()


@pytest.mark.parametrize("locale", ["km", "en"])
def test_qr_scanner_renders(qtbot: Any, kiosk_app: Any, tmp_path: Path, locale: str) -> None:
    scanner = QrScanner(
        locale=locale, source=still_source(tmp_path, S.qr_photo("SALA1:120101-00042-7:X1"), "q.png")
    )
    qtbot.addWidget(scanner)
    scanner.resize(640, 480)
    scanner.show()
    with qtbot.waitSignal(scanner.scanned, timeout=10_000):
        pass
    qtbot.wait(50)
    save(scanner, shots_dir(tmp_path) / f"qr_{locale}.png")
    scanner.stop()


def test_demo_camera_is_labelled(qtbot: Any, kiosk_app: Any, tasks: Any, tmp_path: Path) -> None:
    step = PhotoStep(ctx=context(tasks, "km"), source="demo", autostart=True)
    qtbot.addWidget(step)
    step.resize(1024, 768)
    step.show()
    qtbot.waitUntil(lambda: step.latest is not None, timeout=10_000)
    assert step.is_demo and step.view.badge == "កាមេរ៉ា\u200bសាកល្បង"
    save(step, shots_dir(tmp_path) / "photo_demo_km.png")
    step.shutdown()

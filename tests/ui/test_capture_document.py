"""DocumentStep and QrScanner with real frames, files, a scanner folder and a real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from tests.fixtures.capture import scenes as S
from tests.fixtures.capture.qt_helpers import (  # noqa: F401 - tasks_fixture is a fixture
    context,
    run_db,
    still_source,
    tasks_fixture,
)
from tests.fixtures.capture.scenes import jpeg, pdf_bytes
from ui.capture.document_step import DocumentStep
from ui.capture.qr_scan import QrScanner

pytestmark = pytest.mark.qt


def make_step(qtbot: Any, tasks: Any, tmp_path: Path, **kw: Any) -> DocumentStep:
    frame, _ = S.page_photo_scene(frame=(1280, 960))
    step = DocumentStep(
        ctx=context(tasks, kw.pop("locale", "en")),
        source=kw.pop("source", still_source(tmp_path, frame, "page.png", fps=10)),
        **kw,
    )
    qtbot.addWidget(step)
    step.resize(1000, 800)
    step.show()
    return step


def test_camera_page_is_straightened_stored_and_listed(
    qtbot: Any, tasks: Any, tmp_path: Path
) -> None:
    step = make_step(qtbot, tasks, tmp_path)
    qtbot.waitUntil(
        lambda: step.latest is not None and step.latest.analysis is not None, timeout=10_000
    )
    assert step.view.instruction == "Page found. Take the picture"
    with qtbot.waitSignal(step.captured, timeout=15_000) as sig:
        qtbot.mouseClick(step.shutter, Qt.MouseButton.LeftButton)
    (att,) = sig.args[0]
    assert att.kind == "document" and att.page == 0
    assert att.checks["paper"] == "a4" and att.checks["sharpness"]["passed"]
    data = run_db(qtbot, tasks, lambda store: store.read_media(att.media.sha256))
    assert len(data) <= 250_000
    page = cv2.imdecode(__import__("numpy").frombuffer(data, "uint8"), cv2.IMREAD_UNCHANGED)
    assert page.shape[1] == 1240 and page.shape[0] == 1754
    assert step.findChild(QPushButton, "docRemove_0") is not None
    step.shutdown()


def test_file_pages_remove_and_retake(qtbot: Any, tasks: Any, tmp_path: Path) -> None:
    step = make_step(qtbot, tasks, tmp_path)
    step.set_mode("scanner")
    assert step.worker is None  # the camera is off outside the camera tab
    pdf = tmp_path / "papers.pdf"
    pdf.write_bytes(pdf_bytes([jpeg(S.a4_page()), jpeg(S.a4_page(colour=True)), jpeg(S.a4_page())]))
    with qtbot.waitSignal(step.captured, timeout=20_000) as sig:
        step.import_path(pdf)
    assert [a.page for a in sig.args[0]] == [0, 1, 2]
    with qtbot.waitSignal(step.captured) as sig:
        qtbot.mouseClick(step.findChild(QPushButton, "docRemove_1"), Qt.MouseButton.LeftButton)
    assert [a.page for a in sig.args[0]] == [0, 1]
    first = sig.args[0][0].media.sha256
    qtbot.mouseClick(step.findChild(QPushButton, "docRetake_0"), Qt.MouseButton.LeftButton)
    photo = tmp_path / "again.png"
    cv2.imwrite(str(photo), S.a4_page(colour=True))
    with qtbot.waitSignal(step.captured, timeout=20_000) as sig:
        step.import_path(photo)
    assert len(sig.args[0]) == 2 and sig.args[0][0].media.sha256 != first
    with qtbot.waitSignal(step.approved) as sig:
        qtbot.mouseClick(step.approve, Qt.MouseButton.LeftButton)
    assert len(sig.args[0]) == 2
    step.shutdown()


def test_bad_file_keeps_pages_already_taken(qtbot: Any, tasks: Any, tmp_path: Path) -> None:
    step = make_step(qtbot, tasks, tmp_path)
    good = tmp_path / "a.jpg"
    good.write_bytes(jpeg(S.a4_page()))
    with qtbot.waitSignal(step.captured, timeout=20_000):
        step.import_path(good)
    big = tmp_path / "book.pdf"
    big.write_bytes(pdf_bytes(blank=30))
    with qtbot.waitSignal(step.failed, timeout=20_000) as sig:
        step.import_path(big)
    assert "30" in sig.args[0]
    assert len(step.pages) == 1 and step.status.isVisible()
    step.shutdown()


def test_scanner_folder_pages_appear(qtbot: Any, tasks: Any, tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    step = make_step(qtbot, tasks, tmp_path, scan_folder=folder)
    step.scan_timer.setInterval(50)
    step.set_mode("scanner")
    (folder / "scan1.jpg").write_bytes(jpeg(S.a4_page()))
    with qtbot.waitSignal(step.captured, timeout=20_000) as sig:
        pass
    assert sig.args[0][0].checks["source"] == "scanner"
    assert (folder / "done" / "scan1.jpg").exists()
    step.shutdown()


def test_max_pages_is_respected(qtbot: Any, tasks: Any, tmp_path: Path) -> None:
    step = make_step(qtbot, tasks, tmp_path, max_pages=2)
    pdf = tmp_path / "three.pdf"
    pdf.write_bytes(pdf_bytes([jpeg(S.a4_page())] * 3))
    with qtbot.waitSignal(step.captured, timeout=20_000) as sig:
        step.import_path(pdf)
    assert len(sig.args[0]) == 2 and "2" in step.status.text()
    step.shutdown()


def test_qr_scanner_emits_only_sala_receipts(qtbot: Any, tmp_path: Path) -> None:
    payload = "SALA1:120101-00042-7:AB12CD"
    frames = [S.qr_photo("https://example.org/", angle=10), S.qr_photo(payload, angle=25, blur=1.0)]
    paths = []
    for i, f in enumerate(frames):
        paths.append(tmp_path / f"q{i}.png")
        cv2.imwrite(str(paths[-1]), f)

    def source() -> Any:
        from kiosk.capture.sources import ImageSequenceSource

        s = ImageSequenceSource(paths, repeat=3, fps=20)
        s.open()
        return s

    scanner = QrScanner(locale="en", source=source)
    qtbot.addWidget(scanner)
    scanner.show()
    with qtbot.waitSignal(scanner.scanned, timeout=10_000) as sig:
        pass
    assert sig.args[0] == payload
    assert scanner.view.instruction == "Receipt found"
    scanner.stop()


def test_coming_back_keeps_the_pages_already_taken(qtbot: Any, tasks: Any, tmp_path: Path) -> None:
    from kiosk.model import Attachment

    data = jpeg(S.a4_page())
    ref = run_db(qtbot, tasks, lambda store: store.add_media(data, "image/jpeg"))
    ctx = context(tasks, "en")
    ctx.session.set_attachments("document", [Attachment("document", "document", ref, 0)])
    step = DocumentStep(ctx=ctx, source=still_source(tmp_path, S.a4_page(), "x.png"))
    qtbot.addWidget(step)
    step.show()
    assert len(step.pages) == 1
    qtbot.waitUntil(lambda: step.pages[0].data == data, timeout=10_000)
    extra = tmp_path / "b.jpg"
    extra.write_bytes(jpeg(S.a4_page(colour=True)))
    with qtbot.waitSignal(step.captured, timeout=20_000) as sig:
        step.import_path(extra)
    assert sig.args[0][0].media.sha256 == ref.sha256 and len(sig.args[0]) == 2
    step.shutdown()

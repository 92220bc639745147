"""A damaged database: the kiosk does not let a citizen start (nothing typed could be kept),
says so in Khmer and English, tells the technician what to do, and never writes over the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import TODAY

pytestmark = pytest.mark.qt


def test_a_damaged_database_puts_the_kiosk_out_of_service(
    kiosk_app: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.app import Kiosk, KioskOptions

    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    data = tmp_path / "data"
    data.mkdir()
    damaged = b"this is not a SQLite database, it was damaged by a power cut" * 100
    (data / "sala.db").write_bytes(damaged)
    opts = KioskOptions(
        data_dir=data,
        idle_seconds=600,
        grace_seconds=30,
        today=lambda: TODAY,
        printer="none",
        scan_folder=tmp_path,
    )
    kiosk = Kiosk(opts, printer=None)
    qtbot.addWidget(kiosk.window)
    try:
        kiosk.window.resize(1366, 768)
        kiosk.window.show()
        kiosk.start()
        attract = kiosk.nav.screens["attract"]
        qtbot.waitUntil(lambda: attract.out_of_service, timeout=30_000)

        texts = " ".join(
            w.text()
            for w in (
                attract.title_km,
                attract.title_en,
                attract.touch_km,
                attract.touch_en,
                attract.detail,
            )
        )
        assert "out of service" in texts
        assert "technician" in texts  # the store's message says what to do
        assert "ម៉ាស៊ីន" in texts  # and Khmer comes first
        assert not attract.start.isVisible()

        qtbot.mouseClick(attract, Qt.MouseButton.LeftButton)
        assert kiosk.nav.current == "attract"
        assert (data / "sala.db").read_bytes() == damaged  # never written over
        labels = (attract.title_km, attract.touch_km, attract.touch_en, attract.detail)

        def cut() -> list[str]:
            return [
                f"{w.text()[:40]!r} is cut: {w.height()} < {w.heightForWidth(w.width())}"
                for w in labels
                if w.height() < w.heightForWidth(w.width())
            ]

        # The new texts are laid out on a later event-loop turn (late on a loaded machine).
        qtbot.waitUntil(lambda: not cut(), timeout=10_000)
        assert not cut()
    finally:
        kiosk.shutdown()

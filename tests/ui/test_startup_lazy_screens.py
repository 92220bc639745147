"""Start-up order: only the attract screen (and the top bar) exist before the first paint, in
Khmer with the bundled Noto Sans Khmer; the other screens are built after it, one per event-loop
turn, or at once when a screen is needed sooner; the cyclic GC that `ui.app.run` switches off
for start-up is back on after the first paint."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage

from kiosk.i18n import tr
from ui.citizen import HOME, SCREENS

pytestmark = pytest.mark.qt
ALL_SCREENS = {HOME} | {name for name, _m, _c in SCREENS}


@pytest.fixture
def fresh_kiosk(
    kiosk_app: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A Kiosk as `ui.app.run` makes it: constructed, not started, not shown yet."""
    from ui.app import Kiosk, KioskOptions

    monkeypatch.setenv("SALA_SECRET_DIR", str(tmp_path / "secret"))
    kiosk = Kiosk(KioskOptions(data_dir=tmp_path / "data", printer="none"))
    qtbot.addWidget(kiosk.window)
    kiosk.window.resize(1366, 768)
    yield kiosk
    kiosk.shutdown()


def test_only_the_attract_screen_exists_at_the_first_paint_and_it_is_khmer(
    fresh_kiosk: Any, qtbot: Any
) -> None:
    from ui.app import load_fonts

    assert {"Noto Sans Khmer", "Noto Sans"} <= set(load_fonts())
    window, nav = fresh_kiosk.window, fresh_kiosk.nav
    gc.disable()  # as ui.app.run does for start-up
    try:
        with qtbot.waitSignal(window.first_shown, timeout=10_000):
            window.show()
        assert set(nav.screens) == {"attract"} and window.keyboard is None
        assert not nav.built and fresh_kiosk.policy.idle is None
        attract = nav.screens["attract"]
        assert attract.title_km.text() == tr("ui.attract.title", "km")
        assert attract.title_km.fontInfo().family() == "Noto Sans Khmer"
        assert window.badge.text() == tr("ui.not_enrolled", "km")
        assert window.badge.property("state") == "not_enrolled"
        # The Khmer title is really drawn: dark glyph pixels inside its box on a light page.
        image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        title = attract.title_km
        box = QRect(title.mapTo(window, QPoint(0, 0)), title.size())
        dark = sum(
            1
            for y in range(box.top(), box.bottom(), 3)
            for x in range(box.left(), box.right(), 3)
            if image.pixelColor(x, y).lightness() < 80
        )
        assert dark > 200, f"no Khmer glyphs drawn in {box}"
        qtbot.waitUntil(gc.isenabled, timeout=5_000)  # the policy turned the GC back on
    finally:
        gc.enable()


def test_the_other_screens_are_built_after_the_paint_in_slices(
    fresh_kiosk: Any, qtbot: Any
) -> None:
    window, nav = fresh_kiosk.window, fresh_kiosk.nav
    with qtbot.waitSignal(window.first_shown, timeout=10_000):
        window.show()
    fresh_kiosk.start()
    assert set(nav.screens) == {"attract"}  # nothing built inside start() itself
    counts: list[int] = []
    qtbot.waitUntil(lambda: counts.append(len(nav.screens)) or nav.built, timeout=20_000)
    assert set(nav.screens) == ALL_SCREENS and window.keyboard is not None
    assert fresh_kiosk.policy.idle is not None
    assert len(set(counts)) > 2  # they appeared a few at a time, not all in one turn
    qtbot.waitUntil(lambda: all(fresh_kiosk.ready.values()), timeout=30_000)
    nav.go("services")
    assert nav.screens["services"].cards  # the catalog reached the lazily built screen


def test_a_screen_needed_before_its_slice_is_built_at_once(fresh_kiosk: Any, qtbot: Any) -> None:
    window, nav = fresh_kiosk.window, fresh_kiosk.nav
    with qtbot.waitSignal(window.first_shown, timeout=10_000):
        window.show()
    nav.go("language")  # a touch on the attract screen right after the paint
    assert nav.current == "language"
    assert window.stack.currentWidget() is nav.screens["language"]
    assert nav.built
    fresh_kiosk.citizen.end_session()
    assert nav.current == "attract"

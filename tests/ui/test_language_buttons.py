"""The language choice is a citizen's first tap: its two buttons get the stylesheet's large
size. A `size` property would be silently ignored (QWidget has one), so this checks the height
the stylesheet gives them, not the property."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from ui.screenshots import settle

pytestmark = [pytest.mark.qt]


@pytest.mark.parametrize("size", [(1366, 768), (1080, 1920)], ids=["1366x768", "1080x1920"])
def test_language_buttons_are_the_large_size(make_kiosk: Any, size: tuple[int, int]) -> None:
    kiosk = make_kiosk(size=size)
    kiosk.citizen.go("language")
    settle(kiosk)
    screen = kiosk.nav.screens["language"]
    for name in ("choose_km", "choose_en"):
        button = screen.findChild(QPushButton, name)
        assert button is not None and button.isVisible(), name
        assert button.height() >= 110, f"{name} is {button.height()} px high"
        assert button.font().pixelSize() == 40, f"{name} font {button.font().pixelSize()} px"

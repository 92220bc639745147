"""The keyboard drawn at the kiosk's widths: keys big enough to touch, every label in our fonts.

Set SALA_SHOTS=/some/dir to keep the PNGs for a human look.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QFont, QFontMetrics, QImage

from ui.keyboard import OnScreenKeyboard
from ui.keyboard.fonts import KHMER_FAMILY, LATIN_FAMILY, ensure_fonts
from ui.keyboard.layouts import DOTTED_CIRCLE, LAYERS

pytestmark = [pytest.mark.qt, pytest.mark.qt_log_ignore("does not support propagateSizeHints")]

MIN_KEY_PX = 48  # 12 mm on a 21.5" 1080p panel
MIN_KEY_HEIGHT = 56


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SALA_SHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.mark.parametrize("width", [1920, 1080])
@pytest.mark.parametrize("locale", ["km", "en"])
def test_every_layer_renders_with_touch_sized_keys(
    qtbot, shots: Path, width: int, locale: str
) -> None:  # type: ignore[no-untyped-def]
    kb = OnScreenKeyboard(locale=locale)
    qtbot.addWidget(kb)
    kb.resize(width, kb.height())
    kb.show()
    qtbot.waitExposed(kb)
    for name in LAYERS:
        kb.set_layer(name)
        path = shots / f"keyboard_{name}_{locale}_{width}.png"
        assert kb.grab().save(str(path))
        image = QImage(str(path))
        assert (image.width(), image.height()) == (width, kb.height())
        buttons = kb.buttons()
        assert len(buttons) >= 20
        for b in buttons:
            assert b.isVisible(), b.text()
            assert b.width() >= MIN_KEY_PX and b.height() >= MIN_KEY_HEIGHT, (name, b.text())
            assert kb.rect().contains(b.geometry()), (name, b.text(), b.geometry())


def test_every_label_is_covered_by_the_bundled_fonts(qtbot) -> None:  # type: ignore[no-untyped-def]
    """No tofu: each code point of each label exists in Noto Sans Khmer or Noto Sans."""
    ensure_fonts()
    khmer = QFontMetrics(QFont(KHMER_FAMILY))
    latin = QFontMetrics(QFont(LATIN_FAMILY))
    kb = OnScreenKeyboard()
    qtbot.addWidget(kb)
    labels: list[str] = []
    for locale in ("km", "en"):
        kb.set_locale(locale)
        for name in LAYERS:
            kb.set_layer(name)
            labels += [b.text() + b.hint for b in kb.buttons()]
    kb.set_layer("km")
    kb.function_button("shift").click()
    labels += [b.text() + b.hint for b in kb.buttons()]
    chars = {c for label in labels for c in label if not c.isspace() and c != "\u200b"}
    assert {"ស", "ី", DOTTED_CIRCLE, "\u17d2", "១", "A"} <= chars
    missing = [
        f"U+{ord(c):04X}"
        for c in sorted(chars)
        if not (khmer.inFontUcs4(ord(c)) or latin.inFontUcs4(ord(c)))
    ]
    assert missing == []


def test_khmer_label_is_shaped_not_spelt_out(qtbot) -> None:  # type: ignore[no-untyped-def]
    """HarfBuzz stacks subscripts under the base: ស្ត្រី is barely wider than ស alone."""
    ensure_fonts()
    fm = QFontMetrics(QFont(KHMER_FAMILY, 40))
    base = fm.horizontalAdvance("ស")
    word = fm.horizontalAdvance("ស្ត្រី")
    spelt = sum(fm.horizontalAdvance(DOTTED_CIRCLE + c) for c in "្ត្រី")
    assert word < base * 2.2 < spelt

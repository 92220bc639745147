"""Load the bundled Noto fonts once, so Khmer shapes the same on every kiosk whatever the OS has.

The keyboard and the receipt both call `ensure_fonts()`; `ui/app.py` may call it too (it is
idempotent). Fonts are OFL, shipped in `assets/fonts`.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QFont, QFontDatabase

KHMER_FAMILY = "Noto Sans Khmer"
LATIN_FAMILY = "Noto Sans"
FONT_FILES = (
    "NotoSansKhmer-Regular.ttf",
    "NotoSansKhmer-Bold.ttf",
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
)

_loaded: dict[str, int] = {}


def ensure_fonts() -> None:
    """Register the bundled fonts with Qt (needs a QGuiApplication); safe to call often."""
    for name in FONT_FILES:
        if name in _loaded:
            continue
        data = resources.files("assets").joinpath("fonts", name).read_bytes()
        font_id = QFontDatabase.addApplicationFontFromData(data)
        if font_id < 0:
            raise RuntimeError(f"Qt could not load the bundled font {name}")
        _loaded[name] = font_id


def ui_font(pixel_size: int, *, bold: bool = False) -> QFont:
    """Khmer first, Latin second: Noto Sans Khmer has no Latin letters of its own."""
    ensure_fonts()
    font = QFont()
    font.setFamilies([KHMER_FAMILY, LATIN_FAMILY])
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    return font

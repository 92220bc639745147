"""The technician's tool buttons keep their whole label at every kiosk size, in Khmer and
English: at 1080x1920 portrait a fixed three-a-row grid squeezed "Connect to the ministry
server", "Camera" and the USB buttons below their text (cut on both sides). Now the row holds
as many buttons as fit (`ui.widgets.flow.ButtonGrid`), targets stay large, and a language
switch lays the grid out again. Real kiosk, real widgets, offscreen, the project's stylesheet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QPushButton, QStyle, QStyleOptionButton

from tests.ui.conftest import LONG_WAIT_MS
from tests.ui.test_setup_journey import make_setup_kiosk  # noqa: F401  (the shared fixture)

pytestmark = [pytest.mark.qt, pytest.mark.slow]
SIZES = [(1366, 768), (1920, 1080), (1080, 1920)]
TOOL_BUTTONS = (
    *(f"setupEdit_{s}" for s in ("connection", "commune", "camera", "printer", "scanner")),
    "setupUpdates",
    "setupRunSelfTest",
    "usbExport",
    "usbDiagnostics",
    "usbImport",
    "setupLeave",
    "setupSignOut",
)
MIN_TARGET_PX = 64  # the stylesheet's button height; the brief's "large" target


def label_cut(button: QPushButton) -> str | None:
    """Why `button`'s label does not fit it (None when it does): its text measured with its
    own font against the style's contents rect (padding and border taken off), and its whole
    sizeHint against its laid-out size."""
    opt = QStyleOptionButton()
    button.initStyleOption(opt)
    room = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, button)
    text = button.text()
    fm = button.fontMetrics()
    need_w, need_h = fm.horizontalAdvance(text), fm.height()
    hint = button.sizeHint()
    name = button.objectName()
    if need_w > room.width() or need_h > room.height():
        return f"{name} {text!r}: text {need_w}x{need_h}, room {room.width()}x{room.height()}"
    if button.width() + 1 < hint.width():
        return f"{name} {text!r}: {button.width()} px wide, its label needs {hint.width()}"
    if button.height() < MIN_TARGET_PX:
        return f"{name} {text!r}: only {button.height()} px tall"
    window = button.window()
    right = button.mapTo(window, QPoint(button.width(), 0)).x()
    if right > window.width() + 1:
        return f"{name} {text!r}: sticks out of the window to x={right}"
    return None


def technician_session() -> Any:
    """A signed-in technician as the staff sign-in hands it over ("Leave the kiosk" shows)."""
    from kiosk.staff.model import Role
    from kiosk.staff.session import StaffSession
    from kiosk.text import Text

    name = Text("លី វុទ្ធី", "Ly Vuthy")
    return StaffSession.start("0190f0c2-0000-7000-8000-0000000000c7", name, Role.TECHNICIAN,
                              datetime.now(UTC))  # fmt: skip


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_technician_tool_button_shows_its_whole_label(
    make_setup_kiosk: Callable[..., Any],  # noqa: F811
    qtbot: Any,
    size: tuple[int, int],
) -> None:
    from ui.screenshots import settle
    from ui.setup.hookup import journey

    kiosk = make_setup_kiosk(size=size)
    setup = journey(kiosk)
    setup.open_technician(technician_session())
    tech = kiosk.nav.screens["setup_technician"]
    qtbot.waitUntil(lambda: bool(tech.results.results), timeout=LONG_WAIT_MS)
    problems: list[str] = []
    rows: dict[str, int] = {}
    for locale in ("km", "en", "km"):  # and back: a switch lays the grid out again
        setup.set_locale(locale)
        qtbot.waitUntil(lambda: tech.findChild(QPushButton, "setupLeave").isVisible())
        settle(kiosk)  # the layout requests the new texts posted, as before a screenshot
        assert (kiosk.window.width(), kiosk.window.height()) == size, "the window grew"
        for name in TOOL_BUTTONS:
            button = tech.findChild(QPushButton, name)
            assert button is not None and button.isVisible(), name
            assert button.text(), f"{name} has no label in {locale}"
            cut = label_cut(button)
            if cut:
                problems.append(f"{locale}: {cut}")
        rows[locale] = len({tech.edit[s].y() for s in tech.edit})
    assert not problems, "\n".join(problems)
    if size[0] >= 1366:  # room for three a row in both languages
        assert rows == {"km": 2, "en": 2}


def test_the_grid_takes_as_many_columns_as_fit(qtbot: Any) -> None:
    """Three labels that fit three a row at 1300 px go one a row at 500 px, rows balanced."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from ui.widgets.basic import BigButton
    from ui.widgets.flow import ButtonGrid

    page = QWidget()
    qtbot.addWidget(page)
    grid = ButtonGrid(columns=3)
    labels = ("Connect to the ministry server", "Camera", "Scanner folder (optional)", "Updates")
    for text in labels:
        grid.add(BigButton(text))
    column = QVBoxLayout(page)  # as on a screen: the grid, then a stretch
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(grid)
    column.addStretch(1)
    widest = max(b.sizeHint().width() for b in grid.buttons)
    for width, columns in ((3 * widest + 80, 2), (2 * widest + 40, 2), (widest + 30, 1)):
        page.resize(width, 900)
        page.show()
        qtbot.waitUntil(  # laid out: the page at its width, the grid as tall as it says
            lambda w=width: page.width() == w and grid.height() == grid.heightForWidth(w)
        )
        kept = {b.x() for b in grid.buttons}
        assert len(kept) == columns, (width, kept)  # 4 buttons fitting 3: 2 + 2, not 3 + 1
        for b in grid.buttons:
            assert b.width() >= b.sizeHint().width() and b.height() >= MIN_TARGET_PX
        assert grid.y() + grid.height() <= page.height()  # nothing below the page


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_setup_and_technician_scene_fits(
    make_setup_kiosk: Callable[..., Any],  # noqa: F811
    size: tuple[int, int],
) -> None:
    """The `sala screenshots` scenes of setup and the technician screen (enrolment, updates
    with a hold-back, leave and its confirmation, a USB answer), in both languages: no label
    or button cut, nothing out of the window, no button under 48 px (the citizen screens'
    check, `check_scene`)."""
    from tests.ui.test_layout_screens import check_scene
    from ui.setup.screenshots import scenes

    kiosk = make_setup_kiosk(size=size)
    problems: list[str] = []
    seen: list[str] = []
    for locale in ("km", "en"):
        for scene in scenes(kiosk, locale):
            seen.append(scene)
            assert (kiosk.window.width(), kiosk.window.height()) == size, f"{scene}: grew"
            problems += [f"{locale} {scene}: {p}" for p in check_scene(kiosk.window)]
    assert "setup_09c_technician_leave_confirm" in seen and len(seen) == 2 * 14
    assert not problems, "\n".join(problems[:40])

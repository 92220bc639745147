"""`sala kiosk` paints the citizen's attract screen before PySide builds its `Qt` namespace:
all ~93 enums of it at once, on the first `Qt.…` anyone names (ui/app.py says why). A widget
of the first screen that names one (rather than `set_enum_property`) fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.config import Config, save_config
from tests.ui.test_screens_startup import first_paint

pytestmark = pytest.mark.qt
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args", [["kiosk"], ["kiosk", "--windowed"]], ids=["full", "windowed"])
def test_the_attract_screen_paints_before_the_qt_namespace_is_built(
    tmp_path: Path, args: list[str]
) -> None:
    data = tmp_path / "data"
    save_config(Config(data_dir=data))  # set up: the attract screen, not first-run setup
    fields = first_paint(
        args, SALA_DATA_DIR=str(data), SALA_SECRET_DIR=str(tmp_path / "s"), SALA_PRINTER="none"
    )
    assert fields["QT_NAMESPACE"] == "no", fields
    assert fields["HEAVY"] == "-", fields


def test_what_the_first_screen_sets_by_name_holds(qtbot: Any) -> None:
    """`set_enum_property` sets what `Qt.…` would have; a key Qt does not know is refused; the
    button's pointing hand comes with the first hover, unless a cursor was set meanwhile."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QEnterEvent
    from PySide6.QtWidgets import QApplication

    from ui.widgets.basic import BigButton, set_enum_property, wrap_label

    label = wrap_label("<b>not bold</b>")
    qtbot.addWidget(label)
    set_enum_property(label, "alignment", "AlignCenter")
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.alignment() == Qt.AlignmentFlag.AlignCenter
    with pytest.raises(ValueError, match="textFormat"):
        set_enum_property(label, "textFormat", "Bold")
    plain, beam = BigButton("a"), BigButton("b")
    qtbot.addWidget(plain)
    qtbot.addWidget(beam)
    beam.setCursor(Qt.CursorShape.IBeamCursor)
    assert plain.focusPolicy() == Qt.FocusPolicy.StrongFocus
    for button in (plain, beam):
        at = QPointF(2, 2)
        QApplication.sendEvent(button, QEnterEvent(at, at, at))
    assert plain.cursor().shape() == Qt.CursorShape.PointingHandCursor
    assert beam.cursor().shape() == Qt.CursorShape.IBeamCursor

"""How the staff screens word a queue row, a status and a sync state, in the staff member's
language (`clerk.ui.*`); an unknown word is shown as it is rather than hidden."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QVBoxLayout

from kiosk.i18n import format_datetime
from kiosk.i18n import tr as core_tr
from ui.widgets.basic import MIN_TOUCH_PX, wrap_label
from ui.widgets.text import tr

# (status, sync state) pairs where the sync state only repeats the status
SAYS_THE_SAME = {("submitted", "waiting"), ("uploading", "sending")}


def word(prefix: str, value: str | None, locale: str) -> str:
    """`clerk.ui.<prefix>.<value>` if there is such a text, else the value itself."""
    if not value:
        return ""
    key = f"clerk.ui.{prefix}.{value}"
    text = core_tr(key, locale)
    return value if text == key else text


def when_text(when: datetime | str | None, locale: str) -> str:
    """A stored moment (datetime or ISO text, naive = UTC) in Cambodian time."""
    if when is None or when == "":
        return ""
    if isinstance(when, str):
        try:
            moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return when
    else:
        moment = when
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, locale)


def service_name(catalog: Any, service_id: str, locale: str) -> str:
    service = catalog.services.get(service_id) if catalog is not None else None
    return service.name.get(locale) if service is not None else service_id


class QueueRowCard(QFrame):
    """One application in a list: the whole card is the target (on release, inside it, so
    a drag that scrolls the list opens nothing)."""

    clicked = Signal(str)  # the registration id

    def __init__(self, row: Any, locale: str, catalog: Any) -> None:
        super().__init__()
        self.reg_id = row.reg_id
        self.setObjectName(f"row_{row.app_number}")
        self.setProperty("role", "card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(MIN_TOUCH_PX + 24)
        box = QVBoxLayout(self)
        box.setContentsMargins(20, 10, 20, 10)
        box.setSpacing(2)
        self.title = wrap_label(row.name or row.app_number, role="card_title")
        box.addWidget(self.title)
        service = service_name(catalog, row.service_id, locale)
        box.addWidget(wrap_label(f"{row.app_number} · {service}", role="card_line"))
        parts = [when_text(row.submitted_at, locale), word("status", row.status, locale)]
        if (row.status, row.sync_state) not in SAYS_THE_SAME:
            parts.append(word("sync", row.sync_state, locale))
        box.addWidget(wrap_label(" · ".join(p for p in parts if p), role="card_hint"))
        if row.note:
            box.addWidget(
                wrap_label(tr("clerk.ui.row.note", locale, note=row.note), role="card_hint")
            )

    def mousePressEvent(self, event: Any) -> None:
        event.accept()

    def mouseReleaseEvent(self, event: Any) -> None:
        if self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.reg_id)
        event.accept()

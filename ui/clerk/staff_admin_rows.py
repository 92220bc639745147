"""One staff account on the supervisor's staff screen (`clerk_staff`): who, role, state and
where the account is managed, with only the buttons the core would accept for it.

What is offered mirrors `kiosk.staff.StaffDesk`: nothing on one's own account; Unlock for a
locked account; Reset PIN and Turn off for an active clerk (of the ministry's roster or added
here); supervisors and technicians are changed only by the ministry, and say so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QVBoxLayout

from ui.clerk.widgets import Avatar
from ui.widgets.basic import BigButton, wrap_label
from ui.widgets.text import digits, tr

WIDE_PX = 1100  # a card at least this wide has its buttons beside the name, else below it


def minutes_left(member: Any, now: datetime) -> int:
    """Whole minutes until a locked account opens by itself (at least 1)."""
    seconds = (member.locked_until - now).total_seconds()
    return max(1, int(seconds + 59) // 60)


def state_text(member: Any, now: datetime, locale: str) -> str:
    """Active / locked with minutes left / turned off / waiting for the first sign-in."""
    if not member.active:
        return tr("clerk.ui.staff.state.disabled", locale)
    if member.locked(now):
        n = digits(minutes_left(member, now), locale)
        return tr("clerk.ui.staff.state.locked", locale, minutes=n)
    if member.needs_code:
        return tr("clerk.ui.staff.state.first", locale)
    return tr("clerk.ui.staff.state.active", locale)


def allowed(member: Any, me: str, now: datetime) -> tuple[str, ...]:
    """The actions the core accepts from supervisor `me` on `member` ("unlock", "reset",
    "disable"), in the order the buttons show."""
    if member.id == me or not member.active:
        return ()
    out: list[str] = []
    if member.locked(now):
        out.append("unlock")
    if str(member.role) == "clerk":
        out += ["reset", "disable"]
    return tuple(out)


def origin_key(member: Any, me: str) -> str:
    """Where the account is managed: the ministry alone (not a clerk), the ministry's roster
    (a clerk the supervisor may still turn off or reset here), or this kiosk."""
    if str(member.role) != "clerk" and member.id != me:
        return "clerk.ui.staff.origin.ministry"
    if member.origin == "local":
        return "clerk.ui.staff.origin.local"
    return "clerk.ui.staff.origin.roster"


class StaffAdminRow(QFrame):
    """A card: avatar, name (both languages), role · state, origin, and its buttons."""

    acted = Signal(str, object)  # ("unlock" | "reset" | "disable" | "photo", the StaffMember)

    def __init__(self, member: Any, me: str, now: datetime, locale: str) -> None:
        super().__init__()
        self.member = member
        self.setObjectName(f"staffRow_{member.id}")
        self.setProperty("role", "card")
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(20, 14, 20, 14)
        self.box.setSpacing(16)
        who = QHBoxLayout()
        who.setSpacing(20)
        avatar = Avatar(72)
        avatar.set_person(member.id, member.name.en, member.name.km)
        who.addWidget(avatar, 0, Qt.AlignmentFlag.AlignTop)
        col = QVBoxLayout()
        col.setSpacing(2)
        name = member.name.get(locale)
        if member.id == me:
            name = tr("clerk.ui.staff.you", locale, name=name)
        self.title = wrap_label(name, role="card_title")
        col.addWidget(self.title)
        other = member.name.get("en" if locale == "km" else "km")
        if other and other != member.name.get(locale):
            col.addWidget(wrap_label(other, role="card_line"))
        self.state = wrap_label(role="card_line")
        self.state.setObjectName(f"staffState_{member.id}")
        self.refresh(now, locale)
        col.addWidget(self.state)
        self.origin = wrap_label(tr(origin_key(member, me), locale), role="card_hint")
        self.origin.setObjectName(f"staffOrigin_{member.id}")
        col.addWidget(self.origin)
        who.addLayout(col, 1)
        self.box.addLayout(who, 1)
        self.buttons: dict[str, BigButton] = {}
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addStretch(1)
        labels = {"unlock": "unlock", "reset": "reset", "disable": "disable"}
        self.photo_button: BigButton | None = None
        if member.active:  # a supervisor photographs any active account, their own too
            self.photo_button = BigButton(tr("clerk.ui.staff.photo", locale), kind="secondary")
            self.photo_button.setObjectName(f"staffPhoto_{member.id}")
            self.photo_button.clicked.connect(lambda _c=False: self.acted.emit("photo", member))
            row.addWidget(self.photo_button)
        for action in allowed(member, me, now):
            button = BigButton(tr(f"clerk.ui.staff.{labels[action]}", locale), kind="secondary")
            button.setObjectName(f"staff{action.capitalize()}_{member.id}")
            button.clicked.connect(lambda _c=False, a=action: self.acted.emit(a, self.member))
            row.addWidget(button)
            self.buttons[action] = button
        self.box.addLayout(row, 0)
        self._wide: bool | None = None
        self.place(self.width())

    def refresh(self, now: datetime, locale: str) -> None:
        """Say the state at `now` (a lock's minutes count down; at its end, no Unlock)."""
        role = tr(f"staff.role.{self.member.role}", locale)
        self.state.setText(f"{role} · {state_text(self.member, now, locale)}")
        unlock = getattr(self, "buttons", {}).get("unlock")
        if unlock is not None and not self.member.locked(now):
            unlock.hide()

    def place(self, width: int) -> None:
        """Buttons beside the name on a wide card, under it on a narrow one (portrait)."""
        wide = width >= WIDE_PX
        if wide != self._wide:
            self._wide = wide
            direction = (
                QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
            )
            self.box.setDirection(direction)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.place(self.width())

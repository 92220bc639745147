"""`staff_signin`: choose your name. Large cards (the person's photo, or an initials avatar
when there is none; name in both languages, role, and whether the account is locked or turned
off); a tap opens the PIN pad. Photos come decoded and small from `ui.clerk.staff_photo`.

Also the supervisor picker when a locked account is to be unlocked by a supervisor
(`purpose="unlock"`, `target=` the locked member): only other active supervisors are shown.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QGridLayout

from kiosk.i18n import error_text
from ui.clerk.staff_photo import load_photos, show_photo
from ui.clerk.widgets import MemberCard
from ui.screens.base import Screen, clear_layout
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

    from ui.clerk.journey import ClerkJourney
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
CARD_WIDTH = 560  # px a member card wants; the grid has as many columns as fit (1-3)


class StaffSignInScreen(Screen):
    name = "staff_signin"
    nav: ClerkJourney

    def __init__(self, ctx: AppContext, nav: ClerkJourney) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.heading.setObjectName("signinHeading")
        self.hint = wrap_label(role="hint")
        self.error = ErrorLabel()
        self.error.setObjectName("signinError")
        self.status = wrap_label(role="body")
        self.status.setObjectName("signinStatus")
        self.grid = QGridLayout()
        self.grid.setSpacing(18)
        for w in (self.heading, self.hint, self.error, self.status):
            self.body.addWidget(w)
        self.body.addLayout(self.grid)
        self.body.addStretch(1)
        self.back = BigButton(kind="secondary")
        self.back.setObjectName("signinBack")
        self.back.clicked.connect(self._on_back)
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self.cards: list[MemberCard] = []
        self.members: list[Any] = []
        self._purpose = "sign_in"
        self._target: Any = None
        self._loaded = False
        self._columns = 0
        self.photos: dict[str, Any] = {}  # staff id -> thumbnail QImage

    # -- the Screen protocol -------------------------------------------------------------------
    def enter(self, purpose: str = "sign_in", target: Any = None, **kw: Any) -> None:
        self._purpose, self._target = purpose, target
        self.error.clear_error()
        notice = self.nav.take_notice() if purpose == "sign_in" else None
        if notice:
            self.error.show_error(self.tr(notice, minutes=3))
        self._loaded = False
        self.members = []
        self._fill()
        self.retranslate()
        self.scroll_to_top()
        self.nav.run_staff(
            lambda desk: desk.members(include_disabled=True), self._on_members, self._on_failed
        )

    def retranslate(self) -> None:
        if self._purpose == "unlock" and self._target is not None:
            name = self._target.name.get(self.lang)
            self.heading.setText(self.tr("clerk.ui.signin.unlock_title", name=name))
        else:
            self.heading.setText(self.tr("clerk.ui.signin.title"))
        self.hint.setText(self.tr("clerk.ui.signin.hint"))
        self.hint.setVisible(self._purpose == "sign_in")
        self.back.setText(self.tr("clerk.ui.back"))
        self._fill()

    def reset(self) -> None:
        self._purpose, self._target = "sign_in", None
        self.members = []
        self.photos = {}
        self._loaded = False
        self.error.clear_error()
        self._fill()

    # -- members -------------------------------------------------------------------------------
    def _on_members(self, members: list[Any]) -> None:
        if self._purpose == "unlock":
            target_id = getattr(self._target, "id", None)
            members = [
                m for m in members if str(m.role) == "supervisor" and m.active and m.id != target_id
            ]
        self.members = members
        self._loaded = True
        self._fill()
        load_photos(self.ctx, self.nav.run_staff, self._on_photos)

    def _on_photos(self, photos: dict[str, Any]) -> None:
        """Thumbnails arrived (read and decoded off the GUI thread): on the cards now."""
        if not self._loaded:
            return  # wiped meanwhile
        self.photos = photos
        for card in self.cards:
            show_photo(card, photos.get(card.member.id))

    def _on_failed(self, exc: BaseException) -> None:
        log.error("staff list not read: %s", exc)
        self._loaded = True
        self.error.show_error(error_text(exc, self.lang, fallback="clerk.ui.error"))

    def _state_text(self, member: Any) -> str:
        if not member.active:
            return self.tr("staff.status.disabled")
        now = self.nav.now()
        if member.locked(now):
            left = max(1, int((member.locked_until - now).total_seconds() + 59) // 60)
            return self.tr("clerk.ui.card.locked", minutes=left)
        if member.needs_code:
            return self.tr("clerk.ui.card.first")
        return ""

    def _fill(self) -> None:
        """(Re)make the cards in the screen's language."""
        clear_layout(self.grid)
        self.cards = []
        if not self._loaded:
            self.status.setText(self.tr("clerk.ui.loading"))
            self.status.show()
            return
        if not self.members:
            which = "no_supervisor" if self._purpose == "unlock" else "none"
            self.status.setText(self.tr(f"clerk.ui.signin.{which}"))
            self.status.show()
            return
        self.status.hide()
        columns = self._columns_for(self.width())
        self._columns = columns
        for i, member in enumerate(self.members):
            card = MemberCard(member, self.lang, self._state_text(member))
            card.clicked.connect(self._on_card)
            show_photo(card, self.photos.get(member.id))
            self.grid.addWidget(card, i // columns, i % columns)
            self.cards.append(card)

    @staticmethod
    def _columns_for(width: int) -> int:
        return max(1, min(3, (width - 96) // CARD_WIDTH))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.cards and self._columns_for(self.width()) != self._columns:
            self._fill()

    def _on_card(self, member: Any) -> None:
        if not member.active:
            self.error.show_error(self.tr("staff.disabled"))
            return
        self.error.clear_error()
        self.nav.go("staff_pin", member=member, purpose=self._purpose, target=self._target)

    def _on_back(self) -> None:
        if self._purpose == "unlock" and self._target is not None:
            self.nav.go("staff_pin", member=self._target)
        else:
            self.nav.end_session("user")

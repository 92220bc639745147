"""`staff_pin`: the 6-digit PIN on a large numeric pad, and what follows a refusal.

Modes: "pin" (sign in; a first sign-in takes the one-time code here, 6-12 digits), "new" and
"repeat" (choose the PIN after a one-time code), "code" (the back office's unlock code for a
locked account). With `purpose="unlock"` the member is a supervisor whose PIN opens `target`'s
locked account; the supervisor is signed out again at once. Every check runs on the db worker
(Argon2id is slow by design); wrong, locked and turned-off accounts are told in the staff
member's language (`staff.*` texts), and the digits typed are never kept after a check.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.i18n import error_text
from ui.clerk.widgets import Avatar, PinPad
from ui.screens.base import Screen
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

    from ui.clerk.journey import ClerkJourney
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
PIN_LENGTH = 6
CODE_MAX = 12


class FirstSignInNeeded(Exception):
    """A supervisor who must still finish their own first sign-in cannot unlock others."""

    message_key = "clerk.ui.pin.first_needed"


class StaffPinScreen(Screen):
    name = "staff_pin"
    nav: ClerkJourney

    def __init__(self, ctx: AppContext, nav: ClerkJourney) -> None:
        super().__init__(ctx, nav)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setSpacing(48)
        left = QVBoxLayout()
        left.setSpacing(14)
        who = QHBoxLayout()
        who.setSpacing(18)
        self.avatar = Avatar(96)
        who.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        self.who = wrap_label(role="subheading")
        self.who.setObjectName("pinWho")
        who.addWidget(self.who, 1)
        left.addLayout(who)
        self.heading = wrap_label(role="heading")
        self.heading.setObjectName("pinHeading")
        self.hint = wrap_label(role="hint")
        self.hint.setObjectName("pinHint")
        self.info = wrap_label(role="confirm")
        self.info.setObjectName("pinInfo")
        self.info.hide()
        self.error = ErrorLabel()
        self.error.setObjectName("pinError")
        for w in (self.heading, self.hint, self.info, self.error):
            left.addWidget(w)
        self.by_code = BigButton(kind="secondary")
        self.by_code.setObjectName("pinUnlockCode")
        self.by_code.clicked.connect(self._on_by_code)
        self.by_supervisor = BigButton(kind="secondary")
        self.by_supervisor.setObjectName("pinUnlockSupervisor")
        self.by_supervisor.clicked.connect(self._on_by_supervisor)
        left.addWidget(self.by_code)
        left.addWidget(self.by_supervisor)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(14)
        self.pad = PinPad()
        self.pad.changed.connect(self._on_changed)
        right.addWidget(self.pad)
        right.addStretch(1)
        self.left_box, self.right_box = QWidget(), QWidget()
        self.left_box.setLayout(left)
        self.right_box.setLayout(right)
        self.row.addWidget(self.left_box, 1)
        self.row.addWidget(self.right_box, 0)
        self.body.addLayout(self.row, 1)
        self.back = BigButton(kind="secondary")
        self.back.setObjectName("pinBack")
        self.back.clicked.connect(self._on_back)
        # The primary action in the footer, as on every screen: always in view at 1366×768.
        self.submit = BigButton(kind="primary")
        self.submit.setObjectName("pinSubmit")
        self.submit.clicked.connect(self._on_submit)
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self.footer.addWidget(self.submit)
        self.member: Any = None
        self.purpose = "sign_in"
        self.target: Any = None
        self.mode = "pin"
        self._ticket: Any = None
        self._first: str | None = None
        self._busy = False
        self._locked = False
        self._info_key: str | None = None
        self._error: BaseException | str | None = None

    # -- the Screen protocol -------------------------------------------------------------------
    def enter(
        self,
        member: Any = None,
        purpose: str = "sign_in",
        target: Any = None,
        notice: str | None = None,
        **kw: Any,
    ) -> None:
        self.reset()
        self.member, self.purpose, self.target = member, purpose, target
        self._info_key = notice
        if member is not None:
            self.avatar.set_person(member.id, member.name.en, member.name.km)
            self._locked = member.locked(self.nav.now())
        self._set_mode("pin")
        self.scroll_to_top()

    def reset(self) -> None:
        self.member, self.target, self.purpose = None, None, "sign_in"
        self._ticket, self._first = None, None
        self._busy = self._locked = False
        self._info_key = None
        self._error = None
        self.mode = "pin"
        self.pad.clear()
        self.avatar.clear()
        self.who.setText("")
        self.error.clear_error()
        self.info.hide()

    def retranslate(self) -> None:
        loc = self.lang
        if self.member is not None:
            name = self.member.name.get(loc)
            role = self.tr(f"staff.role.{self.member.role}")
            self.who.setText(f"{name}\n{role}")
        key = {
            "pin": "clerk.ui.pin.title",
            "new": "clerk.ui.pin.new",
            "repeat": "clerk.ui.pin.repeat",
            "code": "clerk.ui.pin.unlock_code",
        }[self.mode]
        if self.mode == "pin" and self.purpose == "unlock" and self.target is not None:
            self.heading.setText(
                self.tr("clerk.ui.pin.supervisor", target=self.target.name.get(loc))
            )
        else:
            self.heading.setText(self.tr(key))
        hint = ""
        if self.mode == "pin" and self.member is not None and self.member.needs_code:
            hint = self.tr("clerk.ui.pin.code_hint")
        elif self.mode == "new":
            hint = self.tr("clerk.ui.pin.new_hint")
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.info.setText(self.tr(self._info_key) if self._info_key else "")
        self.info.setVisible(bool(self._info_key))
        if isinstance(self._error, BaseException):
            self.error.show_error(error_text(self._error, loc, fallback="clerk.ui.error"))
        elif isinstance(self._error, str):
            self.error.show_error(self.tr(self._error))
        else:
            self.error.clear_error()
        submit = {"pin": "sign_in", "new": "next", "repeat": "sign_in", "code": "unlock"}
        verb = "unlock" if self.purpose == "unlock" else submit[self.mode]
        self.submit.setText(self.tr(f"clerk.ui.pin.{verb}"))
        self.by_code.setText(self.tr("clerk.ui.pin.by_code"))
        self.by_supervisor.setText(self.tr("clerk.ui.pin.by_supervisor"))
        unlockable = self._locked and self.mode == "pin" and self.purpose == "sign_in"
        self.by_code.setVisible(unlockable)
        self.by_supervisor.setVisible(unlockable)
        self.back.setText(self.tr("clerk.ui.back"))
        self.pad.retranslate(loc)
        self._on_changed(len(self.pad.value))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = self.width() >= self.height()
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.row.direction() != direction:
            self.row.setDirection(direction)
            # side by side the text column takes the room; stacked, the pad follows the text
            self.row.setStretch(0, 1 if wide else 0)
            self.row.setStretch(1, 0 if wide else 1)

    # -- typing --------------------------------------------------------------------------------
    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        self.pad.clear()
        code_ok = mode == "code" or (
            mode == "pin" and self.member is not None and self.member.needs_code
        )
        self.pad.set_max_length(CODE_MAX if code_ok else PIN_LENGTH)
        self.retranslate()

    def _on_changed(self, n: int) -> None:
        self.submit.setEnabled(not self._busy and n >= PIN_LENGTH)
        if n:
            self.info.hide()

    def _busy_with(self, busy: bool) -> None:
        self._busy = busy
        self.pad.setEnabled(not busy)
        if busy:
            self.submit.setText(self.tr("clerk.ui.pin.checking"))
            self.submit.setEnabled(False)
        else:
            self.retranslate()

    def _show_error(self, error: BaseException | str | None) -> None:
        self._error = error
        self._info_key = None
        self.retranslate()

    # -- what a PIN does -----------------------------------------------------------------------
    def _on_submit(self) -> None:
        if self._busy or self.member is None:
            return
        typed = self.pad.value
        if len(typed) < PIN_LENGTH:
            self._show_error("clerk.ui.pin.need_digits")
            return
        self._error = None
        if self.mode == "new":
            self._choose_first(typed)
            return
        self.pad.clear()  # the digits are not kept while they are checked
        self._busy_with(True)
        member, target = self.member, self.target
        if self.mode == "pin" and self.purpose == "unlock":
            self.nav.run_staff(
                lambda desk: _unlock_as_supervisor(desk, member.id, typed, target.id),
                self._on_unlocked,
                self._on_refused,
            )
        elif self.mode == "pin":
            self.nav.run_staff(
                lambda desk: desk.sign_in(member.id, typed), self._on_signed_in, self._on_refused
            )
        elif self.mode == "repeat":
            ticket, first = self._ticket, self._first
            self.nav.run_staff(
                lambda desk: desk.finish_first_sign_in(ticket, first, typed),
                self._on_signed_in,
                self._on_refused,
            )
        else:  # "code"
            self.nav.run_staff(
                lambda desk: desk.unlock_with_code(member.id, typed),
                lambda _r: self._after_unlock(),
                self._on_refused,
            )

    def _choose_first(self, typed: str) -> None:
        """The new PIN, checked here for its form (no Argon2): then type it again."""
        from kiosk.staff import check_pin

        try:
            check_pin(typed)
        except Exception as exc:  # WeakPin, PinFormat: say why, the pad is cleared
            self.pad.clear()
            self._show_error(exc)
            return
        self._first = typed
        self._error = None
        self._set_mode("repeat")

    def _on_signed_in(self, result: Any) -> None:
        from kiosk.staff import FirstSignIn

        self._busy_with(False)
        if isinstance(result, FirstSignIn):
            self._ticket = result
            self._error = None
            self._set_mode("new")
            return
        self.nav.begin(result, self._on_refused)

    def _on_refused(self, exc: BaseException) -> None:
        from kiosk.staff import AccountLocked, PinMismatch, SessionExpired, WeakPin

        self._busy_with(False)
        if not hasattr(exc, "message_key"):
            log.error("staff sign-in failed", exc_info=exc)
        if isinstance(exc, AccountLocked):
            self._locked = True
        if self.mode == "repeat" and isinstance(exc, PinMismatch | WeakPin):
            self._first = None
            self._set_mode("new")
        elif self.mode == "repeat" and isinstance(exc, SessionExpired):
            self._ticket = self._first = None
            self._set_mode("pin")
        self._show_error(exc)

    def _on_unlocked(self, _result: Any) -> None:
        """A supervisor opened the account: back to its owner's PIN."""
        self._busy_with(False)
        target = self.target
        self.nav.go("staff_pin", member=_unlocked(target), notice="clerk.ui.pin.unlocked")

    def _after_unlock(self) -> None:
        self._busy_with(False)
        self._locked = False
        self.member = _unlocked(self.member)
        self._info_key = "clerk.ui.pin.unlocked"
        self._error = None
        self._set_mode("pin")

    # -- buttons -------------------------------------------------------------------------------
    def _on_by_code(self) -> None:
        self._error = None
        self._set_mode("code")

    def _on_by_supervisor(self) -> None:
        self.nav.go("staff_signin", purpose="unlock", target=self.member)

    def _on_back(self) -> None:
        if self.mode in ("code", "new", "repeat") and self.purpose == "sign_in":
            self._error = None
            self._ticket = self._first = None
            self._set_mode("pin")
        elif self.purpose == "unlock" and self.target is not None:
            self.nav.go("staff_pin", member=self.target)
        else:
            self.nav.go("staff_signin")


def _unlock_as_supervisor(desk: Any, supervisor_id: str, pin: str, target_id: str) -> None:
    """On the db worker: sign the supervisor in, unlock, sign them out again."""
    from kiosk.staff import FirstSignIn

    session = desk.sign_in(supervisor_id, pin)
    if isinstance(session, FirstSignIn):
        raise FirstSignInNeeded("the supervisor must finish their first sign-in")
    try:
        desk.unlock(session, target_id)
    finally:
        desk.sign_out(session, reason="user")


def _unlocked(member: Any) -> Any:
    """The same member, shown unlocked (the store holds the truth; the next try checks)."""
    from dataclasses import replace

    try:
        return replace(member, locked_until=None)
    except TypeError:
        return member

"""`clerk_staff`: the supervisor's staff screen (issue 12). It lists the commune's accounts
(`staff_admin_rows`) and lets a supervisor add a local clerk, turn a clerk's account off (after
a confirmation), give a clerk a new one-time code, and unlock a locked account; plus the USB
export for the supervisor (issue 15, `ui.usb.panel`, when installed).

Every check and change is `kiosk.staff.StaffDesk`'s, on the db worker (making a code's
Argon2id verifier is slow by design): the core authorises the session, so a clerk who reaches
this screen is refused in their language and sees no one. A one-time code is held only while
it shows, then forgotten; only its verifier is stored.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.i18n import error_text
from kiosk.text import Text
from ui.clerk.actions.base import line_edit
from ui.clerk.staff_admin_rows import StaffAdminRow
from ui.clerk.staff_photo import StaffPhotoPanel, load_photos, show_photo
from ui.screens.ahead import later
from ui.screens.base import Screen, clear_layout
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label
from ui.widgets.text import digits

if TYPE_CHECKING:
    from ui.clerk.journey import ClerkJourney
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
MANAGE = "manage_local_clerks"  # kiosk.staff.Action.MANAGE_LOCAL_CLERKS
HOME = "clerk_home"
TICK_MS = 15_000
MODES = ("list", "add", "confirm", "code", "refused", "photo")


def _usb_panel_class() -> Any:
    """`ui.usb.panel.UsbPanel` when that package is installed (issue 15), else None."""
    if importlib.util.find_spec("ui.usb") is None:
        return None
    try:
        from ui.usb.panel import UsbPanel
    except ImportError as exc:
        log.error("USB panel not loaded: %s", exc)
        return None
    return UsbPanel


def _authorised_members(desk: Any, session: Any) -> list[Any]:
    """On the db worker: NotAllowed unless the session may manage staff; then every account."""
    desk.authorise(session, MANAGE)
    return list(desk.members(include_disabled=True))


class StaffAdminScreen(Screen):
    name = "clerk_staff"
    nav: ClerkJourney

    def __init__(self, ctx: AppContext, nav: ClerkJourney) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.heading.setObjectName("staffHeading")
        self.hint = wrap_label(role="hint")
        self.hint.setObjectName("staffHint")
        self.error = ErrorLabel()
        self.error.setObjectName("staffError")
        self.done = wrap_label(role="confirm")
        self.done.setObjectName("staffDone")
        self.done.hide()
        for w in (self.heading, self.hint, self.error, self.done):
            self.body.addWidget(w)
        # list: a card per account, then the USB export
        self.list_box = QWidget()
        self.rows_box = QVBoxLayout(self.list_box)
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.rows_box.setSpacing(12)
        self.body.addWidget(self.list_box)
        self.usb_box = QWidget()
        self.usb_layout = QVBoxLayout(self.usb_box)
        self.usb_layout.setContentsMargins(0, 12, 0, 0)
        self.usb_title = wrap_label(role="subheading")
        self.usb_layout.addWidget(self.usb_title)
        self.usb: Any = None
        self.body.addWidget(self.usb_box)
        # add: the name in Khmer and in Latin letters, on the on-screen keyboard
        self.add_box = QWidget()
        add = QVBoxLayout(self.add_box)
        add.setContentsMargins(0, 0, 0, 0)
        add.setSpacing(8)
        self.km_label = wrap_label(role="subheading")
        self.name_km = line_edit("staffNameKm", "km")
        self.en_label = wrap_label(role="subheading")
        self.name_en = line_edit("staffNameEn", "en")
        self.name_en.returnPressed.connect(self._on_save)
        # A refused name is said under the boxes: in view above the keyboard (scrolled to).
        self.add_error = ErrorLabel()
        self.add_error.setObjectName("staffAddError")
        for part in (self.km_label, self.name_km, self.en_label, self.name_en, self.add_error):
            add.addWidget(part)
        self.body.addWidget(self.add_box)
        # code: the one-time code, large, with what to do with it
        self.code_box = QWidget()
        code = QVBoxLayout(self.code_box)
        code.setContentsMargins(0, 0, 0, 0)
        code.setSpacing(8)
        self.code = wrap_label(role="app_number")
        self.code.setObjectName("staffCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.code_latin = wrap_label(role="lead")
        self.code_latin.setObjectName("staffCodeLatin")
        self.code_text = wrap_label(role="body")
        self.code_text.setObjectName("staffCodeText")
        for w in (self.code, self.code_latin, self.code_text):
            code.addWidget(w)
        self.body.addWidget(self.code_box)
        # photo: the camera panel (its camera runs only while it shows)
        self.photo_panel = StaffPhotoPanel(
            ctx, lambda fn, done, failed: self._staff(fn, done, failed), lambda: self.nav.session
        )
        self.photo_panel.saved.connect(lambda m: self._on_photo_done("photo_set", m))
        self.photo_panel.removed.connect(lambda m: self._on_photo_done("photo_removed", m))
        self.body.addWidget(self.photo_panel)
        self.photos: dict[str, Any] = {}  # staff id -> thumbnail QImage
        self.body.addStretch(1)
        self.back = self._button("staffBack", "secondary", self._on_back)
        self.cancel = self._button("staffCancel", "secondary", self._show_list)
        self.footer.addStretch(1)
        self.add = self._button("staffAdd", "primary", self._on_add)
        self.save = self._button("staffSave", "primary", self._on_save)
        self.confirm = self._button("staffConfirm", "primary", self._on_confirm)
        self.code_done = self._button("staffCodeDone", "primary", self._show_list)
        self.members: list[Any] = []
        self.rows: dict[str, StaffAdminRow] = {}
        self.mode = "list"
        self.target: Any = None  # the member being turned off, or shown a code for
        self._code: str | None = None  # only while it shows
        self._done_key: tuple[str, Any] | None = None
        self._error: BaseException | None = None
        self._busy = False
        self._loaded = False
        self._ask = 0  # the latest list request: older answers are dropped
        self._epoch = 0  # a new visit (or a wipe): answers to the old one are dropped
        # While an account is locked, its minutes left count down on screen (no store read).
        self._ticker = QTimer(self, interval=TICK_MS)
        self._ticker.timeout.connect(self.tick)
        self._show_mode()

    def _button(self, name: str, kind: str, slot: Callable[[], None]) -> BigButton:
        button = BigButton(kind=kind)
        button.setObjectName(name)
        button.clicked.connect(slot)
        self.footer.addWidget(button)
        return button

    # -- the Screen protocol ---------------------------------------------------------------
    def enter(self, **kw: Any) -> None:
        self._epoch += 1
        self._clear()
        self.retranslate()
        self.scroll_to_top()
        self._load()

    def reset(self) -> None:
        """Nobody's name or code stays: the rows go, the boxes are emptied."""
        self._ask += 1
        self._epoch += 1
        if self.usb is not None and not getattr(self.usb, "_busy", False):
            self.usb.hide()
            self.usb.deleteLater()  # its last outcome goes with it
            self.usb = None
        self._clear()
        self._fill()

    def _clear(self) -> None:
        self.members, self.target, self._code, self._loaded = [], None, None, False
        self.photos = {}
        self.photo_panel.reset()
        self._done_key, self._error = None, None
        self.mode = "list"
        self._ticker.stop()
        self._set_busy(False)
        self.name_km.clear()
        self.name_en.clear()
        self.code.clear()
        self.code_latin.clear()
        self.code_text.clear()
        self.error.clear_error()
        self.done.hide()
        self._show_mode()

    def retranslate(self) -> None:
        self.heading.setText(self._heading())
        self.hint.setText(self._hint())
        self.back.setText(self.tr("clerk.ui.staff.back"))
        self.cancel.setText(self.tr("clerk.ui.staff.cancel"))
        self.add.setText(self.tr("clerk.ui.staff.add"))
        self.save.setText(self.tr("clerk.ui.staff.add_save"))
        self.confirm.setText(self.tr("clerk.ui.staff.confirm_yes"))
        self.code_done.setText(self.tr("clerk.ui.staff.code_done"))
        self.km_label.setText(self.tr("clerk.ui.staff.name_km"))
        self.en_label.setText(self.tr("clerk.ui.staff.name_en"))
        self.usb_title.setText(self.tr("clerk.ui.staff.usb"))
        if self.usb is not None:
            self.usb.retranslate()
        if self.mode == "photo":
            self.photo_panel.retranslate(self.lang)
        self._show_code()
        self._show_messages()
        self._fill()

    def _heading(self) -> str:
        name = self.target.name.get(self.lang) if self.target is not None else ""
        if self.mode == "add":
            return self.tr("clerk.ui.staff.add_title")
        if self.mode == "confirm":
            return self.tr("clerk.ui.staff.confirm_title", name=name)
        if self.mode == "code":
            return self.tr("clerk.ui.staff.code_title", name=name)
        if self.mode == "photo":
            return self.tr("clerk.ui.staff.photo_title", name=name)
        return self.tr("clerk.ui.staff.title")

    def _hint(self) -> str:
        if self.mode == "confirm" and self.target is not None:
            return self.tr("clerk.ui.staff.confirm_text", name=self.target.name.get(self.lang))
        if self.mode == "photo" and self.target is not None:
            return self.tr("clerk.ui.staff.photo_hint", name=self.target.name.get(self.lang))
        return self.tr("clerk.ui.staff.add_hint" if self.mode == "add" else "clerk.ui.staff.hint")

    def _show_mode(self) -> None:
        mode = self.mode
        self.list_box.setVisible(mode == "list")
        self.usb_box.setVisible(mode == "list" and self.usb is not None)
        self.add_box.setVisible(mode == "add")
        self.code_box.setVisible(mode == "code")
        self.photo_panel.setVisible(mode == "photo")
        self.hint.setVisible(mode in ("list", "add", "confirm", "photo"))
        self.back.setVisible(mode in ("list", "refused"))
        self.cancel.setVisible(mode in ("add", "confirm", "photo"))
        self.add.setVisible(mode == "list" and self._loaded)  # once the core said yes
        self.save.setVisible(mode == "add")
        self.confirm.setVisible(mode == "confirm")
        self.code_done.setVisible(mode == "code")

    def _set_mode(self, mode: str) -> None:
        if self.mode == "photo" and mode != "photo":
            self.photo_panel.reset()  # the camera stops, the portrait is forgotten
        self.mode = mode
        if mode != "code":
            self._code = None
            self.code.clear()
            self.code_latin.clear()
        self._show_mode()
        self.retranslate()
        self.scroll_to_top()

    # -- messages, kept so a language switch says them again ---------------------------------
    def _show_messages(self) -> None:
        here, other = (
            (self.add_error, self.error) if self.mode == "add" else (self.error, self.add_error)
        )
        other.clear_error()
        if self._error is not None:
            here.show_error(error_text(self._error, self.lang, fallback="clerk.ui.error"))
            if here is self.add_error:
                later(0, lambda: self.scroll_area.ensureWidgetVisible(self.add_error, 0, 8))
        else:
            here.clear_error()
        if self._done_key is not None:
            key, member = self._done_key
            self.done.setText(self.tr(key, name=member.name.get(self.lang)))
        self.done.setVisible(self._done_key is not None)

    def _say(self, error: BaseException | None = None, done: tuple[str, Any] | None = None) -> None:
        self._error, self._done_key = error, done
        self._show_messages()

    # -- the list -----------------------------------------------------------------------------
    def _load(self) -> None:
        self._ask += 1
        ask = self._ask
        session = self.nav.session

        def done(members: list[Any]) -> None:
            if ask != self._ask:
                return
            self.members, self._loaded = members, True
            load_photos(self.ctx, self.nav.run_staff, self._on_photos)
            if self.usb is None and (panel := _usb_panel_class()) is not None:
                self.usb = panel(self.ctx, actions=("export",))
                self.usb.who = lambda: self.nav.session  # the core checks and records them
                self.usb_layout.addWidget(self.usb)
            self._show_mode()
            self._fill()

        def failed(exc: BaseException) -> None:
            if ask == self._ask:
                from kiosk.staff import NotAllowed

                if isinstance(exc, NotAllowed):
                    self._set_mode("refused")
                self._say(error=exc)

        self._staff(lambda desk: _authorised_members(desk, session), done, failed, busy=False)

    def _fill(self) -> None:
        """(Re)make the cards in the screen's language (names, states, buttons)."""
        clear_layout(self.rows_box)
        self.rows = {}
        session = self.nav.session
        if session is None or self.mode == "refused":
            return
        now = self.nav.now()
        for member in self.members:
            row = StaffAdminRow(member, session.staff_id, now, self.lang)
            row.acted.connect(self._on_row)
            self.rows_box.addWidget(row)
            self.rows[member.id] = row
            show_photo(row, self.photos.get(member.id))
            for button in self._buttons_of(row):
                button.setEnabled(not self._busy)
        if any(m.locked(now) for m in self.members):
            self._ticker.start()
        else:
            self._ticker.stop()
        if not self.members:
            key = "clerk.ui.staff.none" if self._loaded else "clerk.ui.loading"
            self.rows_box.addWidget(wrap_label(self.tr(key), role="body"))

    def _on_photos(self, photos: dict[str, Any]) -> None:
        """Thumbnails arrived (off the GUI thread): put them on the rows, initials elsewhere."""
        if self.nav.session is None:
            return
        self.photos = photos
        for staff_id, row in self.rows.items():
            show_photo(row, photos.get(staff_id))

    def tick(self) -> None:
        """Re-say each account's state at the journey's clock (minutes left, lock over)."""
        now = self.nav.now()
        for row in self.rows.values():
            row.refresh(now, self.lang)
        if not any(m.locked(now) for m in self.members):
            self._ticker.stop()

    def _on_row(self, action: str, member: Any) -> None:
        self._say()
        self.target = member
        session = self.nav.session
        if action == "photo":
            self._set_mode("photo")
            self.photo_panel.open(
                member,
                has_photo=member.id in self.photos,
                locale=self.lang,
                height=self._photo_height(),
            )
        elif action == "disable":
            self._set_mode("confirm")
        elif action == "reset":
            self._staff(lambda desk: desk.reset_pin(session, member.id), self._on_code)
        elif action == "unlock":

            def unlocked(_r: object) -> None:
                self._say(done=("clerk.ui.staff.done.unlocked", member))
                self._load()

            self._staff(lambda desk: desk.unlock(session, member.id), unlocked)

    def _photo_height(self) -> int:
        """The camera preview's height that keeps the heading, hint and shutter in view."""
        margins = self.body.contentsMargins()
        shutter = self.photo_panel.shutter_height()
        fixed = margins.top() + margins.bottom() + 3 * self.body.spacing() + 12 + shutter
        used = fixed + self.heading.height() + self.hint.height() + 24
        return self.scroll_area.viewport().height() - used

    def _on_photo_done(self, what: str, member: Any) -> None:
        """A photo was saved or removed: back to the list, which says so and shows it."""
        self._set_mode("list")
        self._say(done=(f"clerk.ui.staff.done.{what}", member))
        self._load()

    # -- add a clerk ---------------------------------------------------------------------------
    def _on_add(self) -> None:
        self._say()
        self.target = None
        self.name_km.clear()
        self.name_en.clear()
        self._set_mode("add")
        self.name_km.setFocus()

    def _on_save(self) -> None:
        if self.mode != "add":
            return
        self._say()
        name = Text(km=self.name_km.text(), en=self.name_en.text())
        session = self.nav.session

        def added(result: tuple[Any, str]) -> None:
            member, code = result
            self.target = member
            self._on_code(code)

        self._staff(lambda desk: desk.add_local_clerk(session, name), added)

    def _on_code(self, code: str) -> None:
        """A new one-time code for `target`: shown large until "Done"; the list is re-read."""
        self.name_km.clear()
        self.name_en.clear()
        self.setFocus()  # the keyboard goes away
        self._set_mode("code")
        self._code = code
        self._show_code()
        self._load()

    def _show_code(self) -> None:
        code, member = self._code, self.target
        if code is None or member is None:
            return
        step = 3 if len(code) % 3 == 0 else 4  # "482 913", "8041 2375": read out in groups
        grouped = " ".join(code[i : i + step] for i in range(0, len(code), step))
        self.code.setText(digits(grouped, self.lang))
        self.code_latin.setText(grouped if self.lang == "km" else "")
        self.code_latin.setVisible(self.lang == "km")
        self.code_text.setText(self.tr("clerk.ui.staff.code_text", name=member.name.get(self.lang)))

    # -- turn off --------------------------------------------------------------------------------
    def _on_confirm(self) -> None:
        member, session = self.target, self.nav.session
        if self.mode != "confirm" or member is None:
            return

        def disabled(_r: object) -> None:
            self._set_mode("list")
            self._say(done=("clerk.ui.staff.done.disabled", member))
            self._load()

        self._staff(lambda desk: desk.disable(session, member.id), disabled)

    # -- ways out --------------------------------------------------------------------------------
    def _show_list(self) -> None:
        self._say()
        self.target = None
        self.setFocus()
        self._set_mode("list")

    def _on_back(self) -> None:
        self.nav.go(HOME)

    # -- desk calls ------------------------------------------------------------------------------
    def _staff(
        self,
        fn: Callable[[Any], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        *,
        busy: bool = True,
    ) -> None:
        """`fn(staff_desk)` on the db worker, one change at a time (a second tap is ignored).
        An ended session (idle, account turned off) ends the staff side, as `nav.run` does."""
        if busy and self._busy:
            return
        if not self.nav.signed_in_now():
            self._session_over(None)
            return
        self.nav.touch()
        if busy:
            self._set_busy(True)
        epoch = self._epoch

        def done(result: Any) -> None:
            if epoch != self._epoch:
                return  # signed out (or left and came back) meanwhile: nothing to show
            if busy:
                self._set_busy(False)
            on_done(result)

        def failed(exc: BaseException) -> None:
            if epoch != self._epoch:
                return
            if busy:
                self._set_busy(False)
            from kiosk.staff import AccountDisabled, SessionExpired

            if isinstance(exc, SessionExpired | AccountDisabled):
                self._session_over(exc)
                return
            if not hasattr(exc, "message_key"):
                log.error("staff screen call failed", exc_info=exc)
            (on_error or (lambda e: self._say(error=e)))(exc)

        self.nav.run_staff(fn, done, failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for w in (self.save, self.confirm, self.add, *self._row_buttons()):
            w.setEnabled(not busy)

    def _row_buttons(self) -> list[BigButton]:
        return [b for row in self.rows.values() for b in self._buttons_of(row)]

    @staticmethod
    def _buttons_of(row: StaffAdminRow) -> list[BigButton]:
        photo = [row.photo_button] if row.photo_button is not None else []
        return [*row.buttons.values(), *photo]

    def _session_over(self, exc: BaseException | None) -> None:
        self.nav.notice = getattr(exc, "message_key", None) or "staff.session_expired"
        self.nav.end_session("idle")

"""What every clerk action screen shares: the application it acts on, desk calls off the GUI
thread, and refusals shown in the staff member's language.

A screen is built as cls(ctx, journey) (`ui.clerk.journey.ClerkJourney`) and entered with
`journey.go(name, reg_id=...)`. `ClerkDesk` wraps the Store, which lives on the db worker
(SQLite connections are thread-bound), so every desk call runs there through the journey's
`run`; its answer lands on the GUI thread. A refusal (`ClerkError`, or any
`UserFacingError`) changes nothing saved: the screen keeps what the clerk typed and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from kiosk.i18n import error_text
from ui.screens.ahead import later
from ui.screens.base import Screen
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label

if TYPE_CHECKING:
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)

APPLICATION = "clerk_application"  # UI-A's application view: where an action returns
HOME = "clerk_home"  # UI-A's queue


class ClerkNav(Protocol):
    """What an action screen uses of UI-A's `ClerkJourney`."""

    @property
    def current(self) -> str: ...

    @property
    def desk(self) -> Any: ...  # kiosk.clerk.ClerkDesk

    @property
    def session(self) -> Any: ...  # kiosk.staff.StaffSession

    def go(self, name: str, **kw: Any) -> None: ...

    def set_locale(self, locale: str) -> None: ...

    def end_session(self) -> None: ...

    def run_staff(
        self,
        fn: Callable[[Any], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None: ...

    def run(
        self,
        fn: Callable[[Any], Any],
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None: ...


def refusal_text(exc: BaseException, locale: str) -> str:
    """A desk refusal in the staff member's language. Form validation refusals carry the
    citizen's own messages (`issues`, each with a bilingual `message`); everything else has
    the `UserFacingError` shape; an unexpected error gets a general sentence, never its text."""
    issue = getattr(exc, "issue", None)
    if issue is not None and hasattr(issue, "get") and hasattr(issue, "km"):
        return str(issue.get(locale))
    issues = getattr(exc, "issues", None)
    if issues:
        texts = [i.message.get(locale) for i in issues if hasattr(i, "message")]
        if texts:
            return "\n".join(texts)
    message = getattr(exc, "message", None)
    if message is not None and hasattr(message, "get") and hasattr(message, "km"):
        return str(message.get(locale))
    return error_text(exc, locale, fallback="clerk.act.error")


def line_edit(name: str, layer: str) -> QLineEdit:
    """A touch-sized text box; `layer` picks the on-screen keyboard's layer."""
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setProperty("sala_keyboard", layer)
    edit.setMinimumHeight(64)
    if layer == "num":
        edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    elif layer == "en":
        edit.setInputMethodHints(Qt.InputMethodHint.ImhLatinOnly)
    return edit


class ActionScreen(Screen):
    """A clerk action on one application: a heading, the application's number and service,
    the screen's own body, an error/confirmation line, Back and one primary action."""

    title_key = "clerk.act.title"
    primary_key = "clerk.act.save"
    back_key = "clerk.act.back"
    needs_application = True  # enter() loads `self.view` with desk.open(reg_id)
    nav: ClerkNav

    def __init__(self, ctx: AppContext, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.reg_id: str | None = None
        self.view: Any = None  # kiosk.clerk.ApplicationView
        self._busy = False
        self.heading = wrap_label(role="heading")
        self.subject = wrap_label(role="lead")
        self.subject.setObjectName("clerkActSubject")
        self.body.addWidget(self.heading)
        self.body.addWidget(self.subject)
        self.content = QWidget()
        self.content.setObjectName("clerkActContent")
        self.body.addWidget(self.content)
        self.error = ErrorLabel()
        self.error.setObjectName("clerkActError")
        self.done_label = wrap_label(role="confirm")
        self.done_label.setObjectName("clerkActDone")
        self.done_label.hide()
        self.body.addWidget(self.error)
        self.body.addWidget(self.done_label)
        self.body.addStretch(1)
        self.back = BigButton(kind="secondary")
        self.back.setObjectName("clerkActBack")
        self.back.clicked.connect(self._on_back)
        self.primary = BigButton(kind="primary")
        self.primary.setObjectName("clerkActPrimary")
        self.primary.clicked.connect(self._on_primary)
        # Room for the error/confirmation beside the buttons too: after a refused tap it is
        # in view even when the keyboard covers the bottom of the body (issue 11, S1.2).
        self.footer_error = ErrorLabel()
        self.footer_error.setObjectName("clerkActFooterError")
        self.footer.addWidget(self.back)
        self.footer.addWidget(self.footer_error, 4)
        self.footer.addStretch(1)  # the buttons keep their size when there is no error
        self.footer.addWidget(self.primary)
        self.build(self.content)

    # -- for subclasses ----------------------------------------------------------------------
    def build(self, content: QWidget) -> None:
        """Make the screen's own widgets inside `content` (once)."""

    def show_view(self) -> None:
        """Fill the widgets from `self.view` (after enter, and after a language switch)."""

    def clear(self) -> None:
        """Forget the last application's state (reset and each enter)."""

    def act(self) -> None:
        """The primary button: validate, then `self.call(...)`."""

    # -- desk calls --------------------------------------------------------------------------
    def call(
        self,
        fn: Callable[[Any], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `fn(desk)` on the db worker through the journey (`ClerkJourney.run`: it keeps
        the staff session alive, and ends it when the core says it is over); one at a time,
        so a second tap is ignored."""
        if self._busy:
            return
        self._busy = True
        self.primary.setEnabled(False)

        def done(result: Any) -> None:
            self._busy = False
            self.primary.setEnabled(True)
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.primary.setEnabled(True)
            (on_error or self.show_refusal)(exc)

        self.nav.run(fn, done, failed)

    def show_refusal(self, exc: BaseException) -> None:
        if not hasattr(exc, "message_key") and not hasattr(exc, "issues"):
            log.error("clerk action %s failed", self.name, exc_info=exc)
        self.show_error(refusal_text(exc, self.lang))

    def show_error(self, text: str) -> None:
        self.done_label.hide()
        self.error.show_error(text)
        self.footer_error.clear_error()
        later(0, self._sync_footer_error)

    def reveal_error(self) -> None:
        """Scroll the error under the field into view (with the field just above it)."""

        def reveal() -> None:
            self.scroll_area.ensureWidgetVisible(self.error, 0, 8)
            self._sync_footer_error()

        later(0, reveal)

    def _sync_footer_error(self) -> None:
        """Repeat the error beside the buttons only when the one under the field is not wholly
        in view (scrolled away, or the keyboard took the room): it is always seen, once."""
        text = self.error.text() if self.error.isVisible() else ""
        shown = self.error.visibleRegion().boundingRect().height()
        whole = bool(text) and shown >= self.error.height() - 1
        self.footer_error.show_error("" if whole else text)

    def show_done(self, text: str) -> None:
        self.error.clear_error()
        self.footer_error.clear_error()
        self.done_label.setText(text)
        self.done_label.setVisible(bool(text))

    def clear_messages(self) -> None:
        self.error.clear_error()
        self.footer_error.clear_error()
        self.done_label.hide()

    # -- the Screen protocol -----------------------------------------------------------------
    def enter(self, **kw: Any) -> None:
        reg_id = kw.get("reg_id")
        self.reg_id = str(reg_id) if reg_id else None
        self.view = None
        self._busy = False
        self.primary.setEnabled(True)
        self.clear_messages()
        self.clear()
        self.retranslate()
        self.scroll_to_top()
        if self.needs_application and self.reg_id:
            self.load()

    def load(self) -> None:
        """(Re)read the application; `show_view` fills the screen."""
        reg_id = self.reg_id
        self.call(lambda desk: desk.open(reg_id), self._on_view)

    def _on_view(self, view: Any) -> None:
        self.view = view
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr(self.title_key))
        self.back.setText(self.tr(self.back_key))
        self.primary.setText(self.tr(self.primary_key))
        view = self.view
        if view is not None:
            self.subject.setText(
                self.tr("clerk.act.subject", number=view.app_number, service=self.service_name())
            )
        self.subject.setVisible(view is not None)
        self.show_view()

    def reset(self) -> None:
        self.reg_id = None
        self.view = None
        self._busy = False
        self.clear_messages()
        self.clear()

    def service(self) -> Any:
        catalog = self.ctx.catalog
        view = self.view
        if catalog is None or view is None:
            return None
        return catalog.services.get(view.service_id)

    def service_name(self) -> str:
        service = self.service()
        if service is None:
            return str(self.view.service_id) if self.view is not None else ""
        return str(service.name.get(self.lang))

    def _on_back(self) -> None:
        self.go_back()

    def go_back(self) -> None:
        if self.reg_id:
            self.nav.go(APPLICATION, reg_id=self.reg_id)
        else:
            self.nav.go(HOME)

    def _on_primary(self) -> None:
        if self._busy:
            return
        self.clear_messages()
        self.act()

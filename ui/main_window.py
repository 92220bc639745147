"""`KioskWindow`: the top bar, the screen stack, the on-screen keyboard and the session's life.

Screens navigate through `go(name, **kw)`; the window owns the session-level operations
(start a service, autosave, submit, print, end the session) so that every screen uses one path
to the store, through the task helper. Signals are in the past tense; slots are `_on_<event>`.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.screens.attract import AttractScreen
from ui.screens.base import AppContext, Screen
from ui.widgets.basic import LanguageToggle, OnlineBadge, wrap_label
from ui.widgets.text import tr

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

    from ui.idle import IdleWatcher
    from ui.widgets.idle_prompt import IdlePrompt

log = logging.getLogger(__name__)
# Every screen but the attract screen: (name, module, class), built after the first paint.
_LATER = (
    ("language", "ui.screens.language", "LanguageScreen"),
    ("services", "ui.screens.services", "ServicesScreen"),
    ("service_detail", "ui.screens.service_detail", "ServiceDetailScreen"),
    ("question", "ui.screens.question", "QuestionScreen"),
    ("check_answers", "ui.screens.check_answers", "CheckAnswersScreen"),
    ("consent", "ui.screens.consent", "ConsentScreen"),
    ("confirmation", "ui.screens.confirmation", "ConfirmationScreen"),
    ("status_check", "ui.screens.status_check", "StatusCheckScreen"),
)


def _make_keyboard() -> QWidget | None:
    try:
        from ui.keyboard import OnScreenKeyboard
    except ImportError:
        return None
    return OnScreenKeyboard()


def _ensure_visible(screen: Screen, widget: QWidget) -> None:
    with contextlib.suppress(RuntimeError):  # the widget went away meanwhile (screen rebuilt)
        screen.scroll_area.ensureWidgetVisible(widget, 24, 48)


class KioskWindow(QWidget):
    screen_changed = Signal(str)
    registration_saved = Signal(object)  # the Receipt
    draft_saved = Signal()
    session_ended = Signal()
    first_shown = Signal()

    def __init__(
        self,
        ctx: AppContext,
        *,
        idle_seconds: float = 90,
        grace_seconds: float = 30,
        sync_worker: Any = None,
        window_flags: Qt.WindowType | None = None,
    ) -> None:
        super().__init__()
        if window_flags is not None:  # before the children exist: cheap now, not later
            self.setWindowFlags(window_flags)
        self.ctx = ctx
        ctx.extras["autosave"] = self.autosave
        self.setObjectName("kioskWindow")
        self.setWindowTitle("Sala")
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        bar = QWidget()
        bar.setObjectName("topBar")
        top = QHBoxLayout(bar)
        top.setContentsMargins(24, 4, 24, 4)
        self.place = wrap_label(role="bar")
        self.place.setObjectName("communeName")
        self.badge = OnlineBadge()
        self.badge.setObjectName("onlineBadge")
        self.toggle = LanguageToggle()
        self.toggle.setObjectName("languageToggle")
        self.toggle.locale_chosen.connect(self.set_locale)
        top.addWidget(self.place, 1)
        top.addWidget(self.badge)
        top.addWidget(self.toggle)
        root.addWidget(bar)
        self.stack = QStackedWidget()
        # Pages scroll; the stack must not demand the tallest page's height, or the window
        # outgrows a 1366x768 screen once the on-screen keyboard shows.
        self.stack.setMinimumSize(1, 1)
        root.addWidget(self.stack, 1)
        self._root = root
        self.keyboard: Any = None
        self._keyboard_made = False
        # Only the attract screen exists before the first paint; `build_rest()` makes the
        # others (and the keyboard) right after, while the attract screen waits for a touch.
        attract = AttractScreen(ctx, self)
        self.screens: dict[str, Screen] = {"attract": attract}
        self.stack.addWidget(attract)
        attract.touched.connect(self._on_attract_touched)
        self._pending_catalog: Any = None
        # The idle watcher and its prompt matter only once a session starts: made after the
        # first paint with the other screens (`_build_next`).
        self._idle_seconds, self._grace_seconds = idle_seconds, grace_seconds
        self.prompt: IdlePrompt | None = None
        self.idle: IdleWatcher | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        self.sync_worker = sync_worker
        self._sync_timer = QTimer(self, interval=5000)
        self._sync_timer.timeout.connect(self._poll_sync)
        self._shown_once = False
        self.first_shown.connect(self._on_first_shown)
        self.current = "attract"
        self.go("attract")
        # Not `_refresh_badge(None)`: re-polishing through QWidget.style() costs ~9 ms before
        # the first paint (PySide builds QStyle's enums); before its first show, the badge is
        # polished with the property anyway.
        self.badge.setText(tr("ui.not_enrolled", ctx.locale))
        self.badge.setProperty("state", "not_enrolled")

    @property
    def built(self) -> bool:
        return self._keyboard_made and all(name in self.screens for name, _m, _c in _LATER)

    def _make_idle(self) -> None:
        from ui.idle import IdleWatcher
        from ui.widgets.idle_prompt import IdlePrompt

        prompt = self.prompt = IdlePrompt(self)
        prompt.more_time.connect(self._on_more_time)
        prompt.end_now.connect(self.end_session)
        idle = self.idle = IdleWatcher(self._idle_seconds, self._grace_seconds, self)
        idle.exempt = prompt
        idle.warned.connect(self._on_idle_warned)
        idle.tick.connect(prompt.update_seconds)
        idle.resumed.connect(prompt.hide)
        idle.expired.connect(self._on_idle_expired)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(idle)  # installed by go() when a session starts

    def build_rest(self) -> None:
        """Create every other screen and the on-screen keyboard now (idempotent)."""
        while self._build_next():
            pass

    def build_rest_in_slices(self) -> None:
        """Create the other screens after the first paint, one per event-loop turn, so a touch
        on the attract screen is answered between two of them (`go()` builds what is missing
        at once if a screen is needed sooner)."""

        def one() -> None:
            if self._build_next():
                QTimer.singleShot(0, one)

        QTimer.singleShot(0, one)

    def _build_next(self) -> bool:
        """Build one missing part (the idle watcher and keyboard, then one screen); False when
        none is left."""
        if self.idle is None:
            self._make_idle()
            return True
        if not self._keyboard_made:
            self._keyboard_made = True
            self.keyboard = _make_keyboard()
            if self.keyboard is not None:
                self.keyboard.setObjectName("onScreenKeyboard")
                self._root.addWidget(self.keyboard)
                self.keyboard.hide()
            return True
        for name, module, cls_name in _LATER:
            if name in self.screens:
                continue
            cls = getattr(importlib.import_module(module), cls_name)
            screen = cls(self.ctx, self)
            self.screens[name] = screen
            self.stack.addWidget(screen)
            if name == "services" and self.ctx.catalog is not None:
                screen.prepare()
            return True
        return False

    # -- data arriving from the workers ------------------------------------------------------
    def set_catalog(self, catalog: Any) -> None:
        self.ctx.catalog = catalog
        for service_id, why in getattr(catalog, "hidden", {}).items():
            log.warning("service %s hidden from citizens: %s", service_id, why)
        services = self.screens.get("services")
        if services is not None:
            services.prepare()  # type: ignore[attr-defined]
        if self.current == "services":
            self.screens["services"].retranslate()

    def set_gazetteer(self, gazetteer: Any) -> None:
        self.ctx.gazetteer = gazetteer
        code = getattr(self.ctx.config, "commune_code", None)
        place = gazetteer.get(code) if code else None
        if place is not None:
            attract = self.screens["attract"]
            assert isinstance(attract, AttractScreen)
            attract.set_commune(place.name.km, place.name.en)
            self._place = place
            self.place.setText(place.name.get(self.ctx.locale))

    def start_sync_polling(self) -> None:
        if self.sync_worker is not None:
            self._sync_timer.start()
            self._poll_sync()

    def _poll_sync(self) -> None:
        worker = self.sync_worker
        if worker is None:
            return
        self.ctx.tasks.run_io(worker.state, self._refresh_badge, lambda exc: None)

    def _refresh_badge(self, status: Any) -> None:
        if status is None:
            self.badge.set_state("not_enrolled", 0, self.ctx.locale)
            return
        state = "online" if getattr(status, "online", False) else "offline"
        self.badge.set_state(state, int(getattr(status, "pending", 0) or 0), self.ctx.locale)

    # -- navigation --------------------------------------------------------------------------
    def go(self, name: str, **kw: Any) -> None:
        if name not in self.screens:
            self.build_rest()
        screen = self.screens[name]
        self.current = name
        self.stack.setCurrentWidget(screen)
        screen.enter(**kw)
        self._update_keyboard(screen)
        app = QApplication.instance()
        if name == "attract":
            if self.idle is not None:
                self.idle.disarm()
                # The idle watcher is an application-wide event filter: a Python call for
                # every event. Nobody is timed on the attract screen, so it is out of the way
                # there (measured: ~5 ms of the first paint, and CPU while the kiosk waits).
                if app is not None:
                    app.removeEventFilter(self.idle)
            if not gc.isenabled() and self._shown_once:  # else at the first paint
                QTimer.singleShot(0, self._collect_garbage)
        elif self.idle is not None and not self.idle.armed:  # built with any other screen
            if app is not None:
                app.installEventFilter(self.idle)  # installed once: Qt drops a duplicate
            self.idle.arm()
            # No cyclic-GC pauses while a citizen is touching the screen: a full collection
            # walks every Qt wrapper and took 50-300 ms (measured). Garbage is collected when
            # the session ends and the attract screen shows.
            gc.disable()
        self.screen_changed.emit(name)

    def _update_keyboard(self, screen: Screen) -> None:
        """On a new screen the keyboard shows only if a text box there already has focus."""
        if self.keyboard is None:
            return
        from PySide6.QtWidgets import QLineEdit  # not at import: PySide makes the type then

        focus = QApplication.focusWidget()
        wants = isinstance(focus, QLineEdit) and screen.isAncestorOf(focus)
        self.keyboard.setVisible(wants)
        if wants:
            self.keyboard.set_locale(self.ctx.locale)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The keyboard shows while a text box has focus; the box stays visible above it."""
        screen = self.screens.get(self.current)
        if new is None or screen is None or not screen.isAncestorOf(new):
            return  # focus moved into the keyboard itself, or nowhere: leave things be
        if self.keyboard is not None:
            from PySide6.QtWidgets import QLineEdit

            wants = isinstance(new, QLineEdit) and new.isEnabled() and not new.isReadOnly()
            if wants != self.keyboard.isVisible():
                self.keyboard.setVisible(wants)
                if wants:
                    self.keyboard.set_locale(self.ctx.locale)
        if screen.scrolls:
            QTimer.singleShot(0, lambda: _ensure_visible(screen, new))

    def set_locale(self, locale: str) -> None:
        """Switch language from any screen; answers and typed text stay as they are."""
        self.ctx.session.locale = locale
        self.toggle.retranslate(locale)
        self.badge.retranslate(locale)
        place = getattr(self, "_place", None)
        if place is not None:
            self.place.setText(place.name.get(locale))
        if self.keyboard is not None:
            self.keyboard.set_locale(locale)
        self.screens[self.current].retranslate()
        if self.prompt is not None and self.prompt.isVisible():
            self.prompt.show_countdown(self.prompt._left, locale)

    def _on_attract_touched(self) -> None:
        if self.screens["attract"].out_of_service:  # type: ignore[attr-defined]
            return
        self.go("language")

    def set_out_of_service(self, exc: BaseException) -> None:
        """The store did not open: no citizen may start (nothing they type could be kept)."""
        key = getattr(exc, "message_key", None)
        km = tr(key, "km") if isinstance(key, str) else ""
        en = tr(key, "en") if isinstance(key, str) else str(exc)
        self.screens["attract"].set_out_of_service(km, en)  # type: ignore[attr-defined]
        self.go("attract")

    # -- the session's operations ---------------------------------------------------------
    @property
    def session(self) -> Any:
        return self.ctx.session

    def start_service(self, service: Any) -> None:
        s = self.session
        s.start(service)
        box, locale = s.draft, s.locale

        def create(store: Any) -> None:
            box.id = store.create_draft(service.id, service.version, locale).id

        self.ctx.tasks.run_db(create, None, self._on_draft_failed)
        self.go("question")

    def autosave(self) -> None:
        """Save the draft after each step, on the db worker (never blocks the screen)."""
        s = self.session
        box, answers, attachments = s.draft, dict(s.answers), list(s.attachments)
        if box is None:
            return

        def save(store: Any) -> None:
            if box.id is not None and not box.submitted:
                store.save_draft(box.id, answers, attachments)

        self.ctx.tasks.run_db(save, lambda _r: self.draft_saved.emit(), self._on_draft_failed)

    def _on_draft_failed(self, exc: BaseException) -> None:
        log.warning("draft autosave failed: %s", exc)

    def submit(self, on_error: Any) -> None:
        from kiosk import forms
        from kiosk.catalog import ATTACHMENT_TYPES

        s = self.session
        service, box = s.service, s.draft
        visible = forms.visible_fields(service, s.answers)
        ids = {f.id for f in visible}
        answers = {k: v for k, v in s.answers.items() if k in ids}
        media_ids = {f.id for f in visible if f.type in ATTACHMENT_TYPES}
        attachments = [a for a in s.attachments if a.field_id in media_ids]
        locale = s.locale

        def job(store: Any) -> Any:
            if box.id is None:
                box.id = store.create_draft(service.id, service.version, locale).id
            receipt = store.submit(
                box.id,
                answers,
                attachments,
                fee_khr=service.fee_khr,
                processing_days=service.processing_days,
            )
            box.submitted = True
            return receipt

        self.ctx.tasks.run_db(job, self._on_submitted, on_error)

    def _on_submitted(self, receipt: Any) -> None:
        self.session.receipt = receipt
        self.registration_saved.emit(receipt)
        self.go("confirmation")

    def print_receipt(self, on_done: Any, on_error: Any) -> None:
        """Print on the io pool; the receipt helper reports trouble as a PrintResult."""
        printer, s = self.ctx.printer, self.session
        receipt, service, locale = s.receipt, s.service, s.locale
        if printer is None or receipt is None:
            on_error(RuntimeError("no printer"))
            return

        def done(result: Any) -> None:
            if getattr(result, "ok", True):
                on_done(result)
            else:
                on_error(
                    RuntimeError(
                        f"{getattr(result, 'outcome', 'error')}: {getattr(result, 'detail', '')}"
                    )
                )

        self.ctx.tasks.run_io(lambda: printer(receipt, service, locale), done, on_error)

    def end_session(self) -> None:
        """Wipe the session: answers, images, temp files, the unsubmitted draft; reset screens."""
        box, tmp = self.session.wipe()
        if tmp is not None:
            import shutil

            self.ctx.tasks.run_io(lambda: shutil.rmtree(tmp, ignore_errors=True))
        if box is not None:

            def discard(store: Any) -> None:
                if box.id is not None and not box.submitted:
                    store.discard_draft(box.id)

            self.ctx.tasks.run_db(discard, None, lambda exc: log.error("discard failed: %s", exc))
        if self.prompt is not None:
            self.prompt.hide()
        for screen in self.screens.values():
            screen.reset()
        self.set_locale("km")
        self.go("attract")
        self.session_ended.emit()

    def _collect_garbage(self) -> None:
        if self.current == "attract":
            gc.collect()
            gc.enable()

    def _on_first_shown(self) -> None:
        """Start-up may run without the cyclic GC (`ui.app.run`); it is back once painted."""
        if not gc.isenabled() and self.current == "attract":
            QTimer.singleShot(0, self._collect_garbage)

    # -- idle ------------------------------------------------------------------------------
    def _on_idle_warned(self, seconds: int) -> None:
        assert self.prompt is not None  # connected when both were made
        self.prompt.show_countdown(seconds, self.ctx.locale)

    def _on_more_time(self) -> None:
        assert self.prompt is not None and self.idle is not None
        self.prompt.hide()
        self.idle.poke()

    def _on_idle_expired(self) -> None:
        log.info("session ended after inactivity")
        self.end_session()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.prompt is not None and self.prompt.isVisible():
            self.prompt.setGeometry(self.rect())

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(0, self.first_shown.emit)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and self.current != "attract":
            event.accept()  # no accidental exits; Escape does nothing on a kiosk
            return
        super().keyPressEvent(event)

"""`clerk_home`: the station's home. Counts and lists for the six queues (newest first,
touch-scrolled), search by name, phone, ID or application number (on-screen keyboard, Khmer or
Latin), "Scan receipt QR", and the ways on: one application, a new assisted application, the
end of day. Every list comes from `ClerkDesk` on the db worker; a late answer for a list or a
search the clerk has left is dropped.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import error_text
from ui.clerk.rows import QueueRowCard, RowLook
from ui.clerk.widgets import Avatar
from ui.screens.ahead import render_ahead
from ui.screens.base import Screen, touch_scroll
from ui.widgets.basic import BigButton, ChoiceButton, ErrorLabel, wrap_label
from ui.widgets.text import digits

if TYPE_CHECKING:
    from ui.clerk.journey import ClerkJourney
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
# kiosk.clerk.Queue values, in the order the home screen shows them.
QUEUES = ("originals", "needs_papers", "supplement", "pickup", "problems", "today")
PAGE = 50
SEARCH_DELAY_MS = 300  # typing pauses this long before the search runs by itself
SLICE_S = 0.006  # row cards made or filled per event-loop turn: about this long


def scanner_class() -> Any:
    try:
        from ui.capture.qr_scan import QrScanner
    except ImportError:
        return None
    return QrScanner


def _counts_and_rows(
    desk: Any, chosen: str | None, offset: int
) -> tuple[dict[str, int], str, list[Any]]:
    """On the db worker: the six counts, and the chosen queue's rows (else the first queue
    with anything in it, else today's)."""
    from kiosk.clerk import Queue

    counts = {str(q): n for q, n in desk.counts().items()}
    pick = chosen or next((q for q in QUEUES if counts.get(q)), "today")
    return counts, pick, desk.queue(Queue(pick), limit=PAGE, offset=offset)


class ClerkHomeScreen(Screen):
    name = "clerk_home"
    scrolls = False  # the controls stay put; the list scrolls on its own
    nav: ClerkJourney

    def __init__(self, ctx: AppContext, nav: ClerkJourney) -> None:
        super().__init__(ctx, nav)
        self.body.setContentsMargins(32, 12, 32, 8)
        self.body.setSpacing(10)
        # Who is signed in, and Sign out, sit in the footer: the list keeps the height.
        self.avatar = Avatar(56)
        self.who = wrap_label(role="body")
        self.who.setObjectName("clerkWho")
        self.sign_out = BigButton(kind="secondary")
        self.sign_out.setObjectName("clerkSignOut")
        self.sign_out.clicked.connect(lambda: self.nav.end_session("user"))
        search = QHBoxLayout()
        search.setSpacing(12)
        self.search_box = QLineEdit()
        self.search_box.setObjectName("clerkSearch")
        self.search_box.setMinimumHeight(64)
        self.search_box.textEdited.connect(self._on_typed)
        self.search_box.returnPressed.connect(self._on_search)
        # While typing, the keyboard takes the lower half: the queue chips step aside (the
        # box is at the top, so nothing moves under the finger) and the results get the room.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # holds the focus: no keyboard on entry
        self.search_button = BigButton(kind="primary")
        self.search_button.setObjectName("clerkSearchGo")
        self.search_button.clicked.connect(self._on_search)
        self.scan = BigButton(kind="secondary")
        self.scan.setObjectName("clerkScan")
        self.scan.clicked.connect(self._on_scan)
        search.addWidget(self.search_box, 1)
        search.addWidget(self.search_button)
        search.addWidget(self.scan)
        self.search_row = search
        self.body.addLayout(search)
        self.chips_box = QWidget()
        self.chips = QGridLayout(self.chips_box)
        self.chips.setContentsMargins(0, 0, 0, 0)
        self.chips.setSpacing(10)
        self.chip: dict[str, ChoiceButton] = {}
        for q in QUEUES:
            chip = ChoiceButton(value=q)
            chip.setObjectName(f"queue_{q}")
            chip.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            chip.clicked.connect(lambda _c=False, q=q: self._on_chip(q))
            self.chip[q] = chip
        self._chip_columns = 0
        self._place_chips()
        self.body.addWidget(self.chips_box)
        self.title = wrap_label(role="subheading")
        self.title.setObjectName("clerkListTitle")
        self.error = ErrorLabel()
        self.error.setObjectName("clerkHomeError")
        self.body.addWidget(self.title)
        self.body.addWidget(self.error)
        self.scanner: Any = None
        self.scan_hint = wrap_label(role="hint")
        self.scan_hint.hide()
        self.body.addWidget(self.scan_hint)
        self.list_area = QScrollArea()
        self.list_area.setObjectName("clerkList")
        self.list_area.setWidgetResizable(True)
        self.list_area.setFrameShape(QFrame.Shape.NoFrame)
        self.list_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The list: a pool of row cards (made ahead, refilled, never deleted), then "Clear
        # search" and "More" (shown when they apply), then a stretch.
        self.rows_widget = QWidget()
        self.rows_box = QVBoxLayout(self.rows_widget)
        self.rows_box.setContentsMargins(0, 0, 12, 0)
        self.rows_box.setSpacing(10)
        self.clear_search = BigButton(kind="link")
        self.clear_search.setObjectName("clerkClearSearch")
        self.clear_search.clicked.connect(self._on_clear_search)
        self.more = BigButton(kind="link")
        self.more.setObjectName("clerkMore")
        self.more.clicked.connect(self._on_more)
        for button in (self.clear_search, self.more):
            button.hide()
            self.rows_box.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        self.rows_box.addStretch(1)
        self.list_area.setWidget(self.rows_widget)
        touch_scroll(self.list_area)
        self.body.addWidget(self.list_area, 1)
        self.assisted = BigButton(kind="secondary")
        self.assisted.setObjectName("clerkAssisted")
        self.assisted.clicked.connect(lambda: self.nav.go("clerk_assisted"))
        self.end_of_day = BigButton(kind="secondary")
        self.end_of_day.setObjectName("clerkEndOfDay")
        self.end_of_day.clicked.connect(lambda: self.nav.go("clerk_end_of_day"))
        # Supervisors only: the staff accounts (add a clerk, turn off, new code, unlock).
        self.staff = BigButton(kind="secondary")
        self.staff.setObjectName("clerkStaff")
        self.staff.clicked.connect(lambda: self.nav.go("clerk_staff"))
        self.footer.addWidget(self.assisted)
        self.footer.addWidget(self.end_of_day)
        self.footer.addStretch(1)
        # Who is signed in: in the footer when wide, above the search when narrow (portrait)
        self.who_row = QHBoxLayout()
        self.who_row.setSpacing(16)
        self.body.insertLayout(0, self.who_row)
        self._who_wide: bool | None = None
        self._staff_in_search: bool | None = None
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_search)
        self.counts: dict[str, int] = {}
        self.queue_name: str | None = None
        self.rows: list[Any] = []
        self._has_more = False
        self.look: RowLook | None = None  # the cards' fonts, read from the stylesheet once
        self.pool: list[QueueRowCard] = []  # every card made, in list order
        self.cards: list[QueueRowCard] = []  # the pool's first cards, filled with `rows`
        self._fill_gen = 0  # a newer `_show_rows` stops an older one's filling
        self._ready_for: str | None = None  # the language `prepare` made the screen ready in
        self.searching: str | None = None  # the text the rows are results for
        self._ask = 0  # the latest request: older answers are dropped
        self._loading = False
        self._typing = False
        self.search_box.installEventFilter(self)
        self._place_who()
        self._place_staff()
        QTimer.singleShot(0, self, self._build_ahead)  # dropped if the screen is gone

    # -- the Screen protocol -------------------------------------------------------------------
    def eventFilter(self, obj: Any, event: Any) -> bool:
        if obj is self.search_box and event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self._typing = event.type() == QEvent.Type.FocusIn
            self.chips_box.setVisible(not self._typing and not self.searching)
        return False

    def enter(self, **kw: Any) -> None:
        self._ready_for = None
        self.setFocus()  # not the search box: the keyboard shows only when it is tapped
        session = self.nav.session
        if session is not None:
            self.avatar.set_person(session.staff_id, session.name.en, session.name.km)
        self.error.clear_error()
        self.retranslate()
        if self.searching:
            self._search(self.searching)
        else:
            self._load(self.queue_name, 0)

    def reset(self) -> None:
        self._ask += 1
        self._timer.stop()
        self._stop_scanner()
        self.search_box.clear()
        self.counts, self.queue_name, self.searching = {}, None, None
        self.rows, self._has_more = [], False
        self.avatar.clear()
        self.who.setText("")
        self.title.setText("")
        self.error.clear_error()
        self._show_rows()

    def retranslate(self) -> None:
        session = self.nav.session
        if session is not None:
            role = self.tr(f"staff.role.{session.role}")
            self.who.setText(
                self.tr("clerk.ui.home.who", name=session.name.get(self.lang), role=role)
            )
        self.sign_out.setText(self.tr("clerk.ui.home.sign_out"))
        self.search_box.setPlaceholderText(self.tr("clerk.ui.home.search_hint"))
        self.search_button.setText(self.tr("clerk.ui.home.search"))
        scanning = self.scanner is not None and self.scanner.isVisibleTo(self)
        self.scan.setText(self.tr(f"clerk.ui.home.{'scan_stop' if scanning else 'scan'}"))
        self.scan.setVisible(self._camera_free())
        self.scan_hint.setText(self.tr("clerk.ui.home.scan_hint"))
        self.assisted.setText(self.tr("clerk.ui.home.assisted"))
        self.end_of_day.setText(self.tr("clerk.ui.home.end_of_day"))
        can = session.can if session is not None else (lambda _a: False)
        self.assisted.setVisible(self.nav.has_screen("clerk_assisted") and can("assist"))
        self.end_of_day.setVisible(self.nav.has_screen("clerk_end_of_day"))
        self.staff.setText(self.tr("clerk.ui.home.staff"))
        self.staff.setVisible(self.nav.has_screen("clerk_staff") and can("manage_local_clerks"))
        self.more.setText(self.tr("clerk.ui.home.more"))
        self.clear_search.setText(self.tr("clerk.ui.home.clear_search"))
        if self.scanner is not None and hasattr(self.scanner, "retranslate"):
            self.scanner.retranslate(self.lang)
        self._show_counts()
        self._show_rows()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._place_chips()
        self._place_who()
        self._place_staff()

    def _place_staff(self) -> None:
        # A supervisor's "Staff accounts": in the footer where it has room (portrait, where
        # the person sits above the search, and 1920 wide); beside the search at 1366 wide,
        # where a third footer button cut every label and wrapped the name into four lines.
        in_search = 1280 <= self.width() < 1700
        if in_search == self._staff_in_search:
            return
        self._staff_in_search = in_search
        if in_search:
            self.search_row.addWidget(self.staff)
        else:
            self.footer.insertWidget(self.footer.indexOf(self.end_of_day) + 1, self.staff)

    def _place_who(self) -> None:
        wide = self.width() >= 1280
        if wide == self._who_wide:
            return
        self._who_wide = wide
        target = self.footer if wide else self.who_row
        for w, stretch in ((self.avatar, 0), (self.who, 1), (self.sign_out, 0)):
            target.addWidget(w, stretch)

    # -- queues --------------------------------------------------------------------------------
    def _place_chips(self) -> None:
        # Six in a row only where each has room for its longest word: at 1366×768 six were so
        # narrow that "problems" was cut and every label took four lines (two rows of three
        # take less height there).
        columns = 6 if self.width() >= 1700 else 3
        if columns == self._chip_columns:
            return
        self._chip_columns = columns
        for i, q in enumerate(QUEUES):
            self.chips.addWidget(self.chip[q], i // columns, i % columns)

    def _load(self, chosen: str | None, offset: int) -> None:
        self._ask += 1
        ask = self._ask
        self._loading = True
        if offset == 0:
            self.title.setText(self.tr("clerk.ui.loading"))

        def done(result: tuple[dict[str, int], str, list[Any]]) -> None:
            if ask != self._ask:
                return
            self._loading = False
            self.counts, self.queue_name, rows = result
            self.searching = None
            self.rows = (self.rows if offset else []) + list(rows)
            self._has_more = len(rows) == PAGE
            self._show_counts()
            if not offset:
                self.list_area.verticalScrollBar().setValue(0)
            self._show_rows()

        self.nav.run(lambda desk: _counts_and_rows(desk, chosen, offset), done, self._on_failed)

    def _on_chip(self, q: str) -> None:
        self.search_box.clear()
        self._timer.stop()
        self._stop_scanner()
        self._load(q, 0)

    def _on_more(self) -> None:
        if self.queue_name and not self.searching:
            self._load(self.queue_name, len(self.rows))

    def _show_counts(self) -> None:
        for q, chip in self.chip.items():
            n = self.counts.get(q)
            label = self.tr(f"clerk.ui.queue.{q}")
            chip.setText(
                self.tr("clerk.ui.queue.count", label=label, n=digits(n, self.lang))
                if n is not None
                else label
            )
            chip.setChecked(q == self.queue_name and not self.searching)
            chip.sync()
        self.chips_box.setVisible(not self.searching and not self._typing)

    # -- the rows: a pool of cards, made ahead and filled in slices ---------------------------
    def _card(self, i: int) -> QueueRowCard:
        """The pool's card number `i` (made now if it was not made ahead), hidden until filled."""
        while len(self.pool) <= i:
            if self.look is None:
                self.look = RowLook(self.rows_widget)
            card = QueueRowCard(self.look, self.rows_widget)
            card.hide()
            card.clicked.connect(self._on_row)
            self.rows_box.insertWidget(len(self.pool), card)
            self.pool.append(card)
        return self.pool[i]

    def _build_ahead(self) -> None:
        """Make a page of cards a few per idle turn (after the screen is built, long before
        a clerk signs in), so showing a list only fills them."""
        self._build_some()
        if len(self.pool) < PAGE:
            QTimer.singleShot(0, self, self._build_ahead)  # dropped if the screen is gone

    def _build_some(self) -> None:
        deadline = time.perf_counter() + SLICE_S
        while len(self.pool) < PAGE and time.perf_counter() < deadline:
            self._card(len(self.pool))

    def prepare(self) -> None:
        """While the clerk types the PIN (nobody's data here yet): the cards made, Qt's style
        objects ready, the texts set, and the screen laid out and painted once off screen,
        a step per idle turn. Opening the home the first time after start-up was ~40 ms of
        polish, layout and Khmer shaping on the PIN's "OK", and ~20 ms more for PySide to
        make QStyle's enums on the first chip re-polish."""
        if self.isVisible() or self._ready_for == self.lang:
            return  # showing, or made ready in this language and not shown since
        self._ready_for = self.lang
        steps: list[Callable[[], object]] = [self.style, self.retranslate]

        def step() -> None:
            if self.isVisible():
                return  # signed in meanwhile: `enter` does what is left
            if len(self.pool) < PAGE:
                self._build_some()
            elif steps:
                steps.pop(0)()
            else:
                render_ahead(self)  # its own turns; it stops when the screen shows
                return
            QTimer.singleShot(0, self, step)  # dropped if the screen is gone

        QTimer.singleShot(0, self, step)

    def _screenful(self) -> int:
        """How many cards the list shows without scrolling (filled first, at once)."""
        if self.look is None:
            return 8
        card_h = self._card(0).minimumSizeHint().height() + self.rows_box.spacing()
        height = max(self.list_area.viewport().height(), 600)
        return math.ceil(height / max(1, card_h)) + 1

    def _show_rows(self) -> None:
        """Show `rows` in the pool's cards: the first screenful now, the rest a slice per
        event-loop turn (building and laying out 50 cards at once stalled the GUI for
        ~0.2-0.5 s). Cards left over are hidden and emptied (nobody's data stays in them)."""
        self._fill_gen += 1
        gen, rows, lang = self._fill_gen, list(self.rows), self.lang
        self.cards = []
        first = min(len(rows), self._screenful())
        for i, card in enumerate(self.pool):
            if i >= len(rows):
                if card.reg_id or card.isVisible():
                    card.hide()
                    card.clear()
            elif i >= first and card.shows != (rows[i], lang):
                card.hide()  # stale: not tappable until it shows its new row
        self._fill(rows, first)
        if self.searching is not None:
            key = "results" if self.rows else "no_results"
            text = self.searching.strip()
            self.title.setText(
                self.tr(f"clerk.ui.home.{key}", text=text, n=digits(len(self.rows), self.lang))
            )
        elif self.queue_name is not None:  # the chosen chip names the list; say only "empty"
            self.title.setText("" if self.rows else self.tr("clerk.ui.home.empty"))
        self.title.setVisible(bool(self.title.text()))
        self.clear_search.setVisible(self.searching is not None)
        self.more.setVisible(self.searching is None and bool(self.rows) and self._has_more)
        if len(self.cards) < len(rows):
            QTimer.singleShot(0, self, lambda: self._fill_some(gen, rows))

    def _fill(self, rows: list[Any], upto: int) -> None:
        catalog, lang = self.ctx.catalog, self.lang
        while len(self.cards) < upto:
            i = len(self.cards)
            card = self._card(i)
            if card.shows != (rows[i], lang):
                card.show_row(rows[i], lang, catalog)
            card.show()
            self.cards.append(card)

    def _fill_some(self, gen: int, rows: list[Any]) -> None:
        if gen != self._fill_gen:
            return  # another list (or a reset) came meanwhile
        deadline = time.perf_counter() + SLICE_S
        while len(self.cards) < len(rows) and time.perf_counter() < deadline:
            self._fill(rows, len(self.cards) + 1)
        if len(self.cards) < len(rows):
            QTimer.singleShot(0, self, lambda: self._fill_some(gen, rows))

    def _on_row(self, reg_id: str) -> None:
        self.nav.go("clerk_application", reg_id=reg_id)

    def _on_failed(self, exc: BaseException) -> None:
        self._loading = False
        if not hasattr(exc, "message_key"):
            log.error("clerk list failed", exc_info=exc)
        self.title.setText("")
        self.error.show_error(error_text(exc, self.lang, fallback="clerk.ui.error"))

    # -- search --------------------------------------------------------------------------------
    def _on_typed(self, _text: str) -> None:
        self._timer.start()

    def _on_search(self) -> None:
        self._timer.stop()
        text = self.search_box.text()
        if not text.strip():
            self._on_clear_search()
            return
        self._search(text)

    def _search(self, text: str, *, open_single: bool = False) -> None:
        self._ask += 1
        ask = self._ask
        self.error.clear_error()

        def done(rows: list[Any]) -> None:
            if ask != self._ask:
                return
            self.searching = text
            self.rows, self._has_more = list(rows), False
            if open_single and len(self.rows) == 1:
                self._on_row(self.rows[0].reg_id)
                return
            self._show_counts()
            self.list_area.verticalScrollBar().setValue(0)
            self._show_rows()

        self.nav.run(lambda desk: desk.search(text, limit=PAGE), done, self._on_failed)

    def _on_clear_search(self) -> None:
        self.search_box.clear()
        self.searching = None
        self._load(self.queue_name, 0)

    # -- the receipt's QR ----------------------------------------------------------------------
    def _camera_free(self) -> bool:
        camera = str(getattr(self.ctx, "camera", "auto") or "")
        return scanner_class() is not None and camera.lower() not in ("", "none", "off")

    def _on_scan(self) -> None:
        if self.scanner is not None and self.scanner.isVisibleTo(self):
            self._stop_scanner()
            self.retranslate()
            return
        cls = scanner_class()
        if cls is None:
            return
        if self.scanner is None:
            self.scanner = cls(ctx=self.ctx, autostart=False)
            self.scanner.setObjectName("clerkQrScanner")
            self.scanner.scanned.connect(self._on_scanned)
            self.body.insertWidget(self.body.indexOf(self.list_area), self.scanner)
        self.scanner.show()
        self.scan_hint.show()
        self.scanner.start()
        self.retranslate()

    def _stop_scanner(self) -> None:
        if self.scanner is not None:
            self.scanner.stop()
            self.scanner.hide()
        self.scan_hint.hide()

    def _on_scanned(self, text: str) -> None:
        """A receipt's QR: look it up like a typed number; one match opens at once."""
        self._stop_scanner()
        self.retranslate()
        self._search(text, open_single=True)

"""`clerk_home`: the station's home. Counts and lists for the six queues (newest first,
touch-scrolled), search by name, phone, ID or application number (on-screen keyboard, Khmer or
Latin), "Scan receipt QR", and the ways on: one application, a new assisted application, the
end of day. Every list comes from `ClerkDesk` on the db worker; a late answer for a list or a
search the clerk has left is dropped.
"""

from __future__ import annotations

import logging
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
from ui.clerk.rows import QueueRowCard
from ui.clerk.widgets import Avatar
from ui.screens.base import Screen, clear_layout, touch_scroll
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
        inner = QWidget()
        self.rows_box = QVBoxLayout(inner)
        self.rows_box.setContentsMargins(0, 0, 12, 0)
        self.rows_box.setSpacing(10)
        self.rows_box.addStretch(1)
        self.list_area.setWidget(inner)
        touch_scroll(self.list_area)
        self.body.addWidget(self.list_area, 1)
        self.assisted = BigButton(kind="secondary")
        self.assisted.setObjectName("clerkAssisted")
        self.assisted.clicked.connect(lambda: self.nav.go("clerk_assisted"))
        self.end_of_day = BigButton(kind="secondary")
        self.end_of_day.setObjectName("clerkEndOfDay")
        self.end_of_day.clicked.connect(lambda: self.nav.go("clerk_end_of_day"))
        self.footer.addWidget(self.assisted)
        self.footer.addWidget(self.end_of_day)
        self.footer.addStretch(1)
        # Who is signed in: in the footer when wide, above the search when narrow (portrait)
        self.who_row = QHBoxLayout()
        self.who_row.setSpacing(16)
        self.body.insertLayout(0, self.who_row)
        self._who_wide: bool | None = None
        self.more = BigButton(kind="link")
        self.more.setObjectName("clerkMore")
        self.more.clicked.connect(self._on_more)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_search)
        self.counts: dict[str, int] = {}
        self.queue_name: str | None = None
        self.rows: list[Any] = []
        self.cards: list[QueueRowCard] = []
        self.searching: str | None = None  # the text the rows are results for
        self._ask = 0  # the latest request: older answers are dropped
        self._loading = False
        self._typing = False
        self.search_box.installEventFilter(self)
        self._place_who()

    # -- the Screen protocol -------------------------------------------------------------------
    def eventFilter(self, obj: Any, event: Any) -> bool:
        if obj is self.search_box and event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self._typing = event.type() == QEvent.Type.FocusIn
            self.chips_box.setVisible(not self._typing and not self.searching)
        return False

    def enter(self, **kw: Any) -> None:
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
        self.rows = []
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
        self.more.setText(self.tr("clerk.ui.home.more"))
        if self.scanner is not None and hasattr(self.scanner, "retranslate"):
            self.scanner.retranslate(self.lang)
        self._show_counts()
        self._show_rows()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._place_chips()
        self._place_who()

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
        columns = 6 if self.width() >= 1280 else 3
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

    def _show_rows(self) -> None:
        clear_layout(self.rows_box)
        self.cards = []
        for row in self.rows:
            card = QueueRowCard(row, self.lang, self.ctx.catalog)
            card.clicked.connect(self._on_row)
            self.rows_box.addWidget(card)
            self.cards.append(card)
        if self.searching is not None:
            key = "results" if self.rows else "no_results"
            text = self.searching.strip()
            self.title.setText(
                self.tr(f"clerk.ui.home.{key}", text=text, n=digits(len(self.rows), self.lang))
            )
        elif self.queue_name is not None:  # the chosen chip names the list; say only "empty"
            self.title.setText("" if self.rows else self.tr("clerk.ui.home.empty"))
        self.title.setVisible(bool(self.title.text()))
        if self.searching is not None:
            back = BigButton(self.tr("clerk.ui.home.clear_search"), kind="link")
            back.setObjectName("clerkClearSearch")
            back.clicked.connect(self._on_clear_search)
            self.rows_box.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        elif self.rows and getattr(self, "_has_more", False):
            self.more = BigButton(self.tr("clerk.ui.home.more"), kind="link")
            self.more.setObjectName("clerkMore")
            self.more.clicked.connect(self._on_more)
            self.rows_box.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self.rows_box.addStretch(1)

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
            self.rows = list(rows)
            if open_single and len(self.rows) == 1:
                self._on_row(self.rows[0].reg_id)
                return
            self._show_counts()
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

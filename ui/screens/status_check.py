"""Check my application: type the application number (or show the receipt's QR code) and see
a status panel: the service, the state in plain words, what to do next and when, the
officer's note, and when it was last updated.

Reached in one tap from the welcome screen (`origin="attract"`: Back ends the visit there)
or from the services list. Nothing is said before the citizen gives a number: the camera
reads codes only after "Scan my receipt", so a code it happens to see (the demo camera's)
never shows "not found" on arrival."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.i18n import CAMBODIA, format_date, format_datetime, to_ascii_digits
from kiosk.model import parse_qr_payload
from ui.screens.base import Screen
from ui.widgets.basic import BigButton, ErrorLabel, wrap_label

if TYPE_CHECKING:
    from ui.citizen import CitizenNav
    from ui.screens.base import AppContext

log = logging.getLogger(__name__)
# CCCCCC-KK-NNNNN-D, or a legacy CCCCCC-NNNNN-D printed before kiosk numbers (kiosk/store/appnumber)
APP_NUMBER_RE = re.compile(r"(\d{6})-?(?:(\d{2})-?)?(\d{5,6})-?(\d)")


def clean_app_number(text: str) -> str | None:
    """ "120101-00001-7", "120101 00001 7", Khmer digits or a receipt QR text → canonical."""
    parsed = parse_qr_payload(text)
    if parsed is not None:
        text = parsed[0]
    compact = re.sub(r"[\s\u200b]", "", to_ascii_digits(text)).replace("—", "-")
    m = APP_NUMBER_RE.fullmatch(compact)
    if m is None:
        return None
    return "-".join(g for g in m.groups() if g is not None)


def local_date(when: dt.datetime) -> dt.date:
    """The Cambodian calendar day of a stored moment (naive means UTC, as the store keeps)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(CAMBODIA).date()


def add_working_days(start: dt.date, days: int) -> dt.date:
    """`days` working days (Monday–Friday) after `start`; public holidays are not known here,
    so the panel says "around"."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


# What the citizen does next, by server status (or kiosk state before the ministry answered).
NEXT_STEP = {
    "needs_papers": "ui.status.next.bring",
    "ready_for_pickup": "ui.status.next.collect",
    "approved": "ui.status.next.wait_ready",
    "rejected": "ui.status.next.see_clerk",
    "collected": "",
    "draft": "ui.status.next.not_sent",
    "purged": "",
}


def scanner_class() -> Any:
    try:
        from ui.capture.qr_scan import QrScanner
    except ImportError:
        return None
    return QrScanner


class StatusCheckScreen(Screen):
    name = "status_check"
    nav: CitizenNav

    def __init__(self, ctx: AppContext, nav: CitizenNav) -> None:
        super().__init__(ctx, nav)
        self.heading = wrap_label(role="heading")
        self.prompt = wrap_label(role="body")
        self.edit = QLineEdit()
        self.edit.setObjectName("appNumberInput")
        self.edit.setProperty("sala_keyboard", "num")
        self.edit.returnPressed.connect(self._on_check)
        self.check = BigButton(kind="primary")
        self.check.setObjectName("statusCheck")
        self.check.clicked.connect(self._on_check)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.check)
        self.error = ErrorLabel()
        self.error.setObjectName("statusError")
        self.looking = wrap_label(role="hint")
        self.looking.setObjectName("statusLooking")
        # The status panel: service, state in plain words, what to do next, note, updated.
        self.panel = QFrame()
        self.panel.setObjectName("statusPanel")
        self.panel.setProperty("role", "panel")
        self.panel.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # takes focus: the keyboard goes
        pv = QVBoxLayout(self.panel)
        pv.setContentsMargins(24, 18, 24, 18)
        pv.setSpacing(10)
        self.service = wrap_label(role="subheading")
        self.service.setObjectName("statusService")
        self.result = wrap_label(role="lead")
        self.result.setObjectName("statusResult")
        self.next_step = wrap_label(role="body")
        self.next_step.setObjectName("statusNext")
        self.note = wrap_label(role="body")
        self.note.setObjectName("statusNote")
        self.updated = wrap_label(role="hint")
        self.updated.setObjectName("statusUpdated")
        for w in (self.service, self.result, self.next_step, self.note, self.updated):
            w.setProperty("panel", True)
            pv.addWidget(w)
        self.panel.hide()
        self.scan_hint = wrap_label(role="hint")
        self.scan = BigButton(kind="secondary")
        self.scan.setObjectName("statusScan")
        self.scan.clicked.connect(self._on_scan)
        for w in (self.heading, self.prompt, self.error):
            self.body.addWidget(w)
        self.body.addLayout(row)
        self.body.addWidget(self.looking)
        self.body.addWidget(self.panel)
        self.body.addWidget(self.scan_hint)
        self.body.addWidget(self.scan)
        self.scanner: QWidget | None = None
        self.body.addStretch(1)
        self.back = BigButton(kind="secondary")
        self.back.setObjectName("statusBack")
        self.back.clicked.connect(self._on_back)
        self.footer.addWidget(self.back)
        self.footer.addStretch(1)
        self._state: tuple[str, ...] = ()  # what is shown, re-rendered on language switch
        self._last_scan: str | None = None
        self._reg: Any = None
        self._origin = "services"

    def enter(self, origin: str = "services", **kw: Any) -> None:
        self._origin = origin
        self._last_scan = None
        self._stop_scanner()
        self.retranslate()
        self.edit.setFocus()

    def _on_back(self) -> None:
        if self._origin == "attract":
            self.nav.end_session()  # came straight from the welcome screen: back there
        else:
            self.nav.go("services")

    def _on_scan(self) -> None:
        """The citizen asked to show their receipt: only now does the camera read codes."""
        self._ensure_scanner()
        scanner = self.scanner
        if scanner is not None:
            scanner.show()
            self.scan.hide()
            if hasattr(scanner, "start"):
                scanner.start()
            QTimer.singleShot(0, lambda: self.scroll_area.ensureWidgetVisible(scanner))

    def _ensure_scanner(self) -> None:
        cls = scanner_class()
        if cls is None or self.scanner is not None:
            return
        try:
            self.scanner = cls(ctx=self.ctx, autostart=False)
        except TypeError as exc:
            log.error("QrScanner not usable: %s", exc)
            return
        self.scanner.scanned.connect(self._on_scanned)  # type: ignore[union-attr]
        self.body.insertWidget(self.body.count() - 1, self.scanner)

    def _stop_scanner(self) -> None:
        if self.scanner is not None:
            if hasattr(self.scanner, "stop"):
                self.scanner.stop()
            self.scanner.hide()
        self.scan.setVisible(self._camera_free())

    def _camera_free(self) -> bool:
        """Offer scanning only where a camera is configured and a scanner widget exists."""
        camera = str(getattr(self.ctx, "camera", "auto") or "")
        return scanner_class() is not None and camera.lower() not in ("", "none", "off")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("ui.status.title"))
        self.prompt.setText(self.tr("ui.status.prompt"))
        self.check.setText(self.tr("ui.status.check"))
        self.back.setText(self.tr("ui.nav.back"))
        self.scan.setText(self.tr("ui.status.scan_button"))
        scanning = self.scanner is not None and self.scanner.isVisibleTo(self)
        self.scan_hint.setText(self.tr("ui.status.scan"))
        self.scan_hint.setVisible(scanning)
        self.scan.setVisible(not scanning and self._camera_free())
        if self.scanner is not None and hasattr(self.scanner, "retranslate"):
            self.scanner.retranslate(self.lang)
        self._render()

    def _render(self) -> None:
        kind = self._state[0] if self._state else ""
        self.error.clear_error()
        self.looking.setText(self.tr("ui.status.looking") if kind == "looking" else "")
        self.looking.setVisible(kind == "looking")
        self.panel.setVisible(kind == "found" and self._reg is not None)
        if kind == "error":
            self.error.show_error(self.tr(self._state[1]))
        elif kind == "found" and self._reg is not None:
            self._render_panel(self._reg)

    def _render_panel(self, reg: Any) -> None:
        """Service, plain-words state, next step and when, the officer's note, last update."""
        loc = self.lang
        catalog = self.ctx.catalog
        service = catalog.services.get(reg.service_id) if catalog is not None else None
        name = service.name.get(loc) if service is not None else reg.service_id
        self.service.setText(self.tr("ui.status.service", name=name))
        status = reg.server_status.value if reg.server_status is not None else reg.state.value
        prefix = "server" if reg.server_status is not None else "state"
        self.result.setText(self.tr(f"ui.status.{prefix}.{status}"))
        self.next_step.setText(self._next_text(reg, status, service))
        self.next_step.setVisible(bool(self.next_step.text()))
        note = (reg.status_note or "").strip()
        self.note.setText(self.tr("ui.status.note", note=note) if note else "")
        self.note.setVisible(bool(note))
        when = reg.status_at or reg.updated_at
        self.updated.setText(
            self.tr("ui.status.updated", when=format_datetime(when, loc)) if when else ""
        )
        self.updated.setVisible(when is not None)

    def _next_text(self, reg: Any, status: str, service: Any) -> str:
        loc = self.lang
        key = NEXT_STEP.get(status, "ui.status.next.wait")
        if not key:
            return ""
        if key == "ui.status.next.bring":
            papers = "; ".join(p.get(loc) for p in getattr(service, "papers", ()))
            return self.tr(key, papers=papers or self.tr("ui.status.next.papers_clerk"))
        if key == "ui.status.next.collect":
            since = reg.status_at or reg.updated_at
            day = local_date(since) if since is not None else None
            return self.tr(key, date=format_date(day, loc) if day else "")
        if key in ("ui.status.next.wait", "ui.status.next.wait_ready"):
            days = getattr(service, "processing_days", 0) or 0
            sent = reg.submitted_at
            if not days or sent is None:
                return self.tr("ui.status.next.wait_nodate")
            ready = add_working_days(local_date(sent), days)
            return self.tr(key, date=format_date(ready, loc))
        return self.tr(key)

    def _on_scanned(self, text: str) -> None:
        """A receipt's QR in front of the camera. Ignored while the citizen is typing a
        number (their typing wins), and the same code seen again is looked up only once."""
        if text == self._last_scan or (self.edit.isModified() and self.edit.text().strip()):
            return
        self._last_scan = text
        self._lookup(text)

    def _on_check(self) -> None:
        self._lookup(self.edit.text())

    def _lookup(self, text: str) -> None:
        if not text.strip():  # nothing given yet: nothing to complain about
            self._state = ("error", "ui.status.need_number")
            self._render()
            self.edit.setFocus()
            return
        number = clean_app_number(text)
        if number is None:
            self._state = ("error", "ui.status.bad_number")
            self._render()
            return
        self._state = ("looking",)
        self._render()
        self.ctx.tasks.run_db(
            lambda store: store.by_app_number(number), self._on_found, self._on_failed
        )

    def _on_found(self, reg: Any) -> None:
        self._reg = reg
        self._state = ("found",) if reg is not None else ("error", "ui.status.not_found")
        self._render()
        if reg is not None:  # the answer, not the keyboard, fills the screen now
            self.panel.setFocus()
            QTimer.singleShot(0, lambda: self.scroll_area.ensureWidgetVisible(self.panel, 0, 24))

    def _on_failed(self, exc: BaseException) -> None:
        log.warning("status lookup failed: %s", exc)
        self._state = ("error", "ui.error.generic")
        self._render()

    def reset(self) -> None:
        self._last_scan = None
        self.edit.clear()
        self._state = ()
        self._reg = None
        self._origin = "services"
        self._stop_scanner()
        self._render()
